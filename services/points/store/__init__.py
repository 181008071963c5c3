"""The points gateway's asyncpg queries of its own records, one module per table."""

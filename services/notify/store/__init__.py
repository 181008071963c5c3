"""The asyncpg queries of the notify service's own tables, one module per part."""

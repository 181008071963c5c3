"""The asyncpg queries of after-sales."""

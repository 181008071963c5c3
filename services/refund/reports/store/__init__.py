"""The asyncpg queries of handovers and reports (the refund forms' tables are read only)."""

"""The asyncpg queries of refund forms, requested refunds and payouts."""

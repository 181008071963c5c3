"""Use cases of refund forms, requested refunds and payouts: one transaction each."""

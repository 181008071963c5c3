"""Use cases, each in the caller's one transaction: a refund asked for, a user's account read."""

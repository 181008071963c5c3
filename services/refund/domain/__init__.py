"""Pure rules of refunds: no I/O."""

"""Pure rules of rental: no I/O."""

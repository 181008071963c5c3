"""After-sales use cases: one transaction each."""

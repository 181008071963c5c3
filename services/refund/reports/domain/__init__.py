"""Pure rules of handovers and reports: no I/O."""

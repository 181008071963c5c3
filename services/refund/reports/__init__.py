"""The shift handover and the refund reports (seed 003), read from the refund forms' records."""

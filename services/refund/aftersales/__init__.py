"""Seller after-sales (seed 002): self-service activation, service tickets, reminders."""

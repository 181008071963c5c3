"""Handover and report use cases."""

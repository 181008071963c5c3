"""Instrumentation beneath every service: instruments, gauges, spans for SQL and adapters,
log redaction. ``shared.telemetry`` installs the providers; code calls these hooks."""

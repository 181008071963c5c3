"""Use cases of the notify service: each one transaction (an SMS send, with its outside
calls, is the documented exception in :mod:`.sms`)."""

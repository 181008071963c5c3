"""The thin HTTP gateway agents use: sign-in, roles, idempotency keys, routing.

No business rules: the services behind it decide.
"""

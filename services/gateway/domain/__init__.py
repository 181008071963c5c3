"""Pure rules of the gateway: who may call which route, accounts, idempotency keys. No I/O."""

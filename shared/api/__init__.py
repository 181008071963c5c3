"""HTTP models a service answers with and the gateway re-declares for OpenAPI;
pydantic only, no I/O."""

"""The base of every HTTP request and answer model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """A request or answer body. Its validator is built when first used, not at import:
    FastAPI builds its own for each route that names the model, so building one at class
    creation as well was start-up time spent twice (the gateway declares some hundred)."""

    model_config = ConfigDict(defer_build=True)


class BodyModel(BaseModel):
    """A request body: built at import, as FastAPI reads it for the body's own field
    (deferred, pydantic would warn at each route that the body's alias goes unused)."""

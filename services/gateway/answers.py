"""An answer on its way back to the agent: a status and a JSON body, maybe a replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from shared.errors import DomainError
from shared.http import error_body

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    """A JSON value; None when the answer has no body or is passed on as ``raw``."""
    replayed: bool = False
    raw: bytes | None = None
    """A service's JSON body as it came, sent on unchanged: nothing in the gateway reads a
    forwarded answer (the services mask and shape it), so it is not decoded and encoded
    again; only an answer kept for an Idempotency-Key is decoded (it is stored)."""

    def response(self) -> Response:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else {}
        if self.status == 503:  # a service shedding load, or one away: come back soon
            headers["Retry-After"] = "1"
        if self.raw is not None:
            return Response(
                self.raw, status_code=self.status, headers=headers, media_type="application/json"
            )
        if self.body is None:
            return Response(status_code=self.status, headers=headers)
        return JSONResponse(self.body, status_code=self.status, headers=headers)


Produce = Callable[[], Awaitable[Answer]]


async def answered(produce: Produce) -> Answer:
    """Run ``produce``; a refusal (a domain error) is an answer like any other."""
    try:
        return await produce()
    except DomainError as exc:
        return Answer(exc.status, error_body(exc.code, exc.message))

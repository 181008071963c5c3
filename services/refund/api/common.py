"""What the routes share: the use cases' dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.refund.handlers.deps import Deps


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


RefundDeps = Annotated[Deps, Depends(_deps)]

"""The staff's side of ``kefu demo``: the demo accounts at the gateway, as people would.

Each account signs in once (the gateway throttles sign-ins) and keeps its token.
Every command carries an ``Idempotency-Key`` made from the seed and what the step is,
so running the demo again replays the gateway's first answer while the gateway keeps
the key: nothing is filed twice, no money moves twice. Past that (a day), a step that
moves money or files something looks first whether its result is there, as a person
would, and a step the record has gone past answers 409, which counts as done.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from shared.progress import Steps

T = TypeVar("T")
_KEY_NAMESPACE = uuid.UUID("3b0c9f5e-2a47-4f1d-8e36-6c1d0a9b7e21")


class DemoError(RuntimeError):
    """A step was refused or never showed: what the demo cannot go on without."""


class Staff:
    """The demo accounts, each signed in at most once."""

    def __init__(self, gateway_url: str, password: str, *, seed: int, steps: Steps) -> None:
        self.client = httpx.AsyncClient(base_url=gateway_url, timeout=30.0)
        self._password = password
        self._tokens: dict[str, str] = {}
        self._seed = seed
        self.steps = steps

    async def aclose(self) -> None:
        await self.client.aclose()

    def key(self, step: str) -> str:
        return str(uuid.uuid5(_KEY_NAMESPACE, f"{self._seed}/{step}"))

    async def _headers(self, who: str) -> dict[str, str]:
        if who not in self._tokens:
            response = await self.client.post(
                "/api/v1/auth/login", json={"username": who, "password": self._password}
            )
            if response.status_code != 200:
                raise DemoError(f"{who} cannot sign in at the gateway: {response.text}")
            self._tokens[who] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[who]}"}

    async def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=await self._headers(who))

    async def found(self, who: str, path: str, **params: Any) -> list[dict[str, Any]]:
        """The items of a list, empty when there are none."""
        response = await self.get(who, path, **params)
        if response.status_code != 200:
            raise DemoError(f"GET {path} as {who}: {response.status_code} {response.text}")
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def send(
        self,
        who: str,
        step: str,
        path: str,
        body: Any = None,
        *,
        method: str = "POST",
        ok: tuple[int, ...] = (200, 201, 202),
        done_if_past: bool = True,
    ) -> dict[str, Any]:
        """One staff command under this step's key; its answer (the same on a replay).
        A 409 is a step done before (``{}``) unless ``done_if_past`` is off."""
        self.steps.now(step)
        headers = await self._headers(who) | {"Idempotency-Key": self.key(step)}
        response = await self.client.request(method, path, json=body, headers=headers)
        if response.status_code == 409 and done_if_past:
            self.steps.done()
            return {}
        if response.status_code not in ok:
            raise DemoError(f"{step}: {method} {path} as {who}: {response.text}")
        self.steps.done()
        answer: dict[str, Any] = response.json() if response.content else {}
        return answer

    async def until(
        self, probe: Callable[[], Awaitable[T | None]], *, what: str, within: float = 180.0
    ) -> T:
        """Poll until the services have taken in what was published. Generous: a stack
        that has just started, on a 2-core machine also running a test suite, once took
        more than a minute here."""
        self.steps.now(f"waiting for {what}")
        deadline = asyncio.get_running_loop().time() + within
        while True:
            found = await probe()
            if found is not None:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise DemoError(
                    f"{what} did not show within {within:.0f} s; each service's /health"
                    " shows its consumers' state"
                )
            await asyncio.sleep(0.5)

"""What every wire contract shares, and the registry of topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """A message payload on a topic.

    Unknown fields are ignored, so a producer may add optional fields within a
    version without breaking older consumers; a breaking change is a new topic.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)


C = TypeVar("C", bound=Contract)


@dataclass(frozen=True)
class Topic(Generic[C]):
    """A topic: its name ``<domain>.<event>.v<N>``, payload model and what keys it."""

    name: str
    model: type[C]
    key: str
    """The payload field whose value is the message key (the aggregate's id)."""
    summary: str
    producer: str
    """Who publishes it: a service of ours, or ``platform`` for other teams."""

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"

    @property
    def ce_type(self) -> str:
        return f"kefu.{self.name}"

    def key_of(self, payload: C) -> str:
        return str(getattr(payload, self.key))

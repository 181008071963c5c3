"""What is in the dead-letter topics: each entry with the reason the consumer gave.

The consumer runtime (shared.messaging.consumer) dead-letters a message with the
original key, value and headers plus ``kefu_dlq_*`` headers saying why, where
from and which consumer; these functions read them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.messaging import cloudevents
from shared.ops.reading import list_topics, read
from shared.settings import Settings

DLQ_SUFFIX = ".dlq"
DLQ_HEADER_PREFIX = "kefu_dlq_"


@dataclass(frozen=True)
class DlqEntry:
    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    value: bytes
    decoded: dict[str, str] = field(repr=False)

    @classmethod
    def of(cls, record: Any) -> DlqEntry:
        headers = tuple(record.headers or ())
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            headers,
            record.value or b"",
            cloudevents.decode(headers),
        )

    @property
    def reason(self) -> str:
        return self.decoded.get("kefu_dlq_reason", "")

    @property
    def error(self) -> str:
        return self.decoded.get("kefu_dlq_error", "")

    @property
    def original_topic(self) -> str:
        """Where the message came from (the header, else the DLQ name without ``.dlq``)."""
        return self.decoded.get("kefu_dlq_topic") or self.dlq_topic.removesuffix(DLQ_SUFFIX)

    @property
    def ce_id(self) -> str | None:
        return self.decoded.get("ce_id")

    @property
    def key_text(self) -> str:
        return self.key.decode("utf-8", "replace") if self.key is not None else ""

    def republished_headers(self) -> list[tuple[str, bytes]]:
        """The original headers: the DLQ's own are dropped, the CloudEvents id kept, so
        a consumer that applied the message before still skips it (its inbox)."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]


def dlq_name(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


async def dlq_topics(settings: Settings, topic: str | None = None) -> list[str]:
    """Every DLQ topic on the broker, or the one of ``topic`` (a topic or its DLQ)."""
    names = [t for t in await list_topics(settings) if t.endswith(DLQ_SUFFIX)]
    if topic is None:
        return names
    wanted = dlq_name(topic)
    return [t for t in names if t == wanted]


async def list_entries(
    settings: Settings, topic: str | None = None, *, limit: int = 100, idle_seconds: float = 1.5
) -> list[DlqEntry]:
    """Up to ``limit`` entries of each DLQ topic (or of ``topic``'s), oldest first."""
    entries: list[DlqEntry] = []
    for name in await dlq_topics(settings, topic):
        async for record in read(settings, name, limit=limit, idle_seconds=idle_seconds):
            entries.append(DlqEntry.of(record))
    return entries


async def find_entry(
    settings: Settings, dlq_topic: str, partition: int, offset: int, *, idle_seconds: float = 1.5
) -> DlqEntry | None:
    async for record in read(
        settings,
        dlq_topic,
        partitions=[partition],
        from_offset=offset,
        limit=1,
        idle_seconds=idle_seconds,
    ):
        return DlqEntry.of(record) if record.offset == offset else None
    return None

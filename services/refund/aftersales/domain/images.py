"""Images on a ticket, each under 800 KB (seed 002: 最多3张，小于800K).

Two sets, at most 3 each: the customer's evidence (sent with the application,
added by customer service) and the reviewer's (the review result's images). A
reviewer's images never take the customer's places, nor the other way round.

They come as base64 in JSON (the gateway forwards JSON); the bytes must be what
the content type says (checked by their signature), so a renamed file is refused.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum

from services.refund.aftersales.domain.errors import ImageTooLarge, InvalidImage, TooManyImages

MAX_IMAGES = 3
"""Of each kind."""
MAX_BYTES = 800 * 1024
"""Strictly under this many bytes."""
MAX_BASE64 = (MAX_BYTES + 2) // 3 * 4 + 8
"""Any base64 text longer than this decodes to an image that is too big."""

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
CONTENT_TYPES = tuple(_SIGNATURES)


class ImageKind(StrEnum):
    CUSTOMER = "customer"
    """The customer's evidence: with the application, or added by customer service."""
    REVIEW = "review"
    """The review result's images (审核结果), added by the reviewer."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data_base64: str


@dataclass(frozen=True)
class Image:
    filename: str
    content_type: str
    data: bytes


def decode(upload: Upload) -> Image:
    name = upload.filename.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidImage("an image's filename is 1 to 200 characters")
    signatures = _SIGNATURES.get(upload.content_type)
    if signatures is None:
        raise InvalidImage(
            f"{name}: {upload.content_type!r} is not an image type we keep"
            f" ({', '.join(CONTENT_TYPES)})"
        )
    if len(upload.data_base64) > MAX_BASE64:
        raise ImageTooLarge(f"{name} is over 800 KB: an image must be under 800 KB")
    try:
        data = base64.b64decode(upload.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImage(f"{name}: data_base64 is not base64") from exc
    if len(data) >= MAX_BYTES:
        raise ImageTooLarge(f"{name} is {len(data) // 1024} KB: an image must be under 800 KB")
    if not data.startswith(signatures):
        raise InvalidImage(f"{name} is not a {upload.content_type} image")
    if upload.content_type == "image/webp" and data[8:12] != b"WEBP":
        raise InvalidImage(f"{name} is not a image/webp image")
    return Image(name, upload.content_type, data)


def check_count(kind: ImageKind, already: int, adding: int) -> None:
    if already + adding > MAX_IMAGES:
        raise TooManyImages(
            f"a ticket holds at most {MAX_IMAGES} {kind.value} images: it has {already},"
            f" {adding} more would make it over"
        )


def decode_all(kind: ImageKind, already: int, uploads: list[Upload]) -> list[Image]:
    """Every upload checked before any is kept: one bad image refuses them all."""
    check_count(kind, already, len(uploads))
    return [decode(u) for u in uploads]

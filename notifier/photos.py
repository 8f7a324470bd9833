"""Photos a person sends from a phone (a signed report photographed), taken as evidence
like any file: by the type of their first bytes and under the same size limit.

A photo has no file name (Telegram's compressed photos, Zalo's images), so it is given
one a person recognises in the evidence list: `anh-<dd-mm-yyyy>-<hhmmss>.jpg` at the local
time it was sent (`-2`, `-3` for the next photos of one message). Its type is what its
bytes are, JPEG or PNG (`store.file_types`, the one list every channel shares); anything
else is refused like a file whose content does not match its name.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from notifier.render import DEFAULT_TZ
from store.file_types import ALLOWED, FileRefused, kind_of

TZ = ZoneInfo(DEFAULT_TZ)
_EXTENSIONS = {content_type: extension for extension, (content_type, _) in ALLOWED.items()}
PHOTO_TYPES = ("image/jpeg", "image/png")


def photo_type(head: bytes) -> str:
    """The photo's content type from its first bytes; FileRefused unless JPEG or PNG."""
    for content_type in PHOTO_TYPES:
        try:
            return kind_of(f"anh{_EXTENSIONS[content_type]}", head)
        except FileRefused:
            continue
    raise FileRefused("ảnh không phải JPEG hay PNG")


def photo_name(content_type: str, at: datetime, index: int = 1) -> str:
    """`anh-06-12-2026-143501.jpg`: when it was sent, in local time; `index` > 1 numbers
    the further photos of one message."""
    local = at.astimezone(TZ)
    extension = ".png" if content_type == "image/png" else ".jpg"
    more = f"-{index}" if index > 1 else ""
    return f"anh-{local:%d-%m-%Y-%H%M%S}{more}{extension}"

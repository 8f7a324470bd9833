"""What the submit page accepts as a file: the document types reports are sent in, up to
a size limit, checked by content as well as by name.

Which types are accepted is `store.file_types`, shared with email and Telegram. The size
is counted while reading, so a client lying in Content-Length still cannot make us hold
more than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile

from store.evidence import EvidenceStore, StoredFile
from store.file_types import FileRefused as UploadRefused
from store.file_types import kind_of

CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Accepted:
    stored: StoredFile


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    data = bytearray()
    while chunk := await upload.read(CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            raise UploadRefused(f"tệp lớn hơn giới hạn {limit // (1024 * 1024)} MB")
    return bytes(data)


async def accept(upload: UploadFile, store: EvidenceStore, limit: int) -> Accepted:
    data = await read_limited(upload, limit)
    if not data:
        raise UploadRefused("tệp rỗng")
    content_type = kind_of(upload.filename or "", data[:16])
    return Accepted(store.put(data, upload.filename or "", content_type))

"""What the submit page accepts as a file: the document types reports are sent in, up to
a size limit, checked by content as well as by name.

A report arrives as PDF, Word, Excel, OpenDocument or a scan (JPEG/PNG), sometimes
zipped. The extension must be one of those and the first bytes must agree with it, so a
page or a script renamed `.pdf` is refused. The size is counted while reading, so a
client lying in Content-Length still cannot make us hold more than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile

from store.evidence import EvidenceStore, StoredFile, safe_name

_PDF = (b"%PDF-",)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", _PDF),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".zip": ("application/zip", _ZIP),
}
ALLOWED_VI = (
    "PDF, Word (.doc, .docx), Excel (.xls, .xlsx), OpenDocument (.odt, .ods), JPEG, PNG, ZIP"
)
CHUNK = 64 * 1024


class UploadRefused(ValueError):
    """Why a file was not accepted, in Vietnamese, for the person who sent it."""


@dataclass(frozen=True, slots=True)
class Accepted:
    stored: StoredFile


def kind_of(file_name: str, head: bytes) -> str:
    """The content type to record; UploadRefused unless name and content agree."""
    name = safe_name(file_name).lower()
    dot = name.rfind(".")
    extension = name[dot:] if dot >= 0 else ""
    if extension not in ALLOWED:
        raise UploadRefused(f"không nhận tệp loại này; chỉ nhận {ALLOWED_VI}")
    content_type, magics = ALLOWED[extension]
    if not head.startswith(magics):
        raise UploadRefused(f"nội dung tệp không phải {extension[1:].upper()} như tên tệp ghi")
    return content_type


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

"""Which files hanchot takes as a report, whatever the channel (web, email, Telegram).

A report arrives as PDF, Word, Excel, OpenDocument or a scan (JPEG/PNG), sometimes
zipped. The extension must be one of those and the first bytes must agree with it, so a
page or a script renamed `.pdf` is refused. One list for every channel, so a file refused
on the submit page is refused by email and Telegram too.
"""

from __future__ import annotations

from store.evidence import safe_name

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


class FileRefused(ValueError):
    """Why a file was not accepted, in Vietnamese, for the person who sent it."""


def kind_of(file_name: str, head: bytes) -> str:
    """The content type to record; FileRefused unless name and content agree."""
    name = safe_name(file_name).lower()
    dot = name.rfind(".")
    extension = name[dot:] if dot >= 0 else ""
    if extension not in ALLOWED:
        raise FileRefused(f"không nhận tệp loại này; chỉ nhận {ALLOWED_VI}")
    content_type, magics = ALLOWED[extension]
    if not head.startswith(magics):
        raise FileRefused(f"nội dung tệp không phải {extension[1:].upper()} như tên tệp ghi")
    return content_type

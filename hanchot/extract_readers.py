"""The text of a guidance document for `hanchot extract`: .txt, .docx and text .pdf.

.docx is read with the standard library (it is a zip of XML); a PDF's text layer with
pypdf. A scanned PDF has no text layer: that is said plainly, not guessed at. Every
failure is a `ReadError` whose message is one line a coordinator can act on.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_XML = 64 * 1024 * 1024  # a Word document's text part; more is a zip bomb, not a guidance
SUPPORTED = (".txt", ".docx", ".pdf")


class ReadError(Exception):
    """A document that cannot be read; the message is for the coordinator."""


@dataclass(frozen=True, slots=True)
class DocumentText:
    text: str
    pages: tuple[int, ...] = ()
    """Offsets in `text` where each PDF page begins; empty for other formats."""


def read_document(path: Path) -> DocumentText:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = " (hãy lưu lại dưới dạng .docx)" if suffix in (".doc", ".rtf", ".odt") else ""
        raise ReadError(
            f"không đọc được định dạng «{suffix or path.name}»{hint}; hỗ trợ: .txt, .docx, .pdf"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(f"không tìm thấy tệp {path}") from None
    except IsADirectoryError:
        raise ReadError(f"{path} là thư mục, không phải tệp") from None
    except OSError as exc:
        raise ReadError(f"không đọc được tệp {path}: {exc.strerror}") from None
    reader = {".txt": _txt, ".docx": _docx, ".pdf": _pdf}[suffix]
    document = reader(data, path)
    if not document.text.strip():
        raise ReadError(f"tệp {path} không có chữ nào")
    return document


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258 (Vietnamese)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _txt(data: bytes, path: Path) -> DocumentText:
    return DocumentText(decode_text(data))


def _docx(data: bytes, path: Path) -> DocumentText:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > _MAX_XML:
                raise ReadError(f"{path}: phần nội dung quá lớn ({info.file_size} byte)")
            xml = archive.read(info)
    except KeyError:
        raise ReadError(f"{path} không phải tệp Word .docx (thiếu word/document.xml)") from None
    except zipfile.BadZipFile:
        raise ReadError(
            f"{path} không phải tệp .docx hợp lệ (tệp hỏng hoặc sai định dạng)"
        ) from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ReadError(f"{path}: nội dung .docx hỏng ({exc})") from None
    return DocumentText("\n".join(_paragraph(p) for p in root.iter(f"{_W}p")))


def _paragraph(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _pdf(data: bytes, path: Path) -> DocumentText:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a declared dependency
        raise ReadError("cần gói pypdf để đọc PDF (pip install pypdf)") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError(f"{path} được đặt mật khẩu; hãy mở khóa trước")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ReadError(f"{path} không phải PDF đọc được ({exc})") from None
    if not any(p.strip() for p in pages):
        raise ReadError(
            f"{path} không có lớp chữ (có thể là bản quét); hãy nhận dạng chữ (OCR) trước"
        )
    starts, text = [], ""
    for page in pages:
        starts.append(len(text))
        text += page if page.endswith("\n") else page + "\n"
    return DocumentText(text, tuple(starts))

"""Fixtures that build small real .docx and text .pdf files, so no binary is committed."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def build_docx(path: Path, paragraphs: list[list[str]]) -> Path:
    """A Word document: each paragraph a list of runs (Word splits text into runs at will)."""
    body = "".join(
        "<w:p>"
        + "".join(f'<w:r><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs)
        + "</w:p>"
        for runs in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Nơi nhận:</w:t></w:r></w:p>"
        "</w:tc></w:tr></w:tbl></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", document)
    return path


def build_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A text PDF with a Type0 font whose ToUnicode map carries Vietnamese, as Word and
    LibreOffice export it: glyph ids in the content, Unicode only through the CMap."""
    chars = sorted({c for page in pages for line in page for c in line})
    glyph = {c: i + 1 for i, c in enumerate(chars)}
    cmap_lines = [f"<{glyph[c]:04X}> <{ord(c):04X}>" for c in chars]
    blocks = [cmap_lines[i : i + 100] for i in range(0, len(cmap_lines), 100)]
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "".join(f"{len(b)} beginbfchar\n" + "\n".join(b) + "\nendbfchar\n" for b in blocks)
        + "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    def stream(data: str) -> str:
        return f"<< /Length {len(data.encode('latin-1'))} >>\nstream\n{data}\nendstream"

    n_pages = len(pages)
    catalog = add("<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n_pages))
    add(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>")
    font = add(
        "<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H "
        "/DescendantFonts [4 0 R] /ToUnicode 99 0 R >>"
    )
    add(
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /DW 500 "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"
    )
    for page in pages:
        ops = ["BT", "/F1 10 Tf", "14 TL", "40 800 Td"]
        for line in page:
            ops.append("<" + "".join(f"{glyph[c]:04X}" for c in line) + "> Tj T*")
        ops.append("ET")
        add(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {len(objects) + 2} 0 R >>"
        )
        add(stream("\n".join(ops)))
    to_unicode = add(stream(cmap))
    objects[font - 1] = objects[font - 1].replace(b"99 0 R", f"{to_unicode} 0 R".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root {catalog} 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[[str, list[list[str]]], Path]:
    return lambda name, paragraphs: build_docx(tmp_path / name, paragraphs)


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[[str, list[list[str]]], Path]:
    return lambda name, pages: build_pdf(tmp_path / name, pages)

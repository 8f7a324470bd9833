"""Reading .txt, .docx and text .pdf; every failure is one line for the coordinator."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

from deadlines.extract import extract
from hanchot.extract_readers import ReadError, decode_text, read_document

SENTENCE = (
    "Đề nghị các sở, ban, ngành gửi báo cáo 6 tháng về Sở Lao động - Thương binh và Xã "
    "hội trước ngày 15/6."
)


def windows_1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: precomposed letters, combining tone marks."""
    out = b""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        for keep in range(len(parts), 0, -1):
            try:
                out += (unicodedata.normalize("NFC", parts[:keep]) + parts[keep:]).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
    return out


def test_txt_in_utf8_utf16_and_windows_1258(tmp_path: Path) -> None:
    for name, data in (
        ("a.txt", SENTENCE.encode("utf-8-sig")),
        ("b.txt", SENTENCE.encode("utf-16")),
        ("c.txt", windows_1258(SENTENCE)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        text = read_document(path).text
        (p,) = extract(text).proposals
        assert p.due[0].text == "before 15/06" and p.receiver == "so-ldtbxh", name
    assert unicodedata.normalize("NFC", decode_text(windows_1258("trước"))) == "trước"


def test_docx_paragraphs_and_runs(make_docx) -> None:  # type: ignore[no-untyped-def]
    path = make_docx(
        "kh.docx",
        [
            ["KẾ HOẠCH"],
            ["Đề nghị các sở, ban, ngành gửi ", "báo cáo 6 tháng", " về Sở Lao động - ", "Thương"],
            ["binh và Xã hội trước ngày ", "15/6", " và báo cáo năm trước ngày 15/12."],
        ],
    )
    doc = read_document(path)
    assert doc.text.splitlines()[0] == "KẾ HOẠCH"
    assert "Nơi nhận:" in doc.text  # text inside tables is read too
    got = {p.id: p for p in extract(doc.text).proposals}
    assert [r.text for r in got["bao-cao-6-thang"].due] == ["before 15/06"]
    assert [r.text for r in got["bao-cao-nam"].due] == ["before 15/12"]
    due = next(e for e in got["bao-cao-6-thang"].evidence if e.field == "due")
    assert due.line == 3


def test_text_pdf_with_pages(make_pdf) -> None:  # type: ignore[no-untyped-def]
    path = make_pdf(
        "cv.pdf",
        [
            ["HƯỚNG DẪN", "Đề nghị các sở, ban, ngành gửi báo cáo 6 tháng trước ngày 20/6"],
            ["2", "và báo cáo năm trước ngày 25/11 về Sở Lao động – Thương binh và Xã hội."],
        ],
    )
    doc = read_document(path)
    assert len(doc.pages) == 2 and doc.text[doc.pages[1] :].startswith("2\n")
    got = {p.id: p for p in extract(doc.text).proposals}
    assert got["bao-cao-nam"].due[0].text == "before 25/11"
    assert got["bao-cao-nam"].receiver == "so-ldtbxh"  # the sentence runs across the page


def test_scanned_pdf_without_text_layer_is_said_plainly(make_pdf) -> None:  # type: ignore[no-untyped-def]
    path = make_pdf("scan.pdf", [[]])
    with pytest.raises(ReadError, match="không có lớp chữ"):
        read_document(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.doc", b"\xd0\xcf\x11\xe0", "lưu lại dưới dạng .docx"),
        ("a.odt", b"PK", "hỗ trợ: .txt, .docx, .pdf"),
        ("broken.docx", b"not a zip", "không phải tệp .docx hợp lệ"),
        ("broken.pdf", b"%PDF-1.4 garbage", "không phải PDF đọc được"),
        ("empty.txt", b"  \n", "không có chữ nào"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message) as info:
        read_document(path)
    assert "\n" not in str(info.value)


def test_docx_without_document_part(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "x")
    with pytest.raises(ReadError, match=r"thiếu word/document\.xml"):
        read_document(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="không tìm thấy"):
        read_document(tmp_path / "none.txt")

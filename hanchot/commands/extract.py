"""`hanchot extract`: propose obligations from a guidance document, and merge them.

Without --merge the proposals are printed (or written with -o) as calendar YAML with their
evidence and flags. With --merge CONFIG the ready proposals, and those named with
--accept, are appended to the calendar's `obligations:` (comments and layout kept), the
result is validated with the calendar loader, and only a valid calendar is written. The
input may also be a proposals file the coordinator has reviewed and filled in. The
merging itself is in `_extract_merge`; this module reads the arguments and the document.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Annotated

import typer

from deadlines.extract import extract
from deadlines.extract.render import Locate, by_line, render
from hanchot.commands._extract_merge import chosen, err, fail, merge_entries, reviewed_entries
from hanchot.extract_readers import DocumentText, ReadError, read_document


def register(app: typer.Typer) -> None:
    app.command("extract")(extract_command)


def extract_command(
    document: Annotated[
        Path,
        typer.Argument(
            help="Văn bản (.txt, .docx, .pdf), hoặc tệp đề xuất .yaml đã rà soát (với --merge)"
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Tệp ghi kết quả; mặc định in ra màn hình, hoặc với --merge ghi đè lịch "
            "và giữ bản cũ ở LỊCH.bak",
        ),
    ] = None,
    merge: Annotated[
        Path | None,
        typer.Option("--merge", help="Lịch YAML để gộp các đề xuất sẵn sàng hoặc được chấp nhận"),
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="Mã đề xuất được chấp nhận: mỗi cờ lấy ứng viên duy nhất của nó (lặp lại được)",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Với --merge: chỉ kiểm tra, không ghi tệp")
    ] = False,
) -> None:
    """Đề xuất nghĩa vụ báo cáo từ văn bản (kế hoạch, hướng dẫn, công văn) để xác nhận."""
    accepted = accept or []
    if merge is None and (accepted or dry_run):
        fail("--accept và --dry-run chỉ dùng cùng --merge LỊCH.yaml", code=2)
    if document.suffix.lower() in (".yaml", ".yml"):
        if merge is None:
            fail("tệp .yaml là tệp đề xuất: dùng cùng --merge LỊCH.yaml để gộp", code=2)
        entries = reviewed_entries(document)
        if accepted:
            err.print("lưu ý: --accept không áp dụng cho tệp đề xuất đã rà soát; bỏ qua.")
        merge_entries(entries, merge, output, dry_run, source=document.name)
        return
    try:
        doc = read_document(document)
    except ReadError as exc:
        fail(str(exc))
    extraction = extract(doc.text, document.name)
    if merge is None:
        text = render(extraction, _locator(doc))
        _write_or_print(text, output)
        ready = sum(p.complete for p in extraction.proposals)
        total = len(extraction.proposals)
        err.print(
            f"{total} đề xuất từ {document.name}: {ready} sẵn sàng, {total - ready} cần xác nhận."
        )
        return
    unknown = set(accepted) - {p.id for p in extraction.proposals}
    if unknown:
        ids = ", ".join(p.id for p in extraction.proposals) or "(không có)"
        fail(f"không có đề xuất mã {', '.join(sorted(unknown))}; các mã: {ids}", code=2)
    merge_entries(
        chosen(extraction.proposals, set(accepted)), merge, output, dry_run, document.name
    )


def _locator(doc: DocumentText) -> Locate:
    if not doc.pages:
        return by_line
    pages, text = doc.pages, doc.text

    def locate(offset: int, line: int, column: int) -> str:
        page = bisect_right(pages, offset)
        in_page = text.count("\n", pages[page - 1], offset) + 1
        return f"trang {page}, dòng {in_page}, cột {column}"

    return locate


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"không ghi được {output}: {exc.strerror}")
    err.print(f"Đã ghi {output}.")

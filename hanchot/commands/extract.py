"""`hanchot extract`: propose obligations from a guidance document, and merge them.

Without --merge the proposals are printed (or written with -o) as calendar YAML with their
evidence and flags. With --merge CONFIG the ready proposals, and those named with
--accept, are appended to the calendar's `obligations:` (comments and layout kept), the
result is validated with the calendar loader, and only a valid calendar is written. The
input may also be a proposals file the coordinator has reviewed and filled in.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from deadlines.extract import Proposal, extract
from deadlines.extract.flags import FIELD_VI
from deadlines.extract.normalise import fold
from deadlines.extract.parties import unit_id
from deadlines.extract.render import Locate, by_line, obligation_fields, render
from deadlines.model import Calendar
from hanchot.extract_readers import DocumentText, ReadError, read_document

err = Console(stderr=True, highlight=False, soft_wrap=True)
_REQUIRED = ("id", "name", "period", "submitters", "receiver")


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
        _fail("--accept và --dry-run chỉ dùng cùng --merge LỊCH.yaml", code=2)
    if document.suffix.lower() in (".yaml", ".yml"):
        if merge is None:
            _fail("tệp .yaml là tệp đề xuất: dùng cùng --merge LỊCH.yaml để gộp", code=2)
        entries = _reviewed_entries(document)
        if accepted:
            err.print("lưu ý: --accept không áp dụng cho tệp đề xuất đã rà soát; bỏ qua.")
        _merge(entries, merge, output, dry_run, source=document.name)
        return
    try:
        doc = read_document(document)
    except ReadError as exc:
        _fail(str(exc))
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
        _fail(f"không có đề xuất mã {', '.join(sorted(unknown))}; các mã: {ids}", code=2)
    _merge(_chosen(extraction.proposals, set(accepted)), merge, output, dry_run, document.name)


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]lỗi[/red]: {message}", markup=True, highlight=False)
    raise typer.Exit(code)


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
        _fail(f"không ghi được {output}: {exc.strerror}")
    err.print(f"Đã ghi {output}.")


# ---------------------------------------------------------------- choosing


@dataclass
class _Entry:
    """One obligation on its way into the calendar."""

    id: str
    fields: CommentedMap
    origin: str
    receiver_name: str | None = None
    present: bool = False
    """Set when the calendar already holds this obligation."""


def _chosen(proposals: tuple[Proposal, ...], accepted: set[str]) -> list[_Entry]:
    out = []
    for p in proposals:
        if p.id in accepted:
            try:
                p = p.accepted()
            except ValueError as exc:
                err.print(
                    f"bỏ qua {p.id}: không thể chấp nhận, còn cờ chưa có ứng viên duy nhất — {exc}"
                )
                continue
        elif not p.complete:
            err.print(f"bỏ qua {p.id}: {_why_not(p)}")
            continue
        origin = f"dòng {p.line}"
        out.append(_Entry(p.id, _as_map(obligation_fields(p)), origin, p.receiver_name))
    return out


def _why_not(p: Proposal) -> str:
    fields = [FIELD_VI.get(f.field, f.field) for f in p.blocking]
    fields += [FIELD_VI.get(m, m) for m in p.missing if FIELD_VI.get(m, m) not in fields]
    text = "cần xác nhận " + ", ".join(dict.fromkeys(fields))
    if (
        p.blocking
        and all(f.accept is not None for f in p.blocking)
        and not (set(p.missing) - {f.field for f in p.blocking})
    ):
        return text + f"; chấp nhận ứng viên bằng --accept {p.id}"
    return text + "; ghi đề xuất ra tệp (-o), điền các trường trống rồi gộp tệp đó"


def _as_map(fields: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for key, value in fields.items():
        if isinstance(value, dict):
            inner = CommentedMap()
            for k, v in value.items():
                inner[k] = _flow(v) if isinstance(v, list) else v
            inner.fa.set_flow_style()
            value = inner
        out[key] = value
    return out


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _reviewed_entries(path: Path) -> list[_Entry]:
    try:
        data = _yaml().load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"không đọc được {path}: {exc}")
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        _fail(f"{path}{where}: YAML không hợp lệ ({getattr(exc, 'problem', exc)})")
    items = data.get("obligations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        _fail(f"{path}: không có danh sách obligations")
    out = []
    for i, item in enumerate(items or [], 1):
        if not isinstance(item, CommentedMap):
            err.print(f"bỏ qua mục {i} của {path.name}: không phải một nghĩa vụ")
            continue
        empty = [k for k in _REQUIRED if item.get(k) in (None, "", [], {})]
        if item.get("period") == "campaign":
            empty += [] if item.get("window") else ["window"]
        elif item.get("due") in (None, "", {}):
            empty.append("due")
        if empty:
            label = item.get("id") or f"mục {i}"
            names = ", ".join(FIELD_VI.get(k, k) for k in empty)
            err.print(f"bỏ qua {label}: còn trống {names}")
            continue
        line = item.lc.line + 1 if item.lc.line is not None else i
        out.append(_Entry(str(item["id"]), item, f"{path.name} dòng {line}"))
    return out


# ---------------------------------------------------------------- merging


def _merge(
    entries: list[_Entry], config: Path, output: Path | None, dry_run: bool, source: str
) -> None:
    from config.errors import CalendarError
    from config.loader import load_calendar, load_calendar_text

    try:
        calendar = load_calendar(config)
    except CalendarError as exc:
        for issue in exc.errors:
            err.print(f"lỗi {issue}")
        _fail(f"lịch {config} đang có lỗi; sửa lịch trước khi gộp")
    data = _yaml().load(config.read_text(encoding="utf-8"))
    seq = data.get("obligations")
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        data["obligations"] = seq
    added: list[str] = []
    present = 0
    for entry in entries:
        fields = _fit(entry, calendar)
        if fields is None:
            present += entry.present
            continue
        seq.append(fields)
        seq.yaml_set_comment_before_after_key(
            len(seq) - 1, before=f"Trích từ {source}, {entry.origin} (hanchot extract)", indent=2
        )
        added.append(str(fields["id"]))
    if not added and entries and present == len(entries):
        err.print(f"Lịch {config} đã có đủ các nghĩa vụ này; không thay đổi gì.")
        return
    if not added:
        _fail(
            "không có đề xuất nào được gộp" if entries else "không có đề xuất nào sẵn sàng để gộp"
        )
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    target = output or config
    try:
        load_calendar_text(buffer.getvalue(), str(target))
    except CalendarError as exc:
        for issue in exc.errors:
            err.print(f"lỗi {issue}")
        _fail(f"lịch sau khi gộp không hợp lệ; chưa ghi gì vào {target}")
    if dry_run:
        err.print(f"Kiểm tra xong (--dry-run): gộp được {', '.join(added)}; chưa ghi tệp.")
        return
    backup = _write(buffer.getvalue(), target, config)
    note = f" (bản cũ: {backup})" if backup else ""
    err.print(f"Đã gộp {len(added)} nghĩa vụ vào {target}{note}: {', '.join(added)}.")


def _fit(entry: _Entry, calendar: Calendar) -> CommentedMap | None:
    """The entry adjusted to the calendar (receiver id, unique id), or None to skip it."""
    fields = entry.fields
    units = calendar.units_by_id
    receiver = str(fields["receiver"])
    if receiver not in units:
        match = _unit_named(receiver, entry.receiver_name, calendar)
        if match is None:
            shown = f"«{entry.receiver_name}» ({receiver})" if entry.receiver_name else receiver
            err.print(f"bỏ qua {entry.id}: nơi nhận {shown} không có trong units của lịch")
            return None
        fields["receiver"] = match
    kinds = {u.kind for u in calendar.units}
    wanted = list((fields.get("submitters") or {}).get("kinds") or [])
    lacking = [k for k in wanted if k not in kinds]
    if lacking:
        err.print(
            f"bỏ qua {entry.id}: lịch không có đơn vị loại {', '.join(lacking)} "
            f"(có: {', '.join(sorted(kinds))})"
        )
        return None
    for existing in calendar.obligations:
        if _same(existing, fields):
            err.print(f"bỏ qua {entry.id}: lịch đã có nghĩa vụ này ({existing.id})")
            entry.present = True
            return None
    ids = {o.id for o in calendar.obligations}
    base, n = str(fields["id"]), 2
    while str(fields["id"]) in ids:
        fields["id"] = f"{base}-{n}"
        n += 1
    if fields["id"] != base:
        err.print(f"mã {base} đã có trong lịch; đề xuất được gộp với mã {fields['id']}")
    return fields


def _unit_named(receiver: str, name: str | None, calendar: Calendar) -> str | None:
    """A calendar unit that is the receiver under another id, matched by its name."""
    wanted = {_key(name)} if name else set()
    for unit in calendar.units:
        if _key(unit.name) in wanted or unit_id(unit.name) == receiver:
            return unit.id
    return None


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(name)).strip()


def _same(existing: Any, fields: CommentedMap) -> bool:
    due = fields.get("due")
    texts = sorted(str(v) for v in due.values()) if isinstance(due, dict) else [str(due)]
    theirs = sorted(r.text for r in existing.due) if existing.due else ["None"]
    return (
        existing.period.value == fields.get("period")
        and existing.receiver == fields.get("receiver")
        and [t.lower() for t in theirs] == [t.lower() for t in texts]
    )


def _write(text: str, target: Path, config: Path) -> Path | None:
    backup = None
    if target.resolve() == config.resolve():
        backup = config.with_name(config.name + ".bak")
        shutil.copy2(config, backup)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _fail(f"không ghi được {target}: {exc.strerror}")
    return backup

"""Merging for `hanchot extract --merge`: proposals or a reviewed proposals file, into a calendar.

Apart from the command because it is a job of its own: choose the entries (ready or
accepted proposals, or the filled-in items of a reviewed file), fit each to the calendar
(receiver by id or name, submitter kinds it has, an obligation it does not already hold,
a unique id), append them with ruamel.yaml keeping comments and layout, validate the
result with the calendar loader, and only then write it, keeping the old file as .bak.
The command's console and its one-line failure live here too, as both modules use them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from deadlines.extract import Proposal
from deadlines.extract.flags import FIELD_VI
from deadlines.extract.normalise import fold
from deadlines.extract.parties import unit_id
from deadlines.extract.render import obligation_fields
from deadlines.model import Calendar

err = Console(stderr=True, highlight=False, soft_wrap=True)
_REQUIRED = ("id", "name", "period", "submitters", "receiver")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]lỗi[/red]: {message}", markup=True, highlight=False)
    raise typer.Exit(code)


# ---------------------------------------------------------------- choosing


@dataclass
class Entry:
    """One obligation on its way into the calendar."""

    id: str
    fields: CommentedMap
    origin: str
    receiver_name: str | None = None
    present: bool = False
    """Set when the calendar already holds this obligation."""


def chosen(proposals: tuple[Proposal, ...], accepted: set[str]) -> list[Entry]:
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
        out.append(Entry(p.id, _as_map(obligation_fields(p)), origin, p.receiver_name))
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


def reviewed_entries(path: Path) -> list[Entry]:
    try:
        data = _yaml().load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"không đọc được {path}: {exc}")
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        fail(f"{path}{where}: YAML không hợp lệ ({getattr(exc, 'problem', exc)})")
    items = data.get("obligations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        fail(f"{path}: không có danh sách obligations")
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
        out.append(Entry(str(item["id"]), item, f"{path.name} dòng {line}"))
    return out


# ---------------------------------------------------------------- merging


def merge_entries(
    entries: list[Entry], config: Path, output: Path | None, dry_run: bool, source: str
) -> None:
    from config.errors import CalendarError
    from config.loader import load_calendar, load_calendar_text

    try:
        calendar = load_calendar(config)
    except CalendarError as exc:
        for issue in exc.errors:
            err.print(f"lỗi {issue}")
        fail(f"lịch {config} đang có lỗi; sửa lịch trước khi gộp")
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
        fail("không có đề xuất nào được gộp" if entries else "không có đề xuất nào sẵn sàng để gộp")
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    target = output or config
    try:
        load_calendar_text(buffer.getvalue(), str(target))
    except CalendarError as exc:
        for issue in exc.errors:
            err.print(f"lỗi {issue}")
        fail(f"lịch sau khi gộp không hợp lệ; chưa ghi gì vào {target}")
    if dry_run:
        err.print(f"Kiểm tra xong (--dry-run): gộp được {', '.join(added)}; chưa ghi tệp.")
        return
    backup = _write(buffer.getvalue(), target, config)
    note = f" (bản cũ: {backup})" if backup else ""
    err.print(f"Đã gộp {len(added)} nghĩa vụ vào {target}{note}: {', '.join(added)}.")


def _fit(entry: Entry, calendar: Calendar) -> CommentedMap | None:
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
        if target.exists():  # the user's calendar, not hanchot's data: keep its mode
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"không ghi được {target}: {exc.strerror}")
    return backup

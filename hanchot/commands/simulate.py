"""`hanchot simulate`: a year of the calendar through the real workflows, before going live.

Prints, per cycle, the expected count and the DHIS2 rates the drawn behaviour gives; per
person, how many reminders, escalations and digests, and the dated list of every message
(kind, channel, obligation, unit); `--format json` gives the same for export, and nothing
else on stdout: the Temporal server's and core's own output goes to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from deadlines.expected import DeadlineStatus, Rates, format_rate

if TYPE_CHECKING:
    from hanchot.simulate import SimResult

MSG = {
    "running": "Đang mô phỏng năm {year} của lịch {id} qua các workflow thật…",
    "nothing": "Không có kỳ báo cáo nào trong năm {year}.",
    "by_obligation": "Theo nghĩa vụ báo cáo",
    "by_person": "Theo người nhận",
    "messages_of": "Tin {name} sẽ nhận ({count})",
    "unreachable": "Không có người nhận (thiếu thủ trưởng, lãnh đạo hoặc địa chỉ liên lạc)",
    "assumptions": "Giả định: {late:.0%} đơn vị nộp muộn, {missing:.0%} không nộp, "
    "hạt giống ngẫu nhiên {seed}. Bản tổng hợp: một bản mỗi ngày cho mỗi lãnh đạo "
    "khi có đơn vị bị đôn đốc đến cấp lãnh đạo.",
    "err_rate": "lỗi: tỉ lệ phải nằm trong khoảng 0-1 và tổng không quá 1",
}
KIND_VI = {
    "reminder": "Nhắc việc",
    "escalation": "Đôn đốc",
    "receipt": "Biên nhận",
    "extension_requested": "Xin gia hạn",
    "extension_decided": "Kết quả gia hạn",
    "excused": "Miễn nộp",
    "digest": "Bản tổng hợp",
}
OUTCOME_VI = {
    "submitted_on_time": "đúng hạn",
    "submitted_late": "muộn",
    "missing": "không nộp",
    "excused": "miễn",
}


class SimFormat(enum.StrEnum):
    table = "table"
    json = "json"


def simulate(
    config: Annotated[Path, typer.Argument(help="Tệp lịch YAML")],
    year: Annotated[int, typer.Option("--year", "-y", help="Năm cần mô phỏng")],
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên")] = 0,
    late_rate: Annotated[float, typer.Option("--late-rate", help="Tỉ lệ nộp muộn")] = 0.2,
    missing_rate: Annotated[float, typer.Option("--missing-rate", help="Tỉ lệ không nộp")] = 0.05,
    fmt: Annotated[
        SimFormat, typer.Option("--format", "-f", help="table hoặc json")
    ] = SimFormat.table,
    person: Annotated[
        list[str] | None, typer.Option("--person", "-p", help="Chỉ liệt kê tin của người này")
    ] = None,
) -> None:
    """Chạy thử cả năm qua workflow thật (máy chủ tua nhanh thời gian): số lần nhắc việc,
    đôn đốc và bản tổng hợp mỗi nghĩa vụ, mỗi người sẽ nhận, và vào lúc nào."""
    from config.errors import CalendarError
    from config.loader import load_calendar
    from deadlines import bounds
    from hanchot.commands.calendar import fail_config
    from hanchot.commands.deadlines import bounded
    from hanchot.simulate import SimOptions
    from hanchot.simulate import simulate as run

    if not (0 <= late_rate <= 1 and 0 <= missing_rate <= 1 and late_rate + missing_rate <= 1):
        Console(stderr=True).print(Text(MSG["err_rate"], style="red"))
        raise typer.Exit(2)
    bounded(bounds.check_year, year)
    try:
        calendar = load_calendar(config)
    except CalendarError as exc:
        raise fail_config(exc) from None
    options = SimOptions(year, seed, late_rate, missing_rate)
    err = Console(stderr=True, highlight=False)
    with err.status(MSG["running"].format(year=year, id=calendar.id)), _stdout_to_stderr():
        result = asyncio.run(run(calendar, options))
    if fmt is SimFormat.json:
        sys.stdout.write(json.dumps(as_json(result), ensure_ascii=False, indent=2) + "\n")
        return
    print_report(result, set(person) if person else None)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """File descriptor 1 points at stderr while the simulation runs: the Temporal core and
    the test server write their own log lines there, which must not mix with the JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _tz(result: SimResult) -> ZoneInfo:
    return ZoneInfo(result.calendar.organisation.timezone)


def _days(instants: list[Any], tz: ZoneInfo) -> str:
    """ "07/06/2025 (25), 11/06/2025 (20)": each local day with how many messages went out."""
    days = Counter(i.astimezone(tz).date() for i in instants)
    return ", ".join(f"{d:%d/%m/%Y} ({n})" for d, n in sorted(days.items()))


def obligation_rows(result: SimResult) -> list[dict[str, Any]]:
    tz = _tz(result)
    rows = []
    for cid, cycle in result.cycles.items():
        sent = [
            s for s in result.sent if f"cycle/{result.calendar.id}/{s.obligation}/{s.period}" == cid
        ]
        reminders = [s.at for s in sent if s.kind == "reminder"]
        escalations = [s.at for s in sent if s.kind == "escalation"]
        outcome = result.outcomes.get(cid, Counter())
        rates = _rates(cycle, outcome)
        rows.append(
            {
                "cycle": cid,
                "obligation": cycle.obligation_name,
                "period": cycle.period_label,
                "legal_end": cycle.timeline.legal_end,
                "expected": rates.expected if rates else None,
                "reporting_rate": rates.reporting_rate if rates else None,
                "on_time_rate": rates.on_time_rate if rates else None,
                "reminders": len(reminders),
                "reminder_days": _days(reminders, tz),
                "escalations": len(escalations),
                "escalation_days": _days(escalations, tz),
                "digest_items": result.digest_items.get(cid, 0),
                "outcomes": dict(outcome),
            }
        )
    return rows


def _rates(cycle: Any, outcome: Counter[str]) -> Rates | None:
    """DHIS2's counts for the cycle; None for a campaign nobody owes a report in."""
    if not cycle.timeline.expects_submission:
        return None
    return Rates.of(DeadlineStatus(k) for k in outcome.elements())


CHANNEL_WORDS = {"email": "email", "telegram": "Telegram", "zalo": "Zalo"}


def _channels(person: Any) -> list[str]:
    """The channels in words; with a preferred order, the order itself (one message,
    the next channel only when the one before cannot reach the person)."""
    if person.channels:
        return [" → ".join(CHANNEL_WORDS[c] for c in person.channels)]
    return [c for c, address in (("email", person.email), ("Telegram", person.telegram)) if address]


def person_messages(result: SimResult, person: str) -> list[dict[str, Any]]:
    """Everything `person` would receive, in order: the local date and time with the year,
    the kind and the channels in words, the obligation, period and unit by name."""
    tz = _tz(result)
    known = result.calendar.people_by_id.get(person)
    channels = _channels(known) if known else []
    names = {cid: (c.obligation_name, c.period_label) for cid, c in result.cycles.items()}
    out = []
    for s in result.sent:
        if s.person != person:
            continue
        obligation, period = names.get(
            f"cycle/{result.calendar.id}/{s.obligation}/{s.period}", (s.obligation, s.period)
        )
        out.append(
            {
                "at": s.at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                "kind": KIND_VI.get(s.kind, s.kind),
                "channels": channels,
                "obligation": obligation,
                "period": period,
                "unit": s.unit_name or s.unit,
            }
        )
    for who, day in sorted(result.digests):
        if who == person:
            out.append(
                {
                    "at": day.strftime("%d/%m/%Y"),
                    "kind": KIND_VI["digest"],
                    "channels": channels,
                    "obligation": "",
                    "period": "",
                    "unit": "",
                }
            )
    return sorted(out, key=lambda m: (m["at"][6:10], m["at"][3:5], m["at"][:2], m["at"][11:]))


def person_rows(result: SimResult) -> list[dict[str, Any]]:
    tz = _tz(result)
    people = result.calendar.people_by_id
    by_person: dict[str, list[Any]] = defaultdict(list)
    for sent in result.sent:
        by_person[sent.person].append(sent)
    digests: dict[str, list[Any]] = defaultdict(list)
    for person, day in result.digests:
        digests[person].append(day)
    rows = []
    for person in sorted(set(by_person) | set(digests)):
        sent = by_person.get(person, [])
        days = sorted({s.at.astimezone(tz).date() for s in sent} | set(digests.get(person, [])))
        rows.append(
            {
                "person": person,
                "name": people[person].name if person in people else person,
                "reminders": sum(s.kind == "reminder" for s in sent),
                "escalations": sum(s.kind == "escalation" for s in sent),
                "digests": len(digests.get(person, [])),
                "other": sum(s.kind not in ("reminder", "escalation") for s in sent),
                "first": days[0].isoformat() if days else None,
                "last": days[-1].isoformat() if days else None,
                "messages": person_messages(result, person),
            }
        )
    return rows


def as_json(result: SimResult) -> dict[str, Any]:
    o = result.options
    return {
        "calendar": result.calendar.id,
        "year": o.year,
        "seed": o.seed,
        "late_rate": o.late_rate,
        "missing_rate": o.missing_rate,
        "obligations": obligation_rows(result),
        "people": person_rows(result),
        "messages": [
            {
                "at": s.at.isoformat(),
                "person": s.person,
                "kind": s.kind,
                "step": s.step,
                "obligation": s.obligation,
                "period": s.period,
                "unit": s.unit,
            }
            for s in result.sent
        ],
        "digests": sorted([p, d.isoformat()] for p, d in result.digests),
        "unreachable": [
            {"unit": u, "step": step, "count": n}
            for (u, step), n in sorted(result.unreachable.items())
        ],
    }


def print_report(result: SimResult, only: set[str] | None = None) -> None:
    out = Console(highlight=False)
    o = result.options
    if not result.cycles:
        out.print(MSG["nothing"].format(year=o.year))
        return
    table = Table(
        "Nghĩa vụ",
        "Kỳ",
        "Hạn cuối",
        "Phải nộp",
        "Tỷ lệ báo cáo / đúng hạn",
        "Nhắc việc",
        "Đôn đốc",
        "Vào bản tổng hợp",
        "Kết quả",
        title=MSG["by_obligation"],
        title_justify="left",
    )
    for row in obligation_rows(result):
        outcomes = ", ".join(
            f"{OUTCOME_VI.get(k, k)}: {v}" for k, v in sorted(row["outcomes"].items())
        )
        legal_end = f"{row['legal_end'][8:10]}/{row['legal_end'][5:7]}/{row['legal_end'][:4]}"
        table.add_row(
            Text(row["obligation"]),
            row["period"],
            legal_end,
            "—" if row["expected"] is None else str(row["expected"]),
            "—"
            if row["expected"] is None
            else f"{format_rate(row['reporting_rate'])} / {format_rate(row['on_time_rate'])}",
            Text(f"{row['reminders']}\n{row['reminder_days']}".strip()),
            Text(f"{row['escalations']}\n{row['escalation_days']}".strip()),
            str(row["digest_items"]),
            Text(outcomes or "—"),
        )
    out.print(table)
    people = Table(
        "Người",
        "Nhắc việc",
        "Đôn đốc",
        "Bản tổng hợp",
        "Khác",
        "Từ ngày",
        "Đến ngày",
        title=MSG["by_person"],
        title_justify="left",
    )
    for row in person_rows(result):
        first = row["first"] and f"{row['first'][8:10]}/{row['first'][5:7]}/{row['first'][:4]}"
        last = row["last"] and f"{row['last'][8:10]}/{row['last'][5:7]}/{row['last'][:4]}"
        people.add_row(
            Text(row["name"]),
            str(row["reminders"]),
            str(row["escalations"]),
            str(row["digests"]),
            str(row["other"]),
            first or "—",
            last or "—",
        )
    out.print(people)
    for row in person_rows(result):
        if only is not None and row["person"] not in only:
            continue
        lines = Table(
            "Lúc",
            "Loại",
            "Kênh",
            "Nghĩa vụ",
            "Kỳ",
            "Đơn vị",
            title=MSG["messages_of"].format(name=row["name"], count=len(row["messages"])),
            title_justify="left",
        )
        for m in row["messages"]:
            lines.add_row(
                m["at"],
                m["kind"],
                ", ".join(m["channels"]) or "—",
                Text(m["obligation"]),
                Text(m["period"]),
                Text(m["unit"]),
            )
        out.print(lines)
    if result.unreachable:
        missing = Table("Đơn vị", "Bước", "Số lần", title=MSG["unreachable"], title_justify="left")
        for (unit, step), n in sorted(result.unreachable.items()):
            missing.add_row(Text(unit), Text(step), str(n))
        out.print(missing)
    out.print(MSG["assumptions"].format(late=o.late_rate, missing=o.missing_rate, seed=o.seed))


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)

"""`hanchot cycles`, `status`, `submit`, `extend`, `excuse`, `reopen`: the coordinator's hand.

`cycles` reads the store; `status` reads the store and asks each running workflow for its
live state; the others send the same workflow updates the bot and the web page send, so
a request id makes a retried command harmless (`--request-id`).
"""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from deadlines import bounds

T = TypeVar("T")
R = TypeVar("R")

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STATUS_VI = {
    "scheduled": "Chưa mở",
    "open": "Đang mở",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn",
    "submitted_on_time": "Đã nộp đúng hạn",
    "submitted_late": "Đã nộp muộn",
    "extended": "Được gia hạn",
    "excused": "Được miễn",
    "missing": "Không nộp",
}
MSG = {
    "no_cycles": "Chưa có kỳ báo cáo nào được mở.",
    "no_unit": "Không có hạn nộp nào của đơn vị {unit}.",
    "unknown_unit": "lỗi: không có đơn vị '{unit}'{where}; xem mã đơn vị bằng `hanchot cycles`"
    " hoặc trong tệp lịch",
    "in_calendar": " trong lịch {calendar}",
    "done": "{action}: {id} → {status}",
    "duplicate": "Yêu cầu {rid} đã được thực hiện trước đó, không làm lại: {id} → {status}",
    "refused": "lỗi: {id}: không thực hiện được — {detail}",
    "not_found": "không có hạn nộp này trong Temporal (sai mã, kỳ chưa mở, hoặc đã kết thúc"
    " và bị xóa sau thời gian lưu); xem `hanchot status ĐƠN_VỊ`",
    "completed": "hạn nộp này đã kết thúc (kỳ báo cáo đã đóng), không nhận thay đổi nữa",
    "need_decision": "lỗi: cần --days và --reason để xin gia hạn, hoặc --approve / --refuse",
}
Request = Annotated[
    str | None, typer.Option("--request-id", help="Mã yêu cầu: gửi lại cùng mã thì không lặp")
]
By = Annotated[str | None, typer.Option("--by", help="Người thực hiện (mặc định: cli:<user>)")]


def _out() -> Console:
    return Console(highlight=False)


def _err(text: str) -> None:
    Console(stderr=True, highlight=False).print(Text(text, style="red"))


def _local(instant: datetime | None) -> str:
    return f"{instant.astimezone(TZ):%d/%m/%Y %H:%M}" if instant else "—"


def _end_of_day(instant: datetime) -> str:
    """A legal end is 24:00 local on its last day: show that day, as a person reads it."""
    from deadlines import present

    return present.due_text(present.last_day(instant, TZ))


def workflow_id(deadline: str) -> str:
    """`deadline/cal/obl/period/unit`, given with or without its `deadline/` prefix."""
    return bounded(bounds.check_deadline_id, deadline)


def bounded(check: Callable[[T], R], value: T) -> R:
    """A value typed on the command line, held to deadlines.bounds: refused in one line."""
    try:
        return check(value)
    except ValueError as exc:
        _err(f"lỗi: {exc}")
        raise typer.Exit(2) from None


def cycles(
    calendar: Annotated[str | None, typer.Option("--calendar", help="Chỉ lịch này")] = None,
) -> None:
    """Các kỳ báo cáo đã mở, với số đơn vị theo từng trạng thái."""
    from hanchot.worker import store_access
    from store import deadlines_repo

    store = store_access()
    with store.read() as session:
        rows = [
            (c, deadlines_repo.cycle_tally(session, c.workflow_id))
            for c in deadlines_repo.list_cycles(session, calendar)
        ]
    if not rows:
        _out().print(MSG["no_cycles"])
        return
    table = Table("Kỳ báo cáo", "Trạng thái", "Hạn cuối", "Số đơn vị", "Tình hình")
    for cycle, tally in rows:
        legal_end = cycle.snapshot.get("cycle", {}).get("timeline", {}).get("legal_end_at")
        due = _end_of_day(datetime.fromisoformat(legal_end)) if legal_end else "—"
        counts = ", ".join(f"{STATUS_VI.get(k, k)}: {v}" for k, v in sorted(tally.items()))
        state = "Đã đóng" if cycle.status.value == "closed" else "Đang mở"
        total = str(len(cycle.snapshot.get("units", [])))
        table.add_row(Text(cycle.workflow_id), state, due, total, Text(counts or "—"))
    _out().print(table)


def status(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị")],
    calendar: Annotated[str | None, typer.Option("--calendar", help="Chỉ lịch này")] = None,
) -> None:
    """Mọi hạn nộp của một đơn vị: trạng thái, hạn, lần nhắc và lịch sử gần nhất."""
    import sqlalchemy as sa

    from deadlines import present
    from deadlines.expected import DeadlineStatus
    from hanchot.worker import store_access
    from store import deadline_facts
    from store.models import Calendar, Unit, UnitDeadline
    from web.formatting import event_label

    bounded(bounds.check_id, unit)
    store = store_access()
    with store.read() as session:
        query = (
            sa.select(UnitDeadline)
            .join(Unit, UnitDeadline.unit_id == Unit.id)
            .join(Calendar, Unit.calendar_id == Calendar.id)
            .where(Unit.key == unit)
            .order_by(UnitDeadline.legal_end_at)
        )
        if calendar is not None:
            query = query.where(Calendar.key == calendar)
        rows = session.scalars(query).all()
        escalated = deadline_facts.escalations_sent(session, [r.workflow_id for r in rows])
        reminded = deadline_facts.reminders_sent(session, rows)
        manual = deadline_facts.manual_reminders(session, [r.workflow_id for r in rows])
        known = rows or session.scalar(
            sa.select(Unit.id)
            .join(Calendar, Unit.calendar_id == Calendar.id)
            .where(Unit.key == unit, *([Calendar.key == calendar] if calendar else []))
            .limit(1)
        )
    if not known:
        where = MSG["in_calendar"].format(calendar=calendar) if calendar else ""
        _err(MSG["unknown_unit"].format(unit=unit, where=where))
        raise typer.Exit(1)
    if not rows:
        _out().print(MSG["no_unit"].format(unit=unit))
        return
    live = asyncio.run(_live_states([r.workflow_id for r in rows]))
    today = datetime.now(TZ).date()
    table = Table(
        "Hạn nộp", "Trạng thái", "Hạn cuối", "Còn / quá hạn", "Đã gửi", "Việc tiếp theo", "Gần nhất"
    )
    for row in rows:
        state = live.get(row.workflow_id)
        status_value = state.status if state else row.status.value
        upcoming = state.pending_steps[0] if state and state.pending_steps else None
        following = present.next_text(upcoming.key, upcoming.at) if upcoming else "—"
        last = state.history[-1] if state and state.history else None
        latest = (
            f"{event_label('audit', last.event)} ({last.by}) {_local(last.at)}" if last else "—"
        )
        shown = present.present(
            status_value,
            row.due_at,
            today,
            # the live count is the workflow's own: a coordinator's by hand are added
            state.reminders_sent + manual.get(row.workflow_id, 0)
            if state
            else reminded[row.workflow_id],
            state.escalations_sent if state else escalated.get(row.workflow_id, 0),
            TZ,
        )
        table.add_row(
            Text(row.workflow_id.removeprefix("deadline/")),
            shown.status,
            shown.due,
            "—" if DeadlineStatus(status_value).is_settled else shown.days,
            shown.sent,
            Text(following),
            Text(latest),
        )
    _out().print(Text(present.DAYS_RULE))
    _out().print(table)


async def _live_states(ids: list[str]) -> dict[str, Any]:
    """Each workflow's live state; empty when Temporal cannot be reached (store only)."""
    from temporalio.client import Client

    from hanchot.metrics import quiet_default_runtime
    from hanchot.settings import Settings
    from workflows.unit_deadline import UnitDeadline

    quiet_default_runtime()
    settings = Settings.from_env()
    try:
        client = await Client.connect(settings.temporal_address, namespace=settings.namespace)
    except RuntimeError:
        return {}
    out = {}
    for wid in ids:
        try:
            out[wid] = await client.get_workflow_handle_for(UnitDeadline.run, wid).query(
                UnitDeadline.state
            )
        except Exception:  # finished and purged by retention: the store has it
            continue
    return out


def _send(action: str, deadline: str, update: str, request: Any) -> None:
    from boundary.client import EngineClient, EngineUnavailable, UpdateRefused
    from boundary.types import UpdateResult
    from hanchot.metrics import quiet_default_runtime
    from hanchot.settings import Settings

    quiet_default_runtime()
    settings = Settings.from_env()
    wid = workflow_id(deadline)

    async def run() -> UpdateResult:
        engine = EngineClient.lazy(settings.temporal_address, settings.namespace)
        return await engine.send(wid, update, request)

    try:
        result = asyncio.run(run())
    except UpdateRefused as exc:
        _err(MSG["refused"].format(id=wid, detail=_refusal(exc)))
        raise typer.Exit(1) from None
    except EngineUnavailable as exc:
        _err(f"lỗi: {exc}")
        raise typer.Exit(1) from None
    key = "duplicate" if result.duplicate else "done"
    shown = STATUS_VI.get(result.status, result.status)
    text = MSG[key].format(action=action, id=wid, status=shown, rid=request.request_id)
    _out().print(Text(text))


def _refusal(exc: Any) -> str:
    """A refusal by the workflow is its own Vietnamese words; a workflow that is gone is
    said here by case (Temporal's own words are English and name gRPC)."""
    if not exc.gone:
        return str(exc.message)
    return MSG["completed"] if "already completed" in exc.detail else MSG["not_found"]


def _actor(by: str | None) -> str:
    return bounded(
        lambda v: bounds.check_text(v, bounds.ACTOR_MAX), by or f"cli:{getpass.getuser()}"
    )


def _text(value: str) -> str:
    return bounded(lambda v: bounds.check_text(v, bounds.TEXT_MAX), value)


def _rid(request_id: str | None) -> str:
    rid = request_id or f"cli-{uuid.uuid4().hex}"
    return bounded(lambda v: bounds.check_text(v, bounds.REQUEST_ID_MAX), rid)


def submit(
    deadline: Annotated[str, typer.Argument(help="lich/nghia-vu/ky/don-vi")],
    document: Annotated[str | None, typer.Option("--document", help="Số văn bản")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Ghi chú")] = None,
    by: By = None,
    request_id: Request = None,
) -> None:
    """Ghi nhận đơn vị đã nộp báo cáo (thay cho đơn vị)."""
    from boundary.types import SubmitRequest

    note, document = (_text(v) if v is not None else None for v in (note, document))
    req = SubmitRequest(_rid(request_id), _actor(by), "cli", document, note)
    _send("Đã ghi nhận nộp báo cáo", deadline, "submit", req)


def extend(
    deadline: Annotated[str, typer.Argument(help="lich/nghia-vu/ky/don-vi")],
    days: Annotated[int | None, typer.Option("--days", help="Số ngày xin gia hạn")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Lý do")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Đồng ý gia hạn")] = False,
    refuse: Annotated[bool, typer.Option("--refuse", help="Không đồng ý")] = False,
    until: Annotated[
        str | None, typer.Option("--until", help="Hạn mới dd/mm/yyyy (mặc định: theo số ngày xin)")
    ] = None,
    by: By = None,
    request_id: Request = None,
) -> None:
    """Xin gia hạn (--days, --reason) hoặc quyết định gia hạn (--approve / --refuse)."""
    from boundary.types import ExtensionDecision, ExtensionRequestInput

    if approve or refuse:
        new_last_day = None
        if until is not None:
            new_last_day = bounded(bounds.parse_day, until).isoformat()
        decision = ExtensionDecision(
            _rid(request_id), _actor(by), approve and not refuse, new_last_day=new_last_day
        )
        label = "Đã đồng ý gia hạn" if decision.approve else "Đã từ chối gia hạn"
        _send(label, deadline, "decide_extension", decision)
        return
    if days is None or not reason:
        _err(MSG["need_decision"])
        raise typer.Exit(2)
    bounded(lambda d: bounds.check_count(d, 1, bounds.EXTENSION_MAX_DAYS, "--days"), days)
    req = ExtensionRequestInput(_rid(request_id), _actor(by), days, _text(reason))
    _send("Đã gửi đề nghị gia hạn", deadline, "request_extension", req)


def excuse(
    deadline: Annotated[str, typer.Argument(help="lich/nghia-vu/ky/don-vi")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do miễn nộp")],
    by: By = None,
    request_id: Request = None,
) -> None:
    """Miễn nộp báo cáo cho đơn vị trong kỳ này."""
    from boundary.types import ActorRequest

    _send(
        "Đã miễn nộp", deadline, "excuse", ActorRequest(_rid(request_id), _actor(by), _text(reason))
    )


def reopen(
    deadline: Annotated[str, typer.Argument(help="lich/nghia-vu/ky/don-vi")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do mở lại")],
    by: By = None,
    request_id: Request = None,
) -> None:
    """Mở lại hạn nộp đã nộp hoặc đã miễn (ví dụ: báo cáo gửi sai mẫu)."""
    from boundary.types import ActorRequest

    _send(
        "Đã mở lại", deadline, "reopen", ActorRequest(_rid(request_id), _actor(by), _text(reason))
    )


def register(app: typer.Typer) -> None:
    app.command("cycles")(cycles)
    app.command("status")(status)
    app.command("submit")(submit)
    app.command("extend")(extend)
    app.command("excuse")(excuse)
    app.command("reopen")(reopen)

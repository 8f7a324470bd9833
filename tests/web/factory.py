"""A province with two districts and their communes, and a store filled the way the engine
fills it (through `store.deadlines_repo.apply_event` and `store.outbox.enqueue`), so web
tests read real rows without running workflows.

One commune is named `<script>alert(1)</script>`: every page that shows units shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from deadlines.model import (
    Calendar,
    DayMonth,
    DueRule,
    Obligation,
    Organisation,
    PeriodKind,
    Person,
    Submitters,
    Unit,
)
from store import deadlines_repo, outbox
from store.calendars import save_calendar
from store.enums import InboundChannel, InboundOutcome
from store.evidence import EvidenceStore
from store.models import InboundMessage
from store.models import Person as PersonRow

CAL = "tinh-thu"
XSS = "<script>alert(1)</script>"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _semi(day: int, month: int) -> tuple[DueRule, ...]:
    return (DueRule(f"before {day:02d}/{month:02d}", False, "H1", DayMonth(day, month)),)


def calendar() -> Calendar:
    communes = {"huyen-a": ["xa-a1", "xa-a2", "xa-a3"], "huyen-b": ["xa-b1", "xa-b2", "xa-xss"]}
    people = [Person("coord", "Nguyễn Thị Điều Phối", "coord@thu.example")]
    units = [
        Unit("tinh", "UBND tỉnh Thử", "province"),
        Unit("so-noi-vu", "Sở Nội vụ", "office", "tinh", focal_points=("coord",)),
    ]
    for district, kids in communes.items():
        people.append(Person(f"fp-{district}", f"Đầu mối {district}", f"{district}@thu.example"))
        units.append(
            Unit(
                district,
                f"UBND huyện {district[-1].upper()}",
                "district",
                "tinh",
                focal_points=(f"fp-{district}",),
            )
        )
        for kid in kids:
            people.append(Person(f"fp-{kid}", f"Đầu mối {kid}", f"{kid}@thu.example"))
            name = XSS if kid == "xa-xss" else f"UBND xã {kid[3:].upper()}"
            units.append(Unit(kid, name, "commune", district, focal_points=(f"fp-{kid}",)))
    return Calendar(
        id=CAL,
        # as long as real calendar names are: a select box must not widen a phone's page
        name=(
            "Lịch báo cáo công tác bình đẳng giới và vì sự tiến bộ của phụ nữ tỉnh Thử"
            " (chính quyền hai cấp)"
        ),
        organisation=Organisation("ubnd-thu", "UBND tỉnh Thử"),
        people=tuple(people),
        units=tuple(units),
        supervisors=(),
        obligations=(
            Obligation(
                "bc-xa",
                "Báo cáo 6 tháng cấp xã",
                PeriodKind.SEMIANNUAL,
                _semi(10, 6),
                Submitters(kinds=("commune",)),
                "so-noi-vu",
                feeds="bc-huyen",
            ),
            Obligation(
                "bc-huyen",
                "Báo cáo 6 tháng cấp huyện",
                PeriodKind.SEMIANNUAL,
                _semi(15, 6),
                Submitters(kinds=("district",)),
                "so-noi-vu",
            ),
            Obligation(
                "bc-nam",
                "Báo cáo năm",
                PeriodKind.ANNUAL,
                (DueRule("before 15/12", False, "", DayMonth(15, 12)),),
                Submitters(kinds=("district", "commune")),
                "so-noi-vu",
            ),
        ),
    )


def legal_end(period: str) -> datetime:
    """24:00 local (17:00 UTC) on the legal end of each test period."""
    year = int(period[:4])
    if period.endswith("H1"):
        return datetime(year, 6, 9, 17, tzinfo=UTC)
    return datetime(year, 12, 14, 17, tzinfo=UTC)


LABELS = {"H1": "6 tháng đầu năm", "": "Năm"}


@dataclass
class Filled:
    """What `fill` made, by key, for assertions."""

    deadlines: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(obligation, period, unit) -> workflow id."""
    evidence_file: Path | None = None


class Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seq: dict[str, int] = {}
        self.filled = Filled()

    def cycle(self, obligation: str, period: str, *, expects_submission: bool = True) -> str:
        wid = f"cycle/{CAL}/{obligation}/{period}"
        slot = period[5:] if "-" in period else ""
        label = f"{LABELS.get(slot, slot)} {period[:4]}"
        timeline: dict[str, object] = {"legal_end_at": legal_end(period).isoformat()}
        if not expects_submission:  # a campaign with no result report
            timeline["expects_submission"] = False
        snapshot = {
            "cycle": {
                "period_label": label,
                "due_text": "before 10/06" if slot else "before 15/12",
                "timeline": timeline,
            },
            "units": [],
        }
        deadlines_repo.freeze_cycle(
            self.session,
            CAL,
            obligation,
            period,
            wid,
            snapshot,
            legal_end(period) - timedelta(days=40),
        )
        return wid

    def event(
        self,
        obligation: str,
        period: str,
        unit: str,
        event: str,
        status: str,
        by: str = "system",
        at: datetime | None = None,
        **extra: object,
    ) -> str:
        wid = f"deadline/{CAL}/{obligation}/{period}/{unit}"
        self.seq[wid] = self.seq.get(wid, 0) + 1
        end = legal_end(period)
        due = extra.pop("due_at", end)
        row = deadlines_repo.DeadlineRow(
            workflow_id=wid,
            cycle_workflow_id=f"cycle/{CAL}/{obligation}/{period}",
            calendar_key=CAL,
            unit_key=unit,
            seq=self.seq[wid],
            status=status,
            legal_end_at=end,
            due_at=due,
            reminders_sent=extra.pop("reminders", 0),  # type: ignore[arg-type]
            event=event,
            at=at or end - timedelta(days=30 - self.seq[wid]),
            by=by,
            details=extra.pop("details", {}),  # type: ignore[arg-type]
        )
        deadlines_repo.apply_event(self.session, row, **extra)  # type: ignore[arg-type]
        self.filled.deadlines[(obligation, period, unit)] = wid
        return wid

    def deadline(self, obligation: str, period: str, unit: str, status: str) -> str:
        wid = self.event(obligation, period, unit, "opened", "open")
        end = legal_end(period)
        if status in ("submitted_on_time", "submitted_late"):
            at = (
                end - timedelta(days=2)
                if status == "submitted_on_time"
                else end + timedelta(days=3)
            )
            self.event(
                obligation,
                period,
                unit,
                "submitted",
                status,
                f"fp-{unit}",
                at,
                submission={"at": at, "channel": "email", "document_number": f"12/BC-{unit}"},
            )
        elif status == "excused":
            self.event(
                obligation,
                period,
                unit,
                "excused",
                "excused",
                "coord",
                details={"reason": "Đơn vị sáp nhập"},
            )
        elif status != "open":
            self.event(
                obligation, period, unit, "status", status, details={"from": "open", "to": status}
            )
        return wid


def fill(session: Session, data_dir: Path) -> Filled:
    save_calendar(session, calendar(), "tinh-thu.yaml")
    b = Builder(session)
    h1 = {
        "xa-a1": "submitted_on_time",
        "xa-a2": "overdue",
        "xa-a3": "submitted_late",
        "xa-b1": "submitted_on_time",
        "xa-b2": "excused",
        "xa-xss": "overdue",
    }
    for period, statuses in (
        ("2024-H1", {u: "submitted_on_time" for u in h1} | {"xa-a2": "missing"}),
        ("2025-H1", h1),
    ):
        b.cycle("bc-xa", period)
        for unit, status in statuses.items():
            b.deadline("bc-xa", period, unit, status)
        b.cycle("bc-huyen", period)
        b.deadline(
            "bc-huyen", period, "huyen-a", "submitted_on_time" if period < "2025" else "open"
        )
        b.deadline("bc-huyen", period, "huyen-b", "submitted_on_time")
    b.cycle("bc-nam", "2025")
    for unit in ("huyen-a", "huyen-b", *h1):
        b.deadline("bc-nam", "2025", unit, "open")
    # xa-xss asks for a week more; a reminder went to every unit still owing bc-xa 2025-H1.
    b.event(
        "bc-xa",
        "2025-H1",
        "xa-xss",
        "extension_requested",
        "overdue",
        "fp-xa-xss",
        details={"days": 7, "reason": "Chờ số liệu từ trạm y tế"},
        extension={"days": 7, "reason": "Chờ số liệu từ trạm y tế", "at": legal_end("2025-H1")},
    )
    for unit in ("xa-a2", "xa-xss"):
        wid = b.filled.deadlines[("bc-xa", "2025-H1", unit)]
        b.event(
            "bc-xa",
            "2025-H1",
            unit,
            "reminded",
            "overdue",
            details={"step": "remind:-1d", "to": "focal_point"},
        )
        outbox.enqueue(
            session,
            workflow_id=wid,
            calendar_key=CAL,
            step="remind:-1d",
            recipients=[f"fp-{unit}"],
            payload={"kind": "reminder", "unit_name": XSS if unit == "xa-xss" else unit},
        )
    # xa-a1's report came with a file.
    stored = EvidenceStore(data_dir).put(PDF, "bao-cao-6-thang.pdf", "application/pdf")
    b.filled.evidence_file = data_dir / stored.storage_path
    at = legal_end("2024-H1") - timedelta(days=1)
    b.event(
        "bc-huyen", "2024-H1", "huyen-b", "reopened", "open", "coord", details={"reason": "sai mẫu"}
    )
    b.event(
        "bc-huyen",
        "2024-H1",
        "huyen-b",
        "submitted",
        "submitted_on_time",
        "fp-huyen-b",
        at,
        submission={"at": at, "channel": "web", "document_number": "7/BC-UBND"},
        evidence=[stored.__dict__ if hasattr(stored, "__dict__") else _fields(stored)],
    )
    fp = session.query(PersonRow).filter_by(key="fp-xa-a1").one()
    session.add_all(
        [
            InboundMessage(
                channel=InboundChannel.EMAIL,
                sender="la@khac.example",
                raw_ref="<m1@x>",
                outcome=InboundOutcome.QUARANTINED,
                reason="không khớp hạn nộp nào",
                received_at=legal_end("2025-H1"),
            ),
            InboundMessage(
                channel=InboundChannel.EMAIL,
                sender="xa-a1@thu.example",
                person_id=fp.id,
                raw_ref="<m2@x>",
                outcome=InboundOutcome.QUARANTINED,
                reason="không có mã hạn nộp trong tiêu đề",
                received_at=legal_end("2025-H1"),
            ),
        ]
    )
    session.flush()
    return b.filled


def _fields(stored: object) -> dict[str, object]:
    return {
        k: getattr(stored, k)
        for k in ("file_name", "sha256", "size", "content_type", "storage_path")
    }

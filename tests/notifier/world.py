"""A store with the workflow tests' calendar loaded and deadlines opened as the engine
would open them, plus helpers to queue notifications the way the workflow does."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from temporalio.converter import AdvancedJSONEncoder

from activities.store_access import StoreAccess
from boundary.types import UnitDeadlineInput
from notifier.settings import NotifierSettings, Secret, SmtpSettings, TelegramSettings
from store import channels, db, deadlines_repo, migrate, outbox
from store.calendars import save_calendar
from store.enums import Channel
from store.models import OutboxMessage, Person, UnitDeadline
from tests.workflows.support import frozen_h1, make_calendar, sqlite_store
from workflows import deadline_state as ds

CALENDAR = "test-cal"
YEAR = 2031


@dataclass
class World:
    tmp: Path
    store: StoreAccess
    settings: NotifierSettings
    inputs: dict[str, UnitDeadlineInput] = field(default_factory=dict)

    def person(self, key: str) -> Person:
        with self.store.read() as session:
            people = deadlines_repo.person_ids(session, CALENDAR, [key])
            person = people[key]
            _ = person.calendar  # loaded for use outside the session
            return person

    def edit_person(self, key: str, **values: Any) -> None:
        """Change a person's row as a reloaded calendar would."""
        with self.store.write() as session:
            person = deadlines_repo.person_ids(session, CALENDAR, [key])[key]
            for name, value in values.items():
                setattr(person, name, value)

    def link_telegram(self, key: str, chat_id: str) -> None:
        from store.base import utcnow

        with self.store.write() as session:
            person = deadlines_repo.person_ids(session, CALENDAR, [key])[key]
            channels.bind_telegram(session, person.id, chat_id, key, utcnow())

    def link_zalo(self, key: str, user_id: str) -> None:
        from store.base import utcnow

        with self.store.write() as session:
            person = deadlines_repo.person_ids(session, CALENDAR, [key])[key]
            channels.bind(session, person.id, Channel.ZALO, user_id, None, utcnow())

    def freeze(self, unit: str = "unit-a") -> UnitDeadlineInput:
        """The H1 cycle frozen in the store as the engine freezes it; the unit's input."""
        frozen = frozen_h1(make_calendar(YEAR), YEAR)
        inp = next(u for u in frozen.units if u.unit_id == unit)
        snapshot = json.loads(
            json.dumps({"cycle": asdict(frozen.snapshot)}, cls=AdvancedJSONEncoder)
        )
        with self.store.write() as session:
            deadlines_repo.freeze_cycle(
                session,
                CALENDAR,
                inp.cycle.obligation_id,
                inp.cycle.period_id,
                inp.cycle.cycle_id,
                snapshot,
                inp.cycle.timeline.legal_end_at,
            )
        self.inputs[unit] = inp
        return inp

    def open(self, unit: str = "unit-a") -> UnitDeadlineInput:
        """The unit's H1 deadline as the engine records it when its workflow starts."""
        inp = self.freeze(unit)
        wid = inp.cycle.deadline_id(unit)
        timeline = inp.cycle.timeline
        with self.store.write() as session:
            deadlines_repo.apply_event(
                session,
                deadlines_repo.DeadlineRow(
                    workflow_id=wid,
                    cycle_workflow_id=inp.cycle.cycle_id,
                    calendar_key=CALENDAR,
                    unit_key=unit,
                    seq=1,
                    status="open",
                    legal_end_at=timeline.legal_end_at,
                    due_at=timeline.legal_end_at,
                    reminders_sent=0,
                    event="opened",
                    at=inp.cycle.opens_at,
                    by="system",
                    details={},
                ),
            )
        self.inputs[unit] = inp
        return inp

    def deadline_id(self, unit: str = "unit-a") -> int:
        wid = self.inputs[unit].cycle.deadline_id(unit)
        with self.store.read() as session:
            return session.query(UnitDeadline.id).filter_by(workflow_id=wid).scalar()

    def queue(
        self,
        kind: str = "reminder",
        unit: str = "unit-a",
        step: str = "remind:-3d",
        recipients: list[str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> tuple[str, str]:
        """Queue what the workflow queues for `step`; returns (workflow id, step)."""
        inp = self.inputs.get(unit) or self.open(unit)
        payload = ds.notification_payload(
            inp, inp.cycle.timeline, kind, step, details or {"to": "focal_point", "step": step}
        )
        wid = inp.cycle.deadline_id(unit)
        with self.store.write() as session:
            outbox.enqueue(
                session,
                workflow_id=wid,
                calendar_key=CALENDAR,
                step=step,
                recipients=recipients or list(inp.contacts.focal_points),
                payload=payload,
            )
        return wid, step

    def rows(self, **where: Any) -> list[OutboxMessage]:
        with self.store.read() as session:
            query = session.query(OutboxMessage)
            for key, value in where.items():
                query = query.filter(getattr(OutboxMessage, key) == value)
            rows = query.order_by(OutboxMessage.id).all()
            for row in rows:
                _ = row.recipient.key
            return rows

    def row(self, wid: str, step: str, channel: Channel) -> OutboxMessage:
        return next(r for r in self.rows(workflow_id=wid, step=step) if r.channel is channel)


def make_world(tmp: Path, url: str | None = None, **settings: Any) -> World:
    """A world on SQLite in `tmp`, or on the (empty) database at `url`."""
    if url is None:
        store = sqlite_store(tmp)
    else:
        migrate.upgrade(url)
        store = StoreAccess(db.create_engine(url))
    calendar = make_calendar(YEAR)
    with store.write() as session:
        save_calendar(session, calendar, str(tmp / "test-cal.yaml"))
    base = NotifierSettings(
        secret=Secret("test-secret-" + uuid.uuid4().hex),
        data_dir=tmp,
        public_url="https://hanchot.example",
        smtp=SmtpSettings(sender="Hạn chót <hanchot@tinh-thu.example>", timeout=1.0),
        telegram=TelegramSettings(timeout=1.0),
    )
    return World(tmp, store, replace(base, **settings))

"""Many people on Telegram, each on a chat of their own, and rounds of reminders to them:
the world of the tests and benchmarks that send to many chats through several relays."""

from __future__ import annotations

import sqlalchemy as sa

from store import outbox
from store.models import Calendar, Person
from tests.notifier.world import CALENDAR, World
from workflows import deadline_state as ds


def add_chats(world: World, count: int, prefix: str = "chat") -> list[str]:
    """`count` people of the test calendar on Telegram only, each linked to a chat of
    their own; their keys."""
    keys = [f"{prefix}-{i}" for i in range(count)]
    with world.store.write() as session:
        calendar = session.scalar(sa.select(Calendar.id).where(Calendar.key == CALENDAR))
        for key in keys:
            person = Person(calendar_id=calendar, key=key, name=key, telegram=f"@{key}")
            person.language = "vi"
            session.add(person)
    for n, key in enumerate(keys):
        world.link_telegram(key, str(300_000 + n))
    return keys


def queue_rounds(world: World, rounds: int, people: list[str], prefix: str) -> int:
    """`rounds` steps, each to every one of `people`, reminders and escalations in turn
    (a chat's rows do not merge); the rows made."""
    inp = world.open("unit-a")
    made = 0
    with world.store.write() as session:
        for i in range(rounds):
            step = f"remind:{prefix}-{i:05d}"
            kind = ("reminder", "escalation")[i % 2]
            payload = ds.notification_payload(
                inp, inp.cycle.timeline, kind, step, {"to": "focal_point", "step": step}
            )
            made += outbox.enqueue(
                session,
                workflow_id=inp.cycle.deadline_id("unit-a"),
                calendar_key=CALENDAR,
                step=step,
                recipients=people,
                payload=payload,
            ).queued
    return made

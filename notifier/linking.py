"""Issuing a Telegram link for a person: a one-time code, emailed as a `t.me` deep link;
with Zalo configured the same email says how to send the code to the OA.

The email is an outbox row like any other (`person/<calendar>/<person>`,
`telegram-link:<code id>`): sent at once when an SMTP relay is configured, else by the
notifier's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.delivery import Deliverer, Store
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.render import DEFAULT_TZ, instant
from notifier.settings import NotifierSettings
from notifier.telegram.transport import make_bot
from store import links, outbox
from store.enums import Channel
from store.models import OutboxMessage, Person


class LinkError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class IssuedLink:
    name: str
    email: str
    url: str
    expires_text: str
    sent: bool
    why: str = ""


def _person(session: Session, ref: str) -> Person:
    people = links.find_person(session, ref)
    if not people:
        raise LinkError("no_person", ref=ref)
    if len(people) > 1:
        names = ", ".join(sorted(p.calendar.key for p in people))
        raise LinkError("ambiguous", ref=ref, calendars=names)
    if not people[0].email:
        raise LinkError("no_email", name=people[0].name)
    return people[0]


async def bot_username(settings: NotifierSettings) -> str:
    if settings.telegram.bot_username:
        return settings.telegram.bot_username
    if not settings.telegram.enabled:
        raise LinkError("no_bot")
    bot = make_bot(settings.telegram)
    async with bot:
        return str(bot.username)


async def issue_link(
    store: Store, settings: NotifierSettings, ref: str, by: str, ttl: timedelta
) -> IssuedLink:
    with store.read() as session:
        _person(session, ref)  # say what is wrong with the person before anything else
    zalo_url = settings.zalo.follow_url if settings.zalo.enabled else ""
    username = "" if zalo_url and not settings.telegram.enabled else await bot_username(settings)
    with store.write() as session:
        person = _person(session, ref)
        issued = links.issue(session, person, by, ttl)
        url = f"https://t.me/{username}?start={issued.code}" if username else ""
        tz = person.calendar.timezone or DEFAULT_TZ
        expires_text = instant(issued.expires_at, tz, "vi")
        workflow_id = f"person/{person.calendar.key}/{person.key}"
        step = f"telegram-link:{issued.id}"
        outbox.enqueue(
            session,
            workflow_id=workflow_id,
            calendar_key=person.calendar.key,
            step=step,
            recipients=[person.key],
            payload={
                "kind": "link",
                "link_url": url,
                "zalo_url": zalo_url,
                "bot_username": username,
                "code": issued.code,
                "expires_text": expires_text,
                "expires_at": issued.expires_at.isoformat(),
            },
        )
        # The link is for the email channel only: a chat is what it is about to create.
        session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.workflow_id == workflow_id,
                OutboxMessage.step == step,
                OutboxMessage.channel != Channel.EMAIL,
            )
        )
        name, email, person_key = person.name, person.email, person.key
        url = url or zalo_url
    if settings.smtp.embedded:
        why = "SMTP cục bộ chỉ chạy trong hanchot notify"
        return IssuedLink(name, email, url, expires_text, False, why)
    registry = Registry([EmailChannel(settings.smtp)])
    try:
        deliverer = Deliverer(store, registry, settings)
        outcomes = await deliverer.deliver_step(workflow_id, step, Channel.EMAIL.value, person_key)
    finally:
        await registry.aclose()
    sent = any(o.status in ("sent", "already") for o in outcomes)
    why = "; ".join(o.error or o.status for o in outcomes if o.status not in ("sent", "already"))
    return IssuedLink(name, email, url, expires_text, sent, why)

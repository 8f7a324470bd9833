"""`hanchot link`: a one-time code for one person, emailed as a `t.me` deep link and,
with Zalo configured, with how to send it to the OA.

The code and its outbox row are `store.link_mail.queue_code`, as the dashboard's linking
page writes them; here the bot's name is found (asked of the Bot API when not given) and
the email is sent at once when an SMTP relay is configured, else by the notifier's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from notifier.delivery import Deliverer, Store
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.settings import NotifierSettings
from notifier.telegram.transport import make_bot
from store import link_mail, links
from store.enums import Channel
from store.models import Person


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
    ways = link_mail.Ways(bot_username=username, zalo_url=zalo_url)
    with store.write() as session:
        person = _person(session, ref)
        queued = link_mail.queue_code(session, person, ways, by=by, ttl=ttl)
        name, email, person_key = person.name, str(person.email), person.key
    url, expires_text = queued.url, queued.expires_text
    if settings.smtp.embedded:
        why = "SMTP cục bộ chỉ chạy trong hanchot notify"
        return IssuedLink(name, email, url, expires_text, False, why)
    registry = Registry([EmailChannel(settings.smtp)])
    try:
        deliverer = Deliverer(store, registry, settings)
        outcomes = await deliverer.deliver_step(
            queued.workflow_id, queued.step, Channel.EMAIL.value, person_key
        )
    finally:
        await registry.aclose()
    sent = any(o.status in ("sent", "already") for o in outcomes)
    why = "; ".join(o.error or o.status for o in outcomes if o.status not in ("sent", "already"))
    return IssuedLink(name, email, url, expires_text, sent, why)

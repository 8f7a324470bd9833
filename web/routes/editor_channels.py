"""Whether a person's preferred channel order (`people[].channels`) reaches them now.

The loader judges an order by the calendar alone (a known channel, named once, email only
with an address). Whether Zalo or Telegram reaches a person depends on what they have
linked, which only the store knows: an order naming a channel not linked yet is allowed
(the person may link it later; meanwhile messages go on the next listed channel that
reaches them, `store.channel_order`), and the editor says so on the draft page for each
person whose order the draft changes, louder when no listed channel reaches them (they
would get nothing). The person form shows where they stand on each channel.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import channels
from store.enums import Channel
from store.models import Calendar, Person
from web.formatting import CHANNEL_VI
from web.routes.editor_forms import Document, entries
from web.routes.editor_words import FIELD, channels_typed, channels_vi


def _stored(session: Session, calendar: str, keys: list[str]) -> dict[str, Person]:
    if not keys:
        return {}
    return {
        p.key: p
        for p in session.scalars(
            sa.select(Person)
            .join(Calendar, Calendar.id == Person.calendar_id)
            .where(Calendar.key == calendar, Person.key.in_(keys), Person.removed_at.is_(None))
        )
    }


def _why_not(session: Session, entry: dict[str, Any], person: Person | None, name: str) -> str:
    """Why channel `name` does not reach the person now ("" when it does)."""
    if name == "email":
        return "" if entry.get("email") else "không có địa chỉ"
    route = channels.route(session, person, Channel(name)) if person is not None else None
    if route is None or route.address is None:
        return "chưa liên kết"
    return "" if route.usable else f"đã tắt ({route.disabled_reason})"


def reach_warnings(session: Session, calendar: str, base: Document, draft: Document) -> list[str]:
    """For each person whose order the draft sets or changes: the listed channels that do
    not reach them now, and which one messages take meanwhile (or that none does)."""
    before = {str(p.get("id")): channels_typed(p.get("channels")) for p in entries(base, "people")}
    changed = [
        p
        for p in entries(draft, "people")
        if channels_typed(p.get("channels"))
        and channels_typed(p.get("channels")) != before.get(str(p.get("id")))
    ]
    stored = _stored(session, calendar, [str(p.get("id")) for p in changed])
    out = []
    for entry in changed:
        pid = str(entry.get("id"))
        order = channels_typed(entry.get("channels")).split(", ")
        why = {n: _why_not(session, entry, stored.get(pid), n) for n in order}
        missing = [f"{CHANNEL_VI[n]} {w}" for n, w in why.items() if w]
        if not missing:
            continue
        who = f"{entry.get('name') or pid} ({pid}) › {FIELD['channels']}"
        reached = next((n for n in order if not why[n]), None)
        if reached is None:
            out.append(
                f"{who}: không kênh nào trong “{channels_vi(order)}” tới được người này lúc "
                f"này ({'; '.join(missing)}): sẽ không nhận được nhắc việc cho tới khi liên kết."
            )
        else:
            out.append(
                f"{who}: {'; '.join(missing)}; cho tới khi liên kết, nhắc việc đi qua "
                f"{CHANNEL_VI[reached]}."
            )
    return out


def standing(session: Session, calendar: str, entry: dict[str, Any]) -> str:
    """Where the person stands on each channel now, for the person form."""
    pid = str(entry.get("id") or "")
    person = _stored(session, calendar, [pid]).get(pid) if pid else None
    parts = []
    for name in ("email", "zalo", "telegram"):
        why = _why_not(session, entry, person, name)
        parts.append(
            f"{CHANNEL_VI[name]} {why or ('có địa chỉ' if name == 'email' else 'đã liên kết')}"
        )
    return "Hiện tại: " + "; ".join(parts) + "."

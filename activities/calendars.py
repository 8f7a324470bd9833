"""Where the engine reads calendars from: the published revisions in the store, never a file.

A cycle is frozen from the calendar's latest revision when the cycle opens; a revision
published later reaches the cycles already open through the workflows' own updates
(activities.revisions). Each revision is rebuilt from its stored document through the
same checks as a YAML file, once per process (revisions never change). A calendar stored
before revisions existed (no revision yet) is read from its rows until it is published.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from activities.store_access import StoreAccess
from config.document import calendar_of
from deadlines.model import Calendar
from store import revisions
from store.calendar_model import calendar_keys, calendar_model
from store.models import CalendarRevision

_CACHE: dict[tuple[str, int, str], Calendar] = {}
"""By (calendar, number, content hash): the same number in another database (a restored
backup, a test) is another revision."""
_LOCK = threading.Lock()


def revision_calendar(key: str, revision: CalendarRevision) -> Calendar:
    """The calendar a stored revision describes (validated once per process)."""
    with _LOCK:
        found = _CACHE.get((key, revision.number, revision.content_hash))
    if found is None:
        found = calendar_of(revision.document, f"{key}@{revision.number}")
        with _LOCK:
            if len(_CACHE) > 64:
                _CACHE.clear()
            _CACHE[(key, revision.number, revision.content_hash)] = found
    return found


def published(session: Session, key: str, number: int | None = None) -> Calendar:
    """Revision `number` (default the latest) of calendar `key`."""
    revision = revisions.get(session, key, number)
    if revision is None:
        if number is None:
            return calendar_model(session, key)  # stored before revisions: its rows
        raise LookupError(f"calendar {key!r} has no revision {number}")
    return revision_calendar(key, revision)


class PublishedCalendars:
    def __init__(self, store: StoreAccess) -> None:
        self._store = store

    def load_all(self, only: list[str] | None = None) -> list[Calendar]:
        with self._store.read() as session:
            keys = [k for k, _ in calendar_keys(session) if not only or k in only]
            return [published(session, key) for key in keys]

    def load(self, calendar_id: str) -> Calendar:
        found = self.load_all([calendar_id])
        if not found:
            raise LookupError(f"no calendar {calendar_id!r} in the store")
        return found[0]

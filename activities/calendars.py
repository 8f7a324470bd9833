"""Where activities read calendars from: the YAML files, read afresh on every call.

A cycle is frozen from the calendar as it is when the cycle opens, so a file edited
today shapes the cycles that open from today on and never one already open. Without
explicit paths, the files are those the store remembers loading (`calendars.source_path`).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from activities.store_access import StoreAccess
from config.loader import load_calendar
from deadlines.model import Calendar
from store.models import Calendar as CalendarRow


class CalendarFiles:
    def __init__(self, store: StoreAccess, paths: list[Path] | None = None) -> None:
        self._store = store
        self._paths = paths

    def paths(self) -> list[Path]:
        if self._paths is not None:
            return list(self._paths)
        with self._store.read() as session:
            return [Path(p) for p in session.scalars(sa.select(CalendarRow.source_path))]

    def load_all(self, only: list[str] | None = None) -> list[tuple[Calendar, Path]]:
        out = []
        for path in self.paths():
            calendar = load_calendar(path)
            if not only or calendar.id in only:
                out.append((calendar, path))
        return out

    def load(self, calendar_id: str) -> tuple[Calendar, Path]:
        found = self.load_all([calendar_id])
        if not found:
            raise LookupError(f"no calendar file defines calendar {calendar_id!r}")
        return found[0]

"""Pieces several pages share: which calendar and year are shown, and the export switch
(`?format=csv|xlsx` on any table page returns that table as a file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Response
from sqlalchemy.orm import Session

from store.dashboard import cycle_years
from store.models import Calendar
from store.scopes import Scope, visible_calendars
from web.deps import NotFound
from web.formatting import TZ
from web.tables import FORMATS, Table, export_response


@dataclass
class Selection:
    calendars: list[Calendar]
    calendar: Calendar | None
    years: list[int]
    year: int | None


def select(session: Session, scope: Scope, calendar_key: str | None, year: int | None) -> Selection:
    """The calendar asked for (one the user may see), and the year: the one asked for,
    else this year if it has cycles, else the latest that has."""
    calendars = visible_calendars(session, scope)
    calendar = next((c for c in calendars if c.key == calendar_key), None)
    if calendar is None and calendar_key:
        raise NotFound
    calendar = calendar or (calendars[0] if calendars else None)
    years = cycle_years(session, calendar.id) if calendar is not None else []
    if year is None or year not in years:
        this = datetime.now(TZ).year
        year = this if this in years else (years[0] if years else None)
    return Selection(calendars, calendar, years, year)


def export_or(fmt: str | None, build: Callable[[], Table]) -> Response | None:
    """The table as a file when `fmt` asks for one, else None (render the page)."""
    if fmt in FORMATS:
        return export_response(build(), fmt)
    return None

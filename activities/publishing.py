"""Publishing a calendar: validate its document, store the next revision, say what changed.

The one path by which a calendar enters the store, whoever publishes it: `hanchot load`
(a YAML file), `hanchot dev` / `hanchot worker` given files, the dashboard's editor (a
document) and tests. Validation happens before anything is written, so a publish that
fails validation changes nothing; a publish based on a stale revision is refused by
store.revisions. The running engine picks the new revision up by itself (hanchot.worker
watches for unapplied revisions) and applies it through activities.revisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from activities.calendars import published, revision_calendar
from config.document import calendar_of, exported_from, read_yaml
from config.errors import CalendarError, ConfigIssue
from config.loader import read_calendar_text
from deadlines.model import Calendar
from store import revisions
from store.calendar_model import CalendarNotStored
from store.revisions import Published


@dataclass(frozen=True, slots=True)
class Loaded:
    calendar: Calendar
    document: dict[str, Any]
    path: Path
    base: int | None
    """The revision the file was exported from (its `# hanchot-revision:` marker), if any."""


def read_file(path: Path) -> tuple[Calendar, dict[str, Any]]:
    """Read and validate a YAML calendar file (raises CalendarError, as `hanchot check`)."""
    return read_yaml(read_calendar_text(path), str(path))


def read_files(paths: Sequence[Path]) -> list[Loaded]:
    """Every file read; all problems of all files at once, ids unique across them."""
    out: list[Loaded] = []
    issues: list[ConfigIssue] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            content = read_calendar_text(path)
            calendar, document = read_yaml(content, str(path))
        except CalendarError as exc:
            issues.extend(exc.errors)
            continue
        marker = exported_from(content)
        base = marker[1] if marker and marker[0] == calendar.id else None
        if calendar.id in seen:
            message = f"mã lịch '{calendar.id}' đã dùng trong {seen[calendar.id]}"
            issues.append(ConfigIssue(str(path), None, "calendar.id", message))
        seen[calendar.id] = str(path)
        out.append(Loaded(calendar, document, path, base))
    if issues:
        raise CalendarError(issues)
    return out


def current(session: Session, key: str) -> Calendar | None:
    """The calendar as the engine sees it now (None: not in the store)."""
    try:
        return published(session, key)
    except CalendarNotStored:
        return None


def publish_document(
    session: Session,
    document: dict[str, Any],
    *,
    source: str,
    author: str,
    source_ref: str | None = None,
    base: int | None = None,
    calendar: Calendar | None = None,
) -> Published:
    """Validate `document` (unless `calendar` is its already validated form) and publish it."""
    if calendar is None:
        calendar = calendar_of(document, source_ref or source)
    previous = current(session, calendar.id)
    return revisions.publish(
        session,
        calendar,
        document,
        source=source,
        author=author,
        source_ref=source_ref,
        base=base,
        previous=previous,
    )


def publish_loaded(session: Session, loaded: Loaded, author: str, force: bool = False) -> Published:
    """Publish a file read by `read_files`; one exported from a revision that is no longer
    the latest is refused (RevisionConflict) unless `force`."""
    return publish_document(
        session,
        loaded.document,
        source="yaml",
        author=author,
        source_ref=str(loaded.path.resolve()),
        base=None if force else loaded.base,
        calendar=loaded.calendar,
    )


def publish_files(session: Session, paths: Sequence[Path], author: str) -> list[Published]:
    """Publish YAML files (all or none: the caller commits or rolls back)."""
    return [publish_loaded(session, loaded, author) for loaded in read_files(paths)]


def revision_document(session: Session, key: str, number: int | None = None) -> dict[str, Any]:
    revision = revisions.get(session, key, number)
    if revision is None:
        raise LookupError(key if number is None else f"{key}@{number}")
    revision_calendar(key, revision)  # a document that no longer validates fails here
    return dict(revision.document)

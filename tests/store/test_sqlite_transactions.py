"""SQLite as hanchot configures it: real transactions, snapshot reads, writers taking turns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from store import db, migrate, models
from store.calendars import save_calendar
from tests.store.store_factories import calendar


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True).begin() as session:
        save_calendar(session, calendar(), "a.yaml")
    try:
        yield engine
    finally:
        engine.dispose()


def begins(engine: Engine, writes: bool) -> list[str]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with db.session_factory(engine, writes=writes).begin() as session:
            session.scalars(sa.select(models.Unit)).all()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_writers_take_the_lock_up_front_and_readers_do_not(sqlite_engine: Engine) -> None:
    assert begins(sqlite_engine, writes=True) == ["BEGIN IMMEDIATE"]
    assert begins(sqlite_engine, writes=False) == ["BEGIN"]


def test_a_reader_keeps_its_snapshot_and_does_not_block_a_writer(sqlite_engine: Engine) -> None:
    reader = db.session_factory(sqlite_engine)()
    writer = db.session_factory(sqlite_engine, writes=True)
    try:
        unit = sa.select(models.Unit.name).where(models.Unit.key == "xa-a")
        assert reader.scalar(unit) == "UBND xã A"

        with writer.begin() as session:
            session.execute(
                sa.update(models.Unit).where(models.Unit.key == "xa-a").values(name="B")
            )

        assert reader.scalar(unit) == "UBND xã A", "same transaction, same snapshot"
        reader.rollback()
        assert reader.scalar(unit) == "B"
    finally:
        reader.close()


def test_a_reader_that_starts_writing_after_another_write_fails_fast(
    sqlite_engine: Engine,
) -> None:
    """Why writers must say so: a stale snapshot cannot be upgraded to a write lock."""
    reader = db.session_factory(sqlite_engine)()
    writer = db.session_factory(sqlite_engine, writes=True)
    try:
        reader.scalars(sa.select(models.Unit)).all()
        with writer.begin() as session:
            session.execute(sa.update(models.Unit).values(kind="x"))
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            reader.execute(sa.update(models.Unit).values(kind="y"))
    finally:
        reader.close()

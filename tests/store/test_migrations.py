"""The Alembic migrations against real SQLite and PostgreSQL databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store import db, migrate
from store.base import Base, utcnow
from store.calendars import save_calendar
from store.models import TelegramPending, TelegramQuestion, UnitDeadline
from tests.store.store_factories import calendar, open_deadline

TABLES = {
    "account_tokens",
    "audit_log",
    "calendar_drafts",
    "calendar_revisions",
    "calendars",
    "cycles",
    "evidence",
    "extension_requests",
    "inbound_messages",
    "leases",
    "link_codes",
    "login_throttle",
    "obligations",
    "outbox",
    "people",
    "person_channels",
    "rate_budgets",
    "submissions",
    "supervisors",
    "telegram_pending",
    "unit_contacts",
    "unit_deadlines",
    "units",
    "web_sessions",
    "web_users",
    "zalo_inbound",
    "zalo_tokens",
}


AFTER_0006 = {
    "account_tokens",
    "calendar_drafts",
    "leases",
    "login_throttle",
    "rate_budgets",
    "zalo_inbound",
    "zalo_tokens",
}
"""Tables of revisions after 0006, absent at 0006 and before."""
AFTER_0005 = {"calendar_revisions", *AFTER_0006}
"""Tables of later revisions, absent at 0004 and 0005."""


def _tables(url: str) -> set[str]:
    engine = db.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_a_new_database_has_no_revision(db_url: str) -> None:
    assert migrate.current(db_url) is None
    assert _tables(db_url) == set()


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    first = migrate.upgrade(db_url)
    assert (first.before, first.after) == (None, migrate.head())
    assert _tables(db_url) == TABLES

    again = migrate.upgrade(db_url)
    assert not again.changed

    down = migrate.downgrade(db_url, "base")
    assert (down.before, down.after) == (migrate.head(), None)
    assert migrate.current(db_url) is None
    assert _tables(db_url) == set()

    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()
    assert _tables(db_url) == TABLES


def test_downgrade_drops_tables_holding_data(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = db.create_engine(db_url)
    try:
        with db.session_factory(engine).begin() as session:
            save_calendar(session, calendar(), "huyen-thu.yaml")
            open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1")
    finally:
        engine.dispose()

    migrate.downgrade(db_url, "base")

    assert _tables(db_url) == set()


def test_0005_adds_and_drops_only_the_telegram_pending_table(db_url: str) -> None:
    """Upgrading a database in use from 0004 keeps its rows and adds the bot's pending
    exchanges; going back to 0004 drops that table alone."""
    # Rows written by today's models (whose later columns 0004 lacks), then taken back
    # to 0004: a database in use at 0004, holding a calendar and a deadline.
    migrate.upgrade(db_url)
    engine = db.create_engine(db_url)
    try:
        with db.session_factory(engine).begin() as session:
            save_calendar(session, calendar(), "huyen-thu.yaml")
            deadline = open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1")
            deadline_id = deadline.id
        engine.dispose()
        migrate.downgrade(db_url, "0004")
        assert _tables(db_url) == TABLES - {"telegram_pending", *AFTER_0005}

        migrate.upgrade(db_url, "0005")
        # 0005's columns only: today's model has later ones (0019's filed_*)
        pending = TelegramPending.__table__
        with db.session_factory(engine).begin() as session:
            session.execute(
                sa.insert(pending).values(
                    chat_id="-100123",
                    question=TelegramQuestion.EXTENSION,
                    deadline_id=deadline_id,
                    request_id="tg:42",
                    asked_at=utcnow(),
                    held={"number": "45/BC-UBND", "file": None},
                    held_at=utcnow(),
                )
            )
        with db.session_factory(engine)() as session:
            [row] = session.execute(sa.select(pending.c.question, pending.c.held))
            assert (row.question, row.held) == (
                TelegramQuestion.EXTENSION,
                {"number": "45/BC-UBND", "file": None},
            )
        engine.dispose()

        migrate.downgrade(db_url, "0004")
        assert _tables(db_url) == TABLES - {"telegram_pending", *AFTER_0005}
        with db.session_factory(engine)() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(UnitDeadline)) == 1
    finally:
        engine.dispose()


def test_0006_adds_calendar_revisions_and_keeps_a_calendar_stored_before(db_url: str) -> None:
    """A database in use at 0005 keeps its calendar (the engine reads it from its rows
    until it is next published); going back to 0005 drops the revisions table alone."""
    from activities.calendars import published
    from store import revisions

    # Rows written by today's models (whose later columns 0005 lacks), then taken back to
    # 0005: a database in use at 0005, holding a calendar stored before revisions.
    migrate.upgrade(db_url)
    engine = db.create_engine(db_url)
    try:
        with db.session_factory(engine).begin() as session:
            save_calendar(session, calendar(), "huyen-thu.yaml")
        engine.dispose()
        migrate.downgrade(db_url, "0005")
        assert _tables(db_url) == TABLES - AFTER_0005
        migrate.upgrade(db_url, "0006")
        assert _tables(db_url) == TABLES - AFTER_0006
        migrate.upgrade(db_url)  # today's models read the rows
        with db.session_factory(engine)() as session:
            assert revisions.latest(session, "huyen-thu") is None
            assert published(session, "huyen-thu").units == calendar().units
        engine.dispose()
        migrate.downgrade(db_url, "0005")
        assert _tables(db_url) == TABLES - AFTER_0005
    finally:
        engine.dispose()


def test_models_and_migrations_agree(migrated_url: str) -> None:
    """Autogenerate finds nothing to do: the initial revision is exactly the models."""
    engine = db.create_engine(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'hanchot.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "dir" / "hanchot.db").exists()


def test_sqlite_migrations_are_transactional(tmp_path: Path) -> None:
    """A failing revision leaves nothing behind (SQLite DDL runs inside our BEGIN)."""
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    engine = db.create_engine(url)
    try:
        with pytest.raises(sa.exc.OperationalError), engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE half (id INTEGER)")
            connection.exec_driver_sql("CREATE TABLE half (id INTEGER)")
    finally:
        engine.dispose()
    assert _tables(url) == set()

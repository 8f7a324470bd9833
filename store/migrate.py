"""Schema migrations run from code: upgrade, downgrade and the current revision.

The Alembic configuration is built here, pointing at the migrations shipped inside the
package, so an installed hanchot needs no alembic.ini and no working directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from store.db import WRITE_OPTION, create_engine, database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x68616E63686F74  # "hanchot": the advisory lock every migration takes


class MigrationError(RuntimeError):
    """A migration finished but left the data inconsistent (and was rolled back)."""


@dataclass(frozen=True, slots=True)
class Revisions:
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head() -> str:
    """The newest revision this version of hanchot knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "the store ships at least one revision"
    return revision


@contextmanager
def _migrating(url: str | URL | None) -> Iterator[sa.Connection]:
    """One connection, one transaction for the whole run: all revisions apply or none.

    SQLite's foreign keys are off while tables are rebuilt (batch mode copies a table,
    drops it and renames the copy) and checked once at the end instead; a violation rolls
    everything back.

    Processes starting together (web replicas, workers, `hanchot db upgrade`) migrate
    one at a time: on PostgreSQL each takes a transaction-scoped advisory lock before it
    reads the current revision, so the next finds the work done; SQLite's BEGIN
    IMMEDIATE does the same.
    """
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    try:
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            yield connection
            if connection.dialect.name == "sqlite":
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if violations:
                    table, rowid, parent, _ = violations[0]
                    raise MigrationError(
                        f"{len(violations)} foreign key violation(s) after migrating, e.g. "
                        f"{table} row {rowid} -> {parent}; nothing was changed"
                    )
    finally:
        engine.dispose()


def _run(url: str | URL | None, action: str, revision: str) -> Revisions:
    with _migrating(url) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        cfg = _config()
        cfg.attributes["connection"] = connection
        getattr(command, action)(cfg, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return Revisions(before, after)


def upgrade(url: str | URL | None = None, revision: str = "head") -> Revisions:
    """Bring the database at `url` (default: `database_url()`) up to `revision`."""
    return _run(url, "upgrade", revision)


def downgrade(url: str | URL | None = None, revision: str = "-1") -> Revisions:
    """Take the database back to `revision` (`base` drops every table hanchot made)."""
    return _run(url, "downgrade", revision)


def current(url: str | URL | None = None) -> str | None:
    """The revision the database is at; None for a database hanchot has not touched."""
    engine = create_engine(url if url is not None else database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()

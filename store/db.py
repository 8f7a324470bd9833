"""Where the database is and how to connect to it (sync for the CLI, async for activities).

One URL names the database; the driver is chosen here so users can write the URL the way
they know it (`sqlite:///x.db`, `postgresql://...`) and both engines still get a driver
they can use: pysqlite / aiosqlite, psycopg 3 for both on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from store.private import private_file

DATABASE_URL_ENV = "HANCHOT_DATABASE_URL"
DATA_DIR_ENV = "HANCHOT_DATA_DIR"
PASSWORD_FILE_ENV = "HANCHOT_DATABASE_PASSWORD_FILE"
"""A file holding the database password (a Docker/Kubernetes secret), so the URL in the
environment need not carry it."""
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
"""How long a new PostgreSQL connection may take (see `_postgres_kwargs`)."""
POSTGRES_LIVENESS = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}
"""libpq's TCP liveness options (see `_postgres_kwargs`): a peer gone silent on an open
connection is declared dead after about a minute, instead of the kernel's two hours."""
WRITE_OPTION = "hanchot_writes"
"""Execution option marking connections whose transactions will write (see `session_factory`)."""

_SQLITE = ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite")
_POSTGRES = ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg_async")


class DatabaseURLError(ValueError):
    """The URL is malformed (`malformed`) or names a database hanchot does not support
    (`unsupported`); `url` is already masked, so the error can be printed as is."""

    def __init__(self, problem: str, url: str, detail: str) -> None:
        super().__init__(f"{problem} database URL {url}: {detail}")
        self.problem = problem
        self.url = url
        self.detail = detail


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where hanchot keeps its files by default (`$HANCHOT_DATA_DIR`, else `./.hanchot`)."""
    env = os.environ if env is None else env
    return Path(env.get(DATA_DIR_ENV) or ".hanchot")


def database_url(env: Mapping[str, str] | None = None) -> str:
    """`$HANCHOT_DATABASE_URL`, else the SQLite file `hanchot.db` in the data dir; with
    `$HANCHOT_DATABASE_PASSWORD_FILE`, the password is the file's content (trailing line
    breaks removed, as Docker's own `*_FILE` convention does) and replaces any in the URL."""
    env = os.environ if env is None else env
    url = env.get(DATABASE_URL_ENV) or f"sqlite:///{data_dir(env) / 'hanchot.db'}"
    path = env.get(PASSWORD_FILE_ENV)
    if not path:
        return url
    parsed = _parse(url)
    if parsed.drivername in _SQLITE:
        raise DatabaseURLError(
            "password file for", masked(url), f"SQLite không dùng mật khẩu; bỏ {PASSWORD_FILE_ENV}"
        )
    try:
        password = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or "không phải văn bản UTF-8"
        raise DatabaseURLError(
            "unreadable password for",
            masked(url),
            f"không đọc được tệp mật khẩu {PASSWORD_FILE_ENV}={path} ({reason})",
        ) from None
    if not password:
        raise DatabaseURLError(
            "empty password for", masked(url), f"tệp mật khẩu {PASSWORD_FILE_ENV}={path} rỗng"
        )
    return parsed.set(password=password).render_as_string(hide_password=False)


def _parse(url: str | URL) -> URL:
    try:
        return make_url(url)
    except ArgumentError as e:
        raise DatabaseURLError("malformed", "<hidden>", str(e)) from None


def sync_url(url: str | URL) -> URL:
    """The URL with the driver the sync engine uses."""
    parsed = _parse(url)
    if parsed.drivername in _SQLITE:
        return parsed.set(drivername="sqlite")
    if parsed.drivername in _POSTGRES:
        return parsed.set(drivername="postgresql+psycopg")
    raise _unsupported(parsed)


def async_url(url: str | URL) -> URL:
    """The URL with the driver the async engine uses."""
    parsed = _parse(url)
    if parsed.drivername in _SQLITE:
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in _POSTGRES:
        return parsed.set(drivername="postgresql+psycopg")
    raise _unsupported(parsed)


def _unsupported(parsed: URL) -> DatabaseURLError:
    return DatabaseURLError(
        "unsupported", masked(parsed), f"driver {parsed.drivername!r} (use sqlite or postgresql)"
    )


def masked(url: str | URL) -> str:
    """The URL safe to print or log: the password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<malformed URL hidden>"


def _sqlite_file(parsed: URL) -> Path | None:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _prepare_sqlite(parsed: URL) -> None:
    """Create the directory of a SQLite file (the default lives in a dir nobody made yet)
    and the file itself, private to this user (`store.private`): SQLite would make it
    world-readable, and its -wal and -shm files after it."""
    path = _sqlite_file(parsed)
    if path is not None:
        private_file(path)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool, wal: bool) -> None:
    """Make SQLite behave like a transactional database on every new connection.

    The sqlite3 driver's legacy mode emits no BEGIN before SELECT or DDL, so reads in one
    transaction are not repeatable and a failed migration is left half-applied; hanchot
    emits BEGIN itself instead (SQLAlchemy's documented recipe, for sqlite3 and
    aiosqlite alike). Foreign keys are off by default in SQLite; WAL lets the dashboard
    read while a worker writes; busy_timeout makes a writer wait for the lock instead of
    failing at once. Pragmas run before any BEGIN: inside a transaction they do nothing.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _postgres_kwargs(target: URL, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Engine options for PostgreSQL that let a process outlive a database outage.

    pool_pre_ping: after an outage every pooled connection is dead; each checkout tests
    its connection and silently replaces a dead one, instead of failing the first
    transaction of every pooled connection. connect_timeout: psycopg, like libpq, waits
    for ever for a server that accepts the connection and never answers (a hung server,
    a proxy in front of a dead one, packets dropped); the notifier's sweep or an
    activity's thread would then hang past the end of the outage (the fault tests show
    it). Ten seconds is far above a healthy handshake on a loaded machine;
    `?connect_timeout=N` in the URL overrides it. Keepalives and tcp_user_timeout: the
    same silence on a connection already open (the database host lost, a firewall that
    dropped the flow) would block a query until the kernel gives up, hours later; with
    them it fails in about a minute and the activity retries. Each is overridden by the
    same name in the URL's query.
    """
    connect_args = dict(kwargs.pop("connect_args", None) or {})
    if "connect_timeout" not in target.query:
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    for name, value in POSTGRES_LIVENESS.items():
        if name not in target.query:
            connect_args.setdefault(name, value)
    return {"pool_pre_ping": True, **kwargs, "connect_args": connect_args}


def create_engine(
    url: str | URL | None = None, *, foreign_keys: bool = True, **kwargs: Any
) -> Engine:
    """A sync engine for `url` (default: `database_url()`).

    `foreign_keys=False` is for migrations only: SQLite's batch mode rebuilds tables, which
    must not trip foreign keys half-way (the migration checks them at the end instead).
    """
    target = sync_url(url if url is not None else database_url())
    if target.get_backend_name() == "sqlite":
        _prepare_sqlite(target)
        engine = sa.create_engine(target, **kwargs)
        _configure_sqlite(engine, foreign_keys=foreign_keys, wal=_sqlite_file(target) is not None)
        return engine
    return sa.create_engine(target, **_postgres_kwargs(target, kwargs))


def create_async_engine(url: str | URL | None = None, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (default: `database_url()`), for activities and the web."""
    target = async_url(url if url is not None else database_url())
    if target.get_backend_name() == "sqlite":
        _prepare_sqlite(target)
        engine = _create_async_engine(target, **kwargs)
        _configure_sqlite(
            engine.sync_engine, foreign_keys=True, wal=_sqlite_file(target) is not None
        )
        return engine
    return _create_async_engine(target, **_postgres_kwargs(target, kwargs))


def session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the CLI prints them).

    `writes=True` is for transactions that will write. On SQLite they start with
    BEGIN IMMEDIATE, taking the write lock up front: a transaction that reads first and
    takes the lock only at its first write fails at once ("database is locked") if
    another connection wrote in between, since its snapshot is stale and waiting cannot
    help; taking the lock first makes it wait its turn (busy_timeout) instead. Read-only
    sessions keep a plain BEGIN, so they never hold up a writer. PostgreSQL ignores it.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if writes else engine
    return sessionmaker(bind, expire_on_commit=False)


def async_session_factory(
    engine: AsyncEngine, *, writes: bool = False
) -> async_sessionmaker[AsyncSession]:
    """As `session_factory`, for the async engine."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if writes else engine
    return async_sessionmaker(bind, expire_on_commit=False)

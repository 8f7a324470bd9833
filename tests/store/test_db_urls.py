"""Database URLs: defaults, drivers for sync and async, and masking for messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from store import db


@pytest.mark.parametrize(
    ("given", "sync", "asynchronous"),
    [
        ("sqlite:///x.db", "sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+pysqlite:////abs/x.db", "sqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        (
            "postgresql://u:p@h/d",
            "postgresql+psycopg://u:p@h/d",
            "postgresql+psycopg://u:p@h/d",
        ),
        ("postgres://u:p@h:5433/d", "postgresql+psycopg://u:p@h:5433/d", None),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d", None),
    ],
)
def test_drivers_are_chosen_for_sync_and_async(
    given: str, sync: str, asynchronous: str | None
) -> None:
    assert db.sync_url(given).render_as_string(hide_password=False) == sync
    expected_async = asynchronous or sync
    assert db.async_url(given).render_as_string(hide_password=False) == expected_async


@pytest.mark.parametrize("url", ["mysql://u:secret@h/d", "oracle://u:secret@h/d"])
def test_other_databases_are_refused_without_showing_the_password(url: str) -> None:
    with pytest.raises(db.DatabaseURLError) as caught:
        db.sync_url(url)
    assert caught.value.problem == "unsupported"
    assert "secret" not in str(caught.value) and "***" in caught.value.url


def test_a_malformed_url_is_refused() -> None:
    with pytest.raises(db.DatabaseURLError) as caught:
        db.async_url("not a url at all")
    assert caught.value.problem == "malformed"


def test_masked_hides_the_password() -> None:
    shown = db.masked("postgresql://hanchot:s3cr%40t@db.example:5432/hanchot")
    assert shown == "postgresql://hanchot:***@db.example:5432/hanchot"


def test_the_default_is_a_sqlite_file_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(db.DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(db.DATA_DIR_ENV, raising=False)
    assert db.database_url() == "sqlite:///.hanchot/hanchot.db"

    monkeypatch.setenv(db.DATA_DIR_ENV, str(tmp_path / "data"))
    assert db.database_url() == f"sqlite:///{tmp_path / 'data' / 'hanchot.db'}"

    monkeypatch.setenv(db.DATABASE_URL_ENV, "postgresql://u@h/d")
    assert db.database_url() == "postgresql://u@h/d"


class _Stop(Exception):
    """Raised instead of connecting, once the connection's parameters are seen."""


def _connect_params(engine: sa.Engine) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    @sa.event.listens_for(engine, "do_connect")
    def _look(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Stop

    return seen


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        ("postgresql://u:p@127.0.0.1:1/d", db.POSTGRES_CONNECT_TIMEOUT_SECONDS),
        ("postgresql://u:p@127.0.0.1:1/d?connect_timeout=3", "3"),
    ],
)
async def test_postgres_connections_time_out_unless_the_url_says_otherwise(
    url: str, timeout: object
) -> None:
    """A server that accepts and never answers must not hang a process for ever."""
    engine = db.create_engine(url)
    seen = _connect_params(engine)
    with pytest.raises(_Stop):
        engine.connect()
    assert seen["connect_timeout"] == timeout
    assert engine.pool._pre_ping  # type: ignore[attr-defined]

    async_engine = db.create_async_engine(url)
    seen = _connect_params(async_engine.sync_engine)
    with pytest.raises(_Stop):
        await async_engine.connect()
    assert seen["connect_timeout"] == timeout
    await async_engine.dispose()


@pytest.mark.parametrize(
    ("url", "idle"),
    [
        ("postgresql://u:p@127.0.0.1:1/d", 30),
        ("postgresql://u:p@127.0.0.1:1/d?keepalives_idle=5", "5"),
    ],
)
async def test_postgres_connections_notice_a_silent_peer(url: str, idle: object) -> None:
    """An open connection whose peer went silent fails in about a minute, not in the
    kernel's two hours: libpq keepalives and tcp_user_timeout, each overridable."""
    for engine in (db.create_engine(url), db.create_async_engine(url).sync_engine):
        seen = _connect_params(engine)
        with pytest.raises(_Stop):
            engine.connect()
        assert seen["keepalives"] == 1 and seen["tcp_user_timeout"] == 60_000
        assert seen["keepalives_idle"] == idle


@pytest.mark.postgres
def test_libpq_accepts_the_liveness_options(postgres_database: str) -> None:
    """The options reach a real server's connection (a libpq too old for one of them
    would refuse to connect, not ignore it)."""
    engine = db.create_engine(postgres_database)
    try:
        with engine.connect() as connection:
            dsn = connection.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
    finally:
        engine.dispose()
    for name, value in db.POSTGRES_LIVENESS.items():
        assert f"{name}={value}" in dsn


def test_the_password_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "postgres_password"
    secret.write_text("mật@khẩu:/ 1\n", encoding="utf-8")
    monkeypatch.setenv(db.DATABASE_URL_ENV, "postgresql://hanchot:old@db:5432/hanchot")
    monkeypatch.setenv(db.PASSWORD_FILE_ENV, str(secret))
    url = db.database_url()
    parsed = db.sync_url(url)
    assert parsed.password == "mật@khẩu:/ 1"  # trailing newline gone, the rest kept as is
    assert (parsed.username, parsed.host, parsed.database) == ("hanchot", "db", "hanchot")
    assert "***" in db.masked(url) and "khẩu" not in db.masked(url)


@pytest.mark.parametrize(
    ("url", "content", "expected"),
    [
        ("postgresql://hanchot@db/hanchot", None, "không đọc được tệp mật khẩu"),
        ("postgresql://hanchot@db/hanchot", "\n", "rỗng"),
        ("sqlite:///x.db", "p", "SQLite không dùng mật khẩu"),
    ],
)
def test_a_password_file_that_cannot_serve_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, content: str | None, expected: str
) -> None:
    secret = tmp_path / "postgres_password"
    if content is not None:
        secret.write_text(content, encoding="utf-8")
    monkeypatch.setenv(db.DATABASE_URL_ENV, url)
    monkeypatch.setenv(db.PASSWORD_FILE_ENV, str(secret))
    with pytest.raises(db.DatabaseURLError) as raised:
        db.database_url()
    assert expected in raised.value.detail
    if content is None:
        assert str(secret) in raised.value.detail


def test_the_cli_names_an_unreadable_password_file(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        db.DATABASE_URL_ENV: "postgresql://hanchot@127.0.0.1:1/hanchot",
        db.PASSWORD_FILE_ENV: str(tmp_path / "missing"),
        db.DATA_DIR_ENV: str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from hanchot.cli import main; main()", "db", "current"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "HANCHOT_DATABASE_PASSWORD_FILE" in done.stderr and "Traceback" not in done.stderr

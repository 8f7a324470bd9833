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

"""Database URLs: defaults, drivers for sync and async, and masking for messages."""

from __future__ import annotations

from pathlib import Path

import pytest

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

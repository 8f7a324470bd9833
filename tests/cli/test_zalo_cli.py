"""`hanchot zalo authorize` stores a new authorisation's refresh token for the app named
(or the one that needs it) and clears its stranded chain; `hanchot zalo serve` without the
OA's settings is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hanchot.cli import app
from store import db, migrate, zalo_tokens
from store.models import ZaloToken

runner = CliRunner()
OA, APP, STANDBY = "1234567890123456789", "42", "43"


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url)
    return url


def stranded(url: str, *apps: str) -> None:
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        for app_id in apps:
            zalo_tokens.seed(session, OA, app_id, "rt-used")
        session.execute(sa.update(ZaloToken).values(stranded_at=sa.func.now(), stranded_reason="x"))
    engine.dispose()


def chain(url: str, app_id: str) -> tuple[str, object, int]:
    engine = db.create_engine(url)
    with db.session_factory(engine)() as session:
        row = session.get(ZaloToken, (OA, app_id))
        assert row is not None
        found = (row.refresh_token, row.stranded_at, row.generation)
    engine.dispose()
    return found


def env(url: str, tmp_path: Path, standby: bool = False) -> dict[str, str]:
    values = {
        "HANCHOT_DATABASE_URL": url,
        "HANCHOT_DATA_DIR": str(tmp_path),
        "ZALO_OA_ID": OA,
        "ZALO_APP_ID": APP,  # ids only: `authorize` calls nobody, so any container runs it
    }
    if standby:
        values |= {"ZALO_STANDBY_APP_ID": STANDBY}
    return values


def test_authorize_replaces_a_refused_refresh_token(url: str, tmp_path: Path) -> None:
    stranded(url, APP)
    result = runner.invoke(app, ["zalo", "authorize", "rt-new"], env=env(url, tmp_path))
    assert result.exit_code == 0, result.output
    assert "Đã lưu refresh token mới" in result.output and "rt-new" not in result.output
    assert chain(url, APP) == ("rt-new", None, 1)


def test_authorize_with_two_apps_restores_the_one_named(url: str, tmp_path: Path) -> None:
    stranded(url, APP, STANDBY)
    both = env(url, tmp_path, standby=True)
    unsure = runner.invoke(app, ["zalo", "authorize", "rt-new"], env=both)
    assert unsure.exit_code == 2 and "--app" in unsure.output
    assert chain(url, APP)[0] == chain(url, STANDBY)[0] == "rt-used"
    wrong = runner.invoke(app, ["zalo", "authorize", "--app", "99", "rt-new"], env=both)
    assert wrong.exit_code == 2 and "không phải ứng dụng đã cấu hình" in wrong.output
    done = runner.invoke(app, ["zalo", "authorize", "--app", "standby", "rt-s"], env=both)
    assert done.exit_code == 0, done.output
    assert f"ứng dụng {STANDBY}" in done.output
    assert chain(url, STANDBY) == ("rt-s", None, 1) and chain(url, APP)[0] == "rt-used"
    alone = runner.invoke(app, ["zalo", "authorize", "rt-p"], env=both)  # the one that needs it
    assert alone.exit_code == 0, alone.output
    assert chain(url, APP) == ("rt-p", None, 1)


def test_serve_without_the_oa_settings_says_what_is_missing(tmp_path: Path) -> None:
    env = {"HANCHOT_DATA_DIR": str(tmp_path), "ZALO_OA_ID": OA, "ZALO_APP_ID": ""}
    result = runner.invoke(app, ["zalo", "serve"], env=env)
    assert result.exit_code == 2
    assert "cần ZALO_OA_ID, ZALO_APP_ID, ZALO_APP_SECRET và ZALO_OA_SECRET_KEY" in result.output

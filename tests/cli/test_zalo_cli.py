"""`hanchot zalo authorize` stores a new authorisation's refresh token and clears a
stranded OA; `hanchot zalo serve` without the OA's settings is one clear line."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from hanchot.cli import app
from store import db, migrate, zalo_tokens
from store.models import ZaloToken

runner = CliRunner()
OA = "1234567890123456789"


def test_authorize_replaces_a_refused_refresh_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        zalo_tokens.seed(session, OA, "rt-used")
        session.execute(sa.update(ZaloToken).values(stranded_at=sa.func.now(), stranded_reason="x"))
    env = {"HANCHOT_DATABASE_URL": url, "HANCHOT_DATA_DIR": str(tmp_path), "ZALO_OA_ID": OA}
    result = runner.invoke(app, ["zalo", "authorize", "rt-new"], env=env)
    assert result.exit_code == 0, result.output
    assert "Đã lưu refresh token mới" in result.output and "rt-new" not in result.output
    with db.session_factory(engine)() as session:
        row = session.get(ZaloToken, OA)
        assert row is not None
        assert (row.refresh_token, row.stranded_at, row.generation) == ("rt-new", None, 1)
    engine.dispose()


def test_serve_without_the_oa_settings_says_what_is_missing(tmp_path: Path) -> None:
    env = {"HANCHOT_DATA_DIR": str(tmp_path), "ZALO_OA_ID": OA, "ZALO_APP_ID": ""}
    result = runner.invoke(app, ["zalo", "serve"], env=env)
    assert result.exit_code == 2
    assert "cần ZALO_OA_ID, ZALO_APP_ID, ZALO_APP_SECRET và ZALO_OA_SECRET_KEY" in result.output

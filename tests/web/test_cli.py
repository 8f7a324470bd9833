"""`hanchot user ...` on a real store, as a coordinator types it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hanchot.cli import app
from store import db, migrate
from store.models import AuditEntry
from tests.web.factory import fill

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        fill(session, tmp_path)
    engine.dispose()
    return {"HANCHOT_DATABASE_URL": url, "HANCHOT_DATA_DIR": str(tmp_path), "COLUMNS": "200"}


def test_add_list_password_disable(env: dict[str, str]) -> None:
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "Lan@Thu.Example",
            "--role",
            "supervisor",
            "--scope",
            "huyen-a",
            "--name",
            "Nguyễn Thị Lan",
            "--generate",
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "Đã tạo tài khoản lan@thu.example (supervisor, phạm vi: huyen-a)" in added.output
    assert "Mật khẩu (chỉ hiện một lần):" in added.output
    listed = runner.invoke(app, ["user", "list"], env=env)
    assert "lan@thu.example" in listed.output and "Lãnh đạo phụ trách" in listed.output
    typed = runner.invoke(
        app,
        ["user", "password", "lan@thu.example"],
        input="mat-khau-moi-1\nmat-khau-moi-1\n",
        env=env,
    )
    assert typed.exit_code == 0 and "Đã đặt mật khẩu mới" in typed.output
    assert "mat-khau-moi-1\n" not in typed.output.split("Đã đặt")[1]
    disabled = runner.invoke(app, ["user", "disable", "lan@thu.example"], env=env)
    assert disabled.exit_code == 0 and "Đã khóa" in disabled.output
    assert "đã khóa" in runner.invoke(app, ["user", "list"], env=env).output
    enabled = runner.invoke(app, ["user", "enable", "lan@thu.example"], env=env)
    assert enabled.exit_code == 0 and "Đã mở lại" in enabled.output
    engine = db.create_engine(env["HANCHOT_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            audited = connection.execute(
                sa.select(AuditEntry.actor, AuditEntry.action)
                .order_by(AuditEntry.id.desc())
                .limit(2)
            ).all()
    finally:
        engine.dispose()
    assert [tuple(a) for a in audited] == [
        ("cli", "account_reactivated"),
        ("cli", "account_deactivated"),
    ]
    engine = db.create_engine(env["HANCHOT_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            created, changed = connection.execute(
                sa.select(AuditEntry.action)
                .where(AuditEntry.subject == "account:lan@thu.example")
                .order_by(AuditEntry.id)
                .limit(2)
            ).scalars()
    finally:
        engine.dispose()
    assert (created, changed) == ("account_created", "password_set")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--role", "boss", "--all-units"], 2, "vai trò 'boss' không hợp lệ"),
        (["--role", "viewer"], 2, "cần --scope"),
        (["--role", "viewer", "--scope", "khong-co"], 1, "không có đơn vị 'khong-co'"),
        (["--role", "viewer", "--scope", "huyen-a", "--all-units"], 2, "không cả hai"),
    ],
)
def test_mistakes_are_one_clear_line(
    env: dict[str, str], args: list[str], code: int, words: str
) -> None:
    result = runner.invoke(app, ["user", "add", "x@thu.example", *args, "--generate"], env=env)
    assert result.exit_code == code and words in result.output
    assert "Traceback" not in result.output


def test_a_short_password_is_refused(env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["user", "add", "y@thu.example", "--role", "viewer", "--all-units"],
        input="ngan\nngan\n",
        env=env,
    )
    assert result.exit_code == 2 and "ít nhất 10 ký tự" in result.output


def test_web_refuses_an_old_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0001")
    result = runner.invoke(app, ["web"], env={"HANCHOT_DATABASE_URL": url})
    assert result.exit_code == 1 and "hanchot db upgrade" in result.output

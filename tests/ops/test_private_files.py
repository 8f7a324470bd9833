"""Files hanchot writes are private to its user (issue 12, item 7), checked by mode bits
under the usual umask 022: the database (and its -wal/-shm), the data dir, evidence, raw
mail, the secret key, backups; both in-process and from the `hanchot` command."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from store import db, migrate
from store.backup import export_store
from store.evidence import EvidenceStore
from store.secret_key import deployment_secret


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _open_to_others(root: Path) -> list[str]:
    """Every path under `root` (itself included) that group or others may use."""
    paths = [root, *root.rglob("*")]
    return [f"{p} {oct(_mode(p))}" for p in paths if _mode(p) & 0o077]


def test_a_new_sqlite_database_and_its_journal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "hanchot.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
        session.execute(sa.text("INSERT INTO probe VALUES (1)"))
        assert (tmp_path / "data" / "hanchot.db-wal").exists()
        assert _open_to_others(tmp_path / "data") == []
    engine.dispose()
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_a_world_readable_database_left_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    path = shared / "hanchot.db"
    path.touch()
    os.chmod(path, 0o644)
    db.create_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600
    assert _mode(shared) == 0o755  # the directory the user chose is not ours to change


def test_evidence_and_raw_mail_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    files = EvidenceStore(data)
    report = files.put(b"%PDF-1.4 bao cao", "bc.pdf", "application/pdf")
    mail = files.put(b"Subject: x\r\n\r\nda nop", "reply.eml", "message/rfc822", kind="inbound")
    assert (data / report.storage_path).is_file() and (data / mail.storage_path).is_file()
    assert _open_to_others(data) == []


def test_the_secret_key_and_an_old_data_dir_are_private(tmp_path: Path) -> None:
    fresh = tmp_path / "moi"
    deployment_secret(fresh)
    assert _open_to_others(fresh) == []
    old = tmp_path / "cu"
    old.mkdir(mode=0o755)
    os.chmod(old, 0o755)
    deployment_secret(old)
    assert _mode(old) == 0o700 and _mode(old / "secret.key") == 0o600


def test_a_backup_is_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'hanchot.db'}"
    migrate.upgrade(url)
    target = tmp_path / "sao-luu" / "hanchot.zip"
    export_store(target, url=url, data_dir=tmp_path / "data")
    assert _mode(target) == 0o600 and _mode(target.parent) == 0o700


def test_every_file_the_hanchot_command_writes_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "HANCHOT_DATA_DIR": str(data),
        "HANCHOT_DATABASE_URL": "",
        "HANCHOT_SECRET": "",
        "HANCHOT_SECRET_FILE": "",
    }
    hanchot = [sys.executable, "-c", "from hanchot.cli import main; main()"]
    for args in (["db", "upgrade"], ["export", str(tmp_path / "sao-luu.zip")]):
        done = subprocess.run(
            [*hanchot, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.umask(0o022),
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert (data / "hanchot.db").is_file()
    assert _open_to_others(data) == []
    assert _mode(tmp_path / "sao-luu.zip") == 0o600


def test_a_calendar_merged_in_place_keeps_its_own_mode(tmp_path: Path) -> None:
    """The calendar is the user's document, shared as they chose: the private umask of a
    hanchot command must not narrow it when `extract --merge` rewrites it."""
    from typer.testing import CliRunner

    from hanchot.cli import app
    from tests.extract.test_cli import empty_calendar, seed

    cal = empty_calendar(tmp_path, "so-ldtbxh-2019")
    os.chmod(cal, 0o644)
    os.umask(0o077)  # as `hanchot` itself sets it
    result = CliRunner().invoke(
        app, ["extract", str(seed("002")), "--merge", str(cal)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "bao-cao-nam" in cal.read_text(encoding="utf-8")
    assert _mode(cal) == 0o644

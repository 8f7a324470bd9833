"""Backup and restore of a whole store, on SQLite and PostgreSQL: a populated deployment
comes back row for row and file for file; a target with data, or an archive that is
damaged, leaves everything as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from store import db, migrate
from store.backup import export_store, tables
from store.backup_format import ArchiveError
from store.backup_restore import ImportRefused, import_store
from store.base import utcnow
from store.models import AuditEntry, Unit
from tests.ops import backup_support
from tests.ops.backup_support import Databases, members, rewrite
from tests.ops.backup_world import MAIL, PDF, populate, snapshot

# Fixtures, used by name.
databases = backup_support.databases
postgres_databases = backup_support.postgres_databases
sqlite_databases = backup_support.sqlite_databases


def _export(tmp_path: Path, url: str, data_dir: Path, name: str = "backup.zip") -> Path:
    return export_store(tmp_path / name, url=url, data_dir=data_dir).path


def _files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_table_of_the_schema_is_exported(tmp_path: Path) -> None:
    """A table added by a migration without a model, or a model nobody populates here,
    fails this test instead of silently missing from every backup."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    populate(url, tmp_path / "data")
    engine = db.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        in_database = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert {t.name for t in tables()} == in_database
    empty = [name for name, rows in snapshot(url).items() if not rows]
    assert empty == [], "backup_world.populate must put a row in every table"
    manifest = export_store(tmp_path / "b.zip", url=url, data_dir=tmp_path / "data").manifest
    assert {t.name for t in manifest.tables} == in_database
    assert all(t.rows > 0 for t in manifest.tables)
    order = [t.name for t in manifest.tables]
    assert order.index("units") < order.index("unit_deadlines") < order.index("submissions")
    assert order.index("submissions") < order.index("evidence")


def test_round_trip_row_by_row_and_file_by_file(tmp_path: Path, databases: Databases) -> None:
    source, target = databases(), databases()
    populate(source, tmp_path / "data")
    archive = _export(tmp_path, source, tmp_path / "data")

    content = members(archive)
    manifest = json.loads(content["manifest.json"])
    assert manifest["format_version"] == 1
    assert manifest["schema_revision"] == migrate.head()
    assert manifest["includes_secret"] is False and "secret.key" not in content
    for name, facts in manifest["members"].items():
        assert hashlib.sha256(content[name]).hexdigest() == facts["sha256"], name
    for entry in manifest["tables"]:
        assert len(content[f"tables/{entry['name']}.jsonl"].splitlines()) == entry["rows"]
    unit_row = json.loads(content["tables/units.jsonl"].splitlines()[0])
    assert unit_row["created_at"].endswith("+00:00")

    result = import_store(archive, url=target, data_dir=tmp_path / "restored")

    assert snapshot(target) == snapshot(source)
    assert _files(tmp_path / "restored") == _files(tmp_path / "data")
    assert PDF in _files(tmp_path / "restored").values()
    assert MAIL in _files(tmp_path / "restored").values()
    assert result.revision_before is None and result.revision_after == migrate.head()
    assert migrate.current(target) == migrate.head()
    assert (result.files_written, result.open_cycles, result.unsettled_deadlines) == (2, 1, 1)


def test_types_survive_exactly(tmp_path: Path, databases: Databases) -> None:
    """Aware instants to the microsecond, dates, a parent unit with a larger id than its
    child, JSON strings that look like dates: each comes back as the same Python value."""
    source, target = databases(), databases()
    populate(source, tmp_path / "data")
    import_store(_export(tmp_path, source, tmp_path / "data"), url=target, data_dir=tmp_path / "r")
    rows = snapshot(target)
    units = {u["key"]: u for u in rows["units"]}
    assert units["huyen"]["parent_id"] == units["tinh"]["id"] > units["huyen"]["id"]
    assert units["xa-a"]["opened"].isoformat() == "2020-01-01"
    submission = rows["submissions"][0]
    assert submission["submitted_at"].isoformat() == "2025-06-10T01:30:15.123456+00:00"
    assert "\n" in submission["note"]
    notes = [a["details"] for a in rows["audit_log"] if a["action"] == "note"]
    assert notes == [{"looks_like_a_date": "2025-06-14", "nested": {"a": [1, None]}}]
    assert rows["web_users"][0]["active"] is True


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back(
    tmp_path: Path, sqlite_databases: Databases, postgres_databases: Databases
) -> None:
    sqlite_source, postgres = sqlite_databases(), postgres_databases()
    populate(sqlite_source, tmp_path / "data")
    import_store(
        _export(tmp_path, sqlite_source, tmp_path / "data"), url=postgres, data_dir=tmp_path / "pg"
    )
    assert snapshot(postgres) == snapshot(sqlite_source)

    # Sequences were moved past the restored ids: new rows get fresh ones.
    engine = db.create_engine(postgres, poolclass=NullPool)
    with db.session_factory(engine)() as session, session.begin():
        entry = AuditEntry(actor="cli:test", action="after", subject="x", details={}, at=utcnow())
        session.add(entry)
        session.flush()
        assert entry.id == len(snapshot(sqlite_source)["audit_log"]) + 1
        unit = session.scalars(sa.select(Unit).where(Unit.key == "xa-a")).one()
        session.add(Unit(calendar_id=unit.calendar_id, key="xa-moi", name="Xã mới", kind="commune"))
    engine.dispose()

    back = sqlite_databases()
    archive = _export(tmp_path, postgres, tmp_path / "pg", "from-pg.zip")
    import_store(archive, url=back, data_dir=tmp_path / "back")
    assert snapshot(back) == snapshot(postgres)
    assert _files(tmp_path / "back") == _files(tmp_path / "data")


def test_target_with_data_is_refused_and_left_alone(tmp_path: Path, databases: Databases) -> None:
    source, target = databases(), databases()
    populate(source, tmp_path / "data")
    archive = _export(tmp_path, source, tmp_path / "data")
    migrate.upgrade(target)
    engine = db.create_engine(target, poolclass=NullPool)
    with db.session_factory(engine)() as session, session.begin():
        session.add(AuditEntry(actor="someone", action="kept", subject="s", details={"v": 1}))
    engine.dispose()
    before = snapshot(target)

    with pytest.raises(ImportRefused) as refused:
        import_store(archive, url=target, data_dir=tmp_path / "t")
    assert refused.value.problem == "not_empty"
    assert refused.value.rows == {"audit_log": 1}
    assert snapshot(target) == before
    assert _files(tmp_path / "t") == {}

    result = import_store(archive, url=target, data_dir=tmp_path / "t", replace=True)
    assert result.replaced_rows == 1
    assert snapshot(target) == snapshot(source)


def test_replace_is_one_transaction(tmp_path: Path, databases: Databases) -> None:
    """The database refuses the last table's rows after --replace emptied every table:
    the old data is all still there, and no file was left behind."""
    source, target = databases(), databases()
    populate(source, tmp_path / "data")
    archive = _export(tmp_path, source, tmp_path / "data")
    populate(target, tmp_path / "t")
    before, files_before = snapshot(target), _files(tmp_path / "t")

    def negative_size(content: dict[str, bytes]) -> None:
        rows = [json.loads(line) for line in content["tables/evidence.jsonl"].splitlines()]
        rows[-1]["size"] = -1
        content["tables/evidence.jsonl"] = b"".join(
            json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows
        )

    bad = rewrite(archive, tmp_path / "bad.zip", negative_size)
    with pytest.raises(ArchiveError) as failed:
        import_store(bad, url=target, data_dir=tmp_path / "t", replace=True)
    assert (failed.value.problem, failed.value.member) == ("rejected_row", "tables/evidence.jsonl")
    assert snapshot(target) == before
    assert _files(tmp_path / "t") == files_before


def test_secret_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HANCHOT_SECRET", "HANCHOT_SECRET_FILE"):
        monkeypatch.delenv(var, raising=False)
    source = f"sqlite:///{tmp_path / 'a.db'}"
    populate(source, tmp_path / "data")
    (tmp_path / "data" / "secret.key").write_text("khoa-cu\n", encoding="ascii")
    plain = _export(tmp_path, source, tmp_path / "data", "plain.zip")
    assert "secret.key" not in members(plain)
    with_key = export_store(
        tmp_path / "key.zip", url=source, data_dir=tmp_path / "data", include_secret=True
    )
    assert members(with_key.path)["secret.key"] == b"khoa-cu\n"

    restored = tmp_path / "restored"
    result = import_store(with_key.path, url=f"sqlite:///{tmp_path / 'b.db'}", data_dir=restored)
    assert result.secret == "restored"
    assert (restored / "secret.key").read_text(encoding="ascii") == "khoa-cu\n"
    assert (restored / "secret.key").stat().st_mode & 0o777 == 0o600


def test_files_written_are_removed_when_the_import_fails_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files go in before the commit; if anything fails after them, they go again."""
    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    populate(source, tmp_path / "data")
    archive = _export(tmp_path, source, tmp_path / "data")

    def fail(*_args: object) -> None:
        raise RuntimeError("the last step before the commit failed")

    monkeypatch.setattr("store.backup_restore._count_open", fail)
    with pytest.raises(RuntimeError):
        import_store(archive, url=target, data_dir=tmp_path / "t")
    assert _files(tmp_path / "t") == {}
    assert migrate.current(target) is None  # the schema it made was rolled back too


def test_target_from_a_newer_hanchot_is_refused(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    populate(source, tmp_path / "data")
    archive = _export(tmp_path, source, tmp_path / "data")
    migrate.upgrade(target)
    engine = db.create_engine(target, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ImportRefused) as refused:
        import_store(archive, url=target, data_dir=tmp_path / "t")
    assert (refused.value.problem, refused.value.detail) == ("target_schema", "9999")
    assert migrate.current(target) == "9999"


def test_files_gone_or_damaged_on_disk_are_reported(tmp_path: Path) -> None:
    """A file the rows name but the disk lost, or one whose bytes no longer match its
    name, is listed in the manifest; the rest of the archive still imports."""
    source = f"sqlite:///{tmp_path / 'a.db'}"
    data = tmp_path / "data"
    populate(source, data)
    evidence = next((data / "evidence").rglob("*/*"))
    inbound = next((data / "inbound").rglob("*/*"))
    evidence.unlink()
    inbound.write_bytes(b"rotted")

    manifest = export_store(tmp_path / "b.zip", url=source, data_dir=data).manifest
    gone = evidence.relative_to(data).as_posix()
    rotted = inbound.relative_to(data).as_posix()
    assert manifest.missing_files == [gone]
    assert manifest.damaged_files == [rotted]
    assert manifest.file_members() == []

    target = f"sqlite:///{tmp_path / 'b.db'}"
    import_store(tmp_path / "b.zip", url=target, data_dir=tmp_path / "r")
    assert snapshot(target) == snapshot(source)

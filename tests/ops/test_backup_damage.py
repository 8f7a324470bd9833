"""A damaged archive is refused, naming the member at fault, before the target is touched;
an archive written at an older schema revision is imported there and upgraded."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from store import db, migrate
from store.backup import export_store
from store.backup_format import ArchiveError
from store.backup_restore import import_store
from tests.ops import backup_support
from tests.ops.backup_support import Databases, edit_manifest, flip_byte_inside, rewrite
from tests.ops.backup_world import populate, snapshot

# Fixtures, used by name.
databases = backup_support.databases
postgres_databases = backup_support.postgres_databases
sqlite_databases = backup_support.sqlite_databases


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One good archive of a populated SQLite store (never modified in place)."""
    tmp = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{tmp / 'source.db'}"
    populate(url, tmp / "data")
    return export_store(tmp / "good.zip", url=url, data_dir=tmp / "data").path


def _drop_last_line(member: str) -> Callable[[dict[str, bytes]], None]:
    def change(content: dict[str, bytes]) -> None:
        content[member] = b"".join(content[member].splitlines(keepends=True)[:-1])

    return change


def _evidence_member(content: dict[str, bytes]) -> str:
    return next(name for name in content if name.startswith("files/evidence/"))


def _swap_file(content: dict[str, bytes]) -> None:
    content[_evidence_member(content)] = b"not the bytes this name promises"


def _remove(member: str) -> Callable[[dict[str, bytes]], None]:
    return lambda content: content.pop(member) and None


def _edit_row(content: dict[str, bytes]) -> None:
    content["tables/units.jsonl"] = content["tables/units.jsonl"].replace(b"UBND", b"UBXX", 1)


DAMAGE: dict[str, tuple[Callable[[Path, Path], Path], str, str]] = {
    "byte flipped in a table": (
        lambda good, bad: _flipped(good, bad, "tables/units.jsonl"),
        "corrupt_member",
        "tables/units.jsonl",
    ),
    "byte flipped in a file": (
        lambda good, bad: _flipped(good, bad, _evidence_in(good)),
        "corrupt_member",
        "files/evidence/",
    ),
    "row edited, zip checksums redone": (
        lambda good, bad: rewrite(good, bad, _edit_row, fix_manifest=False),
        "checksum",
        "tables/units.jsonl",
    ),
    "member missing": (
        lambda good, bad: rewrite(good, bad, _remove("tables/evidence.jsonl"), fix_manifest=False),
        "missing_member",
        "tables/evidence.jsonl",
    ),
    "row dropped, manifest checksums redone": (
        lambda good, bad: rewrite(good, bad, _drop_last_line("tables/audit_log.jsonl")),
        "row_count",
        "tables/audit_log.jsonl",
    ),
    "file content not its name": (
        lambda good, bad: rewrite(good, bad, _swap_file),
        "file_name",
        "files/evidence/",
    ),
    "manifest missing": (
        lambda good, bad: _without_manifest(good, bad),
        "missing_member",
        "manifest.json",
    ),
    "unknown schema revision": (
        lambda good, bad: edit_manifest(good, bad, lambda m: m.update(schema_revision="9999")),
        "unknown_revision",
        "",
    ),
}


def _evidence_in(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return next(n for n in zf.namelist() if n.startswith("files/evidence/"))


def _flipped(good: Path, bad: Path, member: str) -> Path:
    bad.write_bytes(good.read_bytes())
    flip_byte_inside(bad, member)
    return bad


def _without_manifest(good: Path, bad: Path) -> Path:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for name in src.namelist():
            if name != "manifest.json":
                out.writestr(name, src.read(name))
    return bad


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_archive_names_the_member_and_changes_nothing(
    damage: str, archive: Path, tmp_path: Path
) -> None:
    make, problem, member = DAMAGE[damage]
    bad = make(archive, tmp_path / "bad.zip")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    migrate.upgrade(target)
    before = snapshot(target)

    with pytest.raises(ArchiveError) as failed:
        import_store(bad, url=target, data_dir=tmp_path / "data")

    assert failed.value.problem == problem
    assert failed.value.member.startswith(member) if member else failed.value.member == ""
    assert snapshot(target) == before
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_truncated_archive_is_not_read(keep: float, archive: Path, tmp_path: Path) -> None:
    data = archive.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ArchiveError) as failed:
        import_store(cut, url=f"sqlite:///{tmp_path / 't.db'}", data_dir=tmp_path / "data")
    assert failed.value.problem == "not_zip"
    assert (
        not (tmp_path / "t.db").exists()
        or migrate.current(f"sqlite:///{tmp_path / 't.db'}") is None
    )


def _as_previous_revision(good: Path, bad: Path, scratch: str) -> tuple[Path, str]:
    """The archive as the previous hanchot would have written it: the schema at the
    revision before the newest, its tables and columns only."""
    cfg_dir = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    previous = cfg_dir.get_revision(migrate.head()).down_revision
    assert isinstance(previous, str)
    migrate.upgrade(scratch, previous)
    engine = db.create_engine(scratch, poolclass=NullPool)
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        found = {
            t: inspector.get_columns(t)
            for t in inspector.get_table_names()
            if t != "alembic_version"
        }
        keys = {t: inspector.get_pk_constraint(t)["constrained_columns"] for t in found}
    engine.dispose()
    columns = {t: [c["name"] for c in cols] for t, cols in found.items()}
    required = {t: [c["name"] for c in cols if not c["nullable"]] for t, cols in found.items()}
    kept: dict[str, int] = {}

    def narrow(content: dict[str, bytes]) -> None:
        for name in [n for n in content if n.startswith("tables/")]:
            table = name.removeprefix("tables/").removesuffix(".jsonl")
            if table not in columns:
                del content[name]
                continue
            rows = [json.loads(line) for line in content[name].splitlines()]
            # Rows the previous schema could not hold (a value its NOT NULL column lacks, a
            # second row under its primary key) were never in a backup it wrote.
            rows = [r for r in rows if all(r[k] is not None for k in required[table])]
            if keys[table]:
                rows = list({tuple(r[k] for k in keys[table]): r for r in rows[::-1]}.values())
            kept[table] = len(rows)
            content[name] = b"".join(
                json.dumps({k: r[k] for k in columns[table]}, ensure_ascii=False).encode() + b"\n"
                for r in rows
            )

    def manifest(m: dict[str, object]) -> None:
        m["schema_revision"] = previous
        entries = m["tables"]
        assert isinstance(entries, list)
        m["tables"] = [
            {
                **t,
                "rows": kept[t["name"]],
                "columns": {k: v for k, v in t["columns"].items() if k in columns[t["name"]]},
            }
            for t in entries
            if t["name"] in columns
        ]

    narrowed = rewrite(good, bad.with_suffix(".tmp"), narrow)
    edit_manifest(narrowed, bad, manifest)
    return bad, previous


@pytest.mark.parametrize("target_state", ["new", "empty at head"])
def test_archive_from_the_previous_revision_is_imported_then_upgraded(
    target_state: str, archive: Path, tmp_path: Path, databases: Databases
) -> None:
    old, previous = _as_previous_revision(archive, tmp_path / "old.zip", databases())
    target = databases()
    if target_state == "empty at head":
        migrate.upgrade(target)  # e.g. the Compose stack's migrate service ran first
    result = import_store(old, url=target, data_dir=tmp_path / "data")
    assert result.manifest.schema_revision == previous
    assert migrate.current(target) == migrate.head()
    restored = snapshot(target)
    with zipfile.ZipFile(old) as zf:
        source = json.loads(zf.read("manifest.json"))
    assert {t["name"]: len(restored[t["name"]]) for t in source["tables"]} == {
        t["name"]: t["rows"] for t in source["tables"]
    }

"""Import a backup archive into a deployment: all of it in one transaction, or nothing.

The archive is verified first (every checksum, every row count) without touching the
database. Then, in one transaction: the target must be empty (or `replace` empties it,
children first); its schema is moved to the archive's revision (upgraded, or downgraded
while its tables are empty), the rows go in a batch at a time parents first, PostgreSQL
sequences are set past the ids inserted, and the schema is upgraded to this hanchot's
newest revision, so rows written by an older hanchot pass through the same data
migrations a live database would. Files are restored under the data dir before the
commit and removed again if it fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from store import db, migrate
from store.backup import BATCH, Progress, tables
from store.backup_format import (
    SECRET_MEMBER,
    ArchiveError,
    HashingReader,
    Manifest,
    TableEntry,
    column_type,
    content_path,
    decode,
    verify,
)
from store.enums import CycleStatus, DeadlineStatus
from store.models import Cycle, UnitDeadline
from store.private import private_dir


class ImportRefused(Exception):
    """The target is not one the archive may go into (`problem`: a code)."""

    def __init__(self, problem: str, detail: str = "", rows: dict[str, int] | None = None):
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = detail
        self.rows = rows or {}


@dataclass
class ImportResult:
    manifest: Manifest
    revision_before: str | None
    revision_after: str
    replaced_rows: int = 0
    files_written: int = 0
    files_present: int = 0
    file_bytes: int = 0
    secret: str = "absent"
    """`restored`, `unchanged` or `absent` (the archive holds no key)."""
    open_cycles: int = 0
    unsettled_deadlines: int = 0
    """Deadlines of open cycles still expecting something: their workflows are not in
    the archive (they live in Temporal's database)."""
    written: list[Path] = field(default_factory=list, repr=False)


def _alembic(connection: sa.Connection | None = None) -> tuple[Config, ScriptDirectory]:
    """Alembic's configuration, running its commands on `connection` (our transaction)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg, ScriptDirectory.from_config(cfg)


def _ancestors(script: ScriptDirectory, revision: str) -> set[str]:
    return {r.revision for r in script.iterate_revisions(revision, "base")}


def check_archive(archive_path: Path) -> Manifest:
    """Every checksum and row count of the archive, and a schema revision this hanchot
    knows: what an import checks before it touches anything."""
    manifest = verify(archive_path)
    try:
        _alembic()[1].get_revision(manifest.schema_revision)
    except (CommandError, RevisionError):
        raise ArchiveError("unknown_revision", "", manifest.schema_revision) from None
    return manifest


def import_store(
    archive_path: Path,
    *,
    url: str | URL | None = None,
    data_dir: Path | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    data_dir = data_dir if data_dir is not None else db.data_dir()
    report = progress or (lambda _what, _n: None)
    manifest = check_archive(archive_path)
    # Foreign keys off on SQLite as for migrations (batch mode rebuilds tables); they are
    # checked once at the end, and PostgreSQL checks every row as it goes in.
    engine = db.create_engine(
        url if url is not None else db.database_url(), foreign_keys=False, poolclass=NullPool
    )
    result: ImportResult | None = None
    written: list[Path] = []
    previous_secret: bytes | None = None
    try:
        with engine.execution_options(**{db.WRITE_OPTION: True}).begin() as connection:
            cfg, script = _alembic(connection)
            before = MigrationContext.configure(connection).get_current_revision()
            result = ImportResult(manifest, before, migrate.head(), written=written)
            result.replaced_rows = _empty_target(connection, manifest, replace)
            _move_schema(cfg, script, before, manifest.schema_revision)
            with zipfile.ZipFile(archive_path) as archive:
                for entry in manifest.tables:
                    _insert_table(connection, archive, manifest, entry, report)
                _reset_sequences(connection, manifest)
                command.upgrade(cfg, "head")
                _check_foreign_keys(connection)
                _restore_files(archive, manifest, data_dir, result, report)
                if manifest.includes_secret:
                    previous_secret = _read_or_none(data_dir / "secret.key")
                    result.secret = _restore_secret(archive, manifest, data_dir)
            _count_open(connection, result)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if result is not None and result.secret == "restored":
            _put_back(data_dir / "secret.key", previous_secret)
        raise
    finally:
        engine.dispose()
    return result


def _empty_target(connection: sa.Connection, manifest: Manifest, replace: bool) -> int:
    """Refuse a target holding rows, unless `replace`: then delete them, children first.
    Only hanchot's own tables are looked at (the archive's and this version's)."""
    ours = {t.name for t in tables()} | {t.name for t in manifest.tables}
    present = [n for n in sa.inspect(connection).get_table_names() if n in ours]
    if not present:
        return 0
    reflected = sa.MetaData()
    reflected.reflect(connection, only=present)
    counts = {
        t.name: int(connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
        for t in reflected.sorted_tables
    }
    rows = {name: n for name, n in counts.items() if n}
    if not rows:
        return 0
    if not replace:
        raise ImportRefused("not_empty", rows=rows)
    for table in reversed(reflected.sorted_tables):
        connection.execute(table.delete())
    return sum(rows.values())


def _move_schema(cfg: Config, script: ScriptDirectory, before: str | None, wanted: str) -> None:
    """Bring the (now empty) target to the archive's revision: upgrading an older schema,
    or downgrading a newer one, which loses nothing while its tables are empty."""
    if before == wanted:
        return
    if before is None or before in _ancestors(script, wanted):
        command.upgrade(cfg, wanted)
        return
    try:
        newer = wanted in _ancestors(script, before)
    except RevisionError:  # a revision from a newer hanchot
        newer = False
    if not newer:
        raise ImportRefused("target_schema", before)
    command.downgrade(cfg, wanted)


def _insert_table(
    connection: sa.Connection,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    entry: TableEntry,
    report: Progress,
) -> None:
    table = sa.Table(
        entry.name,
        sa.MetaData(),
        *(sa.Column(name, column_type(tag)) for name, tag in entry.columns.items()),
    )
    reader = HashingReader(archive, manifest, entry.member)
    columns = set(entry.columns)
    deferred: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0

    def flush() -> None:
        if not batch:
            return
        try:
            connection.execute(table.insert(), batch)
        except (sa_exc.IntegrityError, sa_exc.DataError) as e:
            raise ArchiveError("rejected_row", entry.member, _first_line(e)) from None
        report(entry.name, len(batch))
        batch.clear()

    for line in reader.lines():
        count += 1
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict) or set(raw) != columns:
                raise ValueError("columns differ from the manifest")
            row = {name: decode(entry.columns[name], raw[name]) for name in entry.columns}
        except ValueError as e:  # JSONDecodeError is a ValueError
            raise ArchiveError("bad_row", entry.member, str(count)) from e
        # A row may point at one later in the same table (a unit's parent added to the
        # calendar after it): such links are set once the whole table is in.
        links = {c: row[c] for c in entry.self_refs if row[c] is not None}
        if links:
            deferred.append({**{f"pk_{k}": row[k] for k in entry.primary_key}, **links})
            row.update(dict.fromkeys(links))
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()
    reader.check()
    if count != entry.rows:
        raise ArchiveError("row_count", entry.member, f"{count}/{entry.rows}")
    for column in entry.self_refs:
        updates = [
            {"value": d[column], **{k: v for k, v in d.items() if k.startswith("pk_")}}
            for d in deferred
            if column in d
        ]
        if updates:
            match = [table.c[k] == sa.bindparam(f"pk_{k}") for k in entry.primary_key]
            stmt = table.update().where(*match).values({column: sa.bindparam("value")})
            connection.execute(stmt, updates)


def _first_line(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(origin).splitlines() if line.strip()]
    return lines[0] if lines else type(origin).__name__


def _reset_sequences(connection: sa.Connection, manifest: Manifest) -> None:
    """Explicit ids do not move PostgreSQL's sequences: set each past the largest id, or
    the next row inserted would collide with one restored. (SQLite needs nothing.)"""
    if connection.dialect.name != "postgresql":
        return
    for entry in manifest.tables:
        if len(entry.primary_key) != 1 or entry.columns[entry.primary_key[0]] != "int":
            continue
        table, pk = entry.name, entry.primary_key[0]
        connection.execute(
            sa.text(
                f'SELECT setval(pg_get_serial_sequence(:table, :pk), COALESCE(MAX("{pk}"), 1), '
                f'MAX("{pk}") IS NOT NULL) FROM "{table}"'
            ),
            {"table": table, "pk": pk},
        )


def _check_foreign_keys(connection: sa.Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        table, rowid, parent, _ = violations[0]
        raise ArchiveError("foreign_keys", f"tables/{table}.jsonl", f"{rowid}/{parent}")


def _restore_files(
    archive: zipfile.ZipFile,
    manifest: Manifest,
    data_dir: Path,
    result: ImportResult,
    report: Progress,
) -> None:
    """Content-addressed files: one already there with the right content is kept."""
    for member in manifest.file_members():
        named = content_path(member)
        if named is None:
            raise ArchiveError("file_name", member)
        relative, sha = named
        target = data_dir / relative
        if target.is_file() and _sha256_of(target) == sha:
            result.files_present += 1
            result.file_bytes += target.stat().st_size
            report("files", 1)
            continue
        private_dir(target.parent)
        reader = HashingReader(archive, manifest, member)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in reader.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            reader.check()
            if reader.digest.hexdigest() != sha:
                raise ArchiveError("file_name", member)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        result.written.append(target)
        result.files_written += 1
        result.file_bytes += reader.size
        report("files", 1)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _restore_secret(archive: zipfile.ZipFile, manifest: Manifest, data_dir: Path) -> str:
    reader = HashingReader(archive, manifest, SECRET_MEMBER)
    key = b"".join(reader.chunks())
    reader.check()
    path = data_dir / "secret.key"
    if _read_or_none(path) == key:
        return "unchanged"
    _put_back(path, key)
    return "restored"


def _put_back(path: Path, content: bytes | None) -> None:
    """Write the key file (0600, atomically), or remove it when `content` is None."""
    if content is None:
        path.unlink(missing_ok=True)
        return
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _count_open(connection: sa.Connection, result: ImportResult) -> None:
    settled = [s for s in DeadlineStatus if s.is_settled]
    result.open_cycles = int(
        connection.scalar(
            sa.select(sa.func.count()).select_from(Cycle).where(Cycle.status == CycleStatus.OPEN)
        )
        or 0
    )
    result.unsettled_deadlines = int(
        connection.scalar(
            sa.select(sa.func.count())
            .select_from(UnitDeadline)
            .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
            .where(Cycle.status == CycleStatus.OPEN, UnitDeadline.status.not_in(settled))
        )
        or 0
    )

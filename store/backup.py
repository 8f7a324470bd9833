"""Export a whole deployment's store into one backup archive (see `store.backup_format`).

Every table of the metadata is written, parents before children, from one read
transaction (a consistent snapshot: REPEATABLE READ on PostgreSQL, one SQLite read
transaction), a batch of rows at a time; then the content-addressed files of the data dir;
the deployment key only when asked. The archive is written beside its target and renamed
into place at the end, so a failed export never leaves half an archive under that name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

import store.models  # noqa: F401  (registers every table on the metadata)
from store import db, migrate
from store.backup_format import (
    CHUNK,
    FILE_KINDS,
    FILES_DIR,
    MANIFEST,
    SECRET_MEMBER,
    Manifest,
    TableEntry,
    content_path,
    dump_row,
    encode,
    type_tag,
)
from store.base import Base
from store.private import private_dir

BATCH = 1000
FILE_COLUMNS = {"evidence": "storage_path", "inbound_messages": "original_path"}
"""Columns naming a file under the data dir: a row whose file is gone is reported."""
Progress = Callable[[str, int], None]
"""Called with (what, how many more) as rows and files are written."""


class ExportRefused(Exception):
    """The database is not in a state this hanchot can export (`problem`: a code)."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: Manifest
    archive_bytes: int
    file_bytes: int


def hanchot_version() -> str:
    try:
        return importlib_metadata.version("hanchot")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def tables() -> list[sa.Table]:
    """Every table hanchot owns, parents before children (foreign-key order)."""
    return list(Base.metadata.sorted_tables)


def table_entry(table: sa.Table) -> TableEntry:
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    return TableEntry(
        name=table.name,
        rows=0,
        columns={c.name: type_tag(c) for c in table.columns},
        primary_key=[c.name for c in table.primary_key.columns],
        self_refs=sorted(self_refs),
    )


def configured_secret(data_dir: Path) -> str | None:
    """The key the processes sign with, found as they find it (`web.settings`), but never
    created: `$HANCHOT_SECRET`, the file `$HANCHOT_SECRET_FILE`, `<data dir>/secret.key`."""
    if os.environ.get("HANCHOT_SECRET"):
        return os.environ["HANCHOT_SECRET"]
    if os.environ.get("HANCHOT_SECRET_FILE"):
        path = Path(os.environ["HANCHOT_SECRET_FILE"])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            raise ExportRefused("secret_file", str(path)) from None
    try:
        return (data_dir / "secret.key").read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def export_store(
    target: Path,
    *,
    url: str | URL | None = None,
    data_dir: Path | None = None,
    include_secret: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    data_dir = data_dir if data_dir is not None else db.data_dir()
    report = progress or (lambda _what, _n: None)
    private_dir(target.parent)  # new dirs only: the user may have named a shared one
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest, referenced = _write_tables(archive, url, report)
            file_bytes = _write_files(archive, manifest, data_dir, referenced, report)
            if include_secret:
                key = configured_secret(data_dir)
                if key is None:
                    raise ExportRefused("no_secret", str(data_dir / "secret.key"))
                _write_member(archive, manifest, SECRET_MEMBER, (key + "\n").encode("ascii"))
                manifest.includes_secret = True
            archive.writestr(MANIFEST, manifest.to_json())
        with tmp.open("rb") as done:
            os.fsync(done.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(target, manifest, target.stat().st_size, file_bytes)


def _write_member(archive: zipfile.ZipFile, manifest: Manifest, name: str, data: bytes) -> None:
    archive.writestr(name, data)
    manifest.members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_tables(
    archive: zipfile.ZipFile, url: str | URL | None, report: Progress
) -> tuple[Manifest, set[str]]:
    engine = db.create_engine(url if url is not None else db.database_url(), poolclass=NullPool)
    try:
        options: dict[str, Any] = {}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        with engine.connect().execution_options(**options) as connection, connection.begin():
            revision = _check_schema(connection)
            manifest = Manifest(
                hanchot_version=hanchot_version(),
                schema_revision=revision,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                source=engine.dialect.name,
                tables=[],
                members={},
            )
            referenced: set[str] = set()
            for table in tables():
                entry = table_entry(table)
                entry.rows = _write_table(archive, manifest, connection, table, entry, report)
                manifest.tables.append(entry)
                column = table.c.get(FILE_COLUMNS.get(table.name, ""))
                if column is not None:
                    named = connection.scalars(sa.select(column).where(column.is_not(None)))
                    referenced |= set(named)
    finally:
        engine.dispose()
    return manifest, referenced


def _check_schema(connection: sa.Connection) -> str:
    """The database must be at this hanchot's newest revision, with no table it does not
    know: the archive is written from the models, so anything else would be lost."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    head = migrate.head()
    if revision != head:
        raise ExportRefused("schema", revision or "-")
    present = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    unknown = sorted(present - {t.name for t in tables()})
    if unknown:
        raise ExportRefused("unknown_tables", ", ".join(unknown))
    return head


def _write_table(
    archive: zipfile.ZipFile,
    manifest: Manifest,
    connection: sa.Connection,
    table: sa.Table,
    entry: TableEntry,
    report: Progress,
) -> int:
    digest, size, rows = hashlib.sha256(), 0, 0
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(query)
    with archive.open(entry.member, "w", force_zip64=True) as out:
        for batch in result.partitions():
            chunk = b"".join(
                dump_row({k: encode(entry.columns[k], v) for k, v in row._mapping.items()})
                for row in batch
            )
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            rows += len(batch)
            report(table.name, len(batch))
    manifest.members[entry.member] = {"sha256": digest.hexdigest(), "size": size}
    return rows


def _content_files(data_dir: Path) -> list[str]:
    """Relative paths of the content-addressed files under the data dir, sorted."""
    found = []
    for kind in FILE_KINDS:
        root = data_dir / kind
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            relative = path.relative_to(data_dir).as_posix()
            if path.is_file() and content_path(FILES_DIR + relative) is not None:
                found.append(relative)
    return sorted(found)


def _write_files(
    archive: zipfile.ZipFile,
    manifest: Manifest,
    data_dir: Path,
    referenced: set[str],
    report: Progress,
) -> int:
    total = 0
    present = _content_files(data_dir)
    for relative in present:
        digest, size = _file_digest(data_dir / relative)
        if digest != relative.rsplit("/", 1)[-1]:
            # Damaged on disk: keeping it would make the whole archive fail to import.
            manifest.damaged_files.append(relative)
            continue
        member = FILES_DIR + relative
        # Stored, not deflated: reports arrive as PDF, DOCX, JPEG, already compressed, and
        # deflating them again made the export five times slower for nothing.
        archive.write(data_dir / relative, member, compress_type=zipfile.ZIP_STORED)
        manifest.members[member] = {"sha256": digest, "size": size}
        total += size
        report("files", 1)
    manifest.missing_files = sorted(referenced - set(present))
    return total


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size

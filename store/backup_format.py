"""The backup archive's format: members, manifest, per-column encoding, and verification.

A backup is one zip file: `manifest.json`, one JSON Lines file per table under `tables/`,
the content-addressed files of the data dir under `files/`, and `secret.key` only when
asked for. Values are encoded by the column's type (recorded in the manifest), never
guessed from the value, so a JSON string that looks like a date stays a string.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from store.base import UTCDateTime

FORMAT = "hanchot-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
FILES_DIR = "files/"
SECRET_MEMBER = "secret.key"
FILE_KINDS = ("evidence", "inbound")
"""Data-dir folders holding content-addressed files (`<kind>/<sha[:2]>/<sha>`, see
`store.evidence.EvidenceStore.put`): submission evidence and raw inbound mail."""
CHUNK = 1024 * 1024
_FILE_NAME = re.compile(r"^(?P<kind>[a-z]+)/(?P<prefix>[0-9a-f]{2})/(?P<sha>[0-9a-f]{64})$")


class ArchiveError(Exception):
    """The archive cannot be trusted. `problem` is a code the CLI turns into Vietnamese;
    `member` names the part of the archive at fault."""

    def __init__(self, problem: str, member: str = "", detail: str = "") -> None:
        super().__init__(f"{problem}: {member} {detail}".strip())
        self.problem = problem
        self.member = member
        self.detail = detail


# --- column encoding ----------------------------------------------------------------------


def type_tag(column: sa.Column[Any]) -> str:
    """The encoding of a column's values; an unknown type fails the export loudly."""
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return "datetime"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.Enum):  # before String: Enum is a String
        return "enum"
    if isinstance(kind, sa.JSON):
        return "json"
    if isinstance(kind, sa.Boolean):
        return "bool"
    if isinstance(kind, sa.Integer):
        return "int"
    if isinstance(kind, sa.Float):
        return "float"
    if isinstance(kind, sa.Numeric):
        return "decimal"
    if isinstance(kind, sa.LargeBinary):
        return "bytes"
    if isinstance(kind, sa.String):
        return "str"
    raise TypeError(f"{column.table.name}.{column.name}: no backup encoding for {kind!r}")


def encode(tag: str, value: Any) -> Any:
    if value is None:
        return None
    if tag == "datetime":
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} in the store")
        return value.isoformat()
    if tag == "date":
        return value.isoformat()
    if tag == "enum":
        return getattr(value, "value", value)
    if tag == "bytes":
        return base64.b64encode(value).decode("ascii")
    if tag == "decimal":
        return str(value)
    return value


def decode(tag: str, value: Any) -> Any:
    if value is None:
        return None
    if tag == "datetime":
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError(f"datetime without a time zone: {value!r}")
        return instant
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "bytes":
        return base64.b64decode(value, validate=True)
    if tag == "decimal":
        return Decimal(value)
    return value


def column_type(tag: str) -> sa.types.TypeEngine[Any]:
    """The type used to insert a decoded value: enums go in as their stored text, and the
    database's own CHECK constraints still judge them."""
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "datetime": UTCDateTime(),
        "date": sa.Date(),
        "enum": sa.String(),
        "json": sa.JSON(),
        "bool": sa.Boolean(),
        "int": sa.BigInteger(),
        "float": sa.Float(),
        "decimal": sa.Numeric(),
        "bytes": sa.LargeBinary(),
        "str": sa.Text(),
    }
    return types[tag]


def dump_row(row: dict[str, Any]) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- manifest -----------------------------------------------------------------------------


@dataclass
class TableEntry:
    name: str
    rows: int
    columns: dict[str, str]
    """Column name -> type tag, in table order."""
    primary_key: list[str]
    self_refs: list[str] = field(default_factory=list)
    """Columns referring to the same table (a unit's parent): inserted in a second pass."""

    @property
    def member(self) -> str:
        return f"{TABLES_DIR}{self.name}.jsonl"


@dataclass
class Manifest:
    hanchot_version: str
    schema_revision: str
    created_at: str
    source: str
    """The backend exported from (`sqlite`, `postgresql`)."""
    tables: list[TableEntry]
    """In foreign-key dependency order: parents first."""
    members: dict[str, dict[str, Any]]
    """Member name -> {"sha256", "size"} for every member but the manifest."""
    includes_secret: bool = False
    missing_files: list[str] = field(default_factory=list)
    """Files the evidence rows name that were not on disk at export."""
    damaged_files: list[str] = field(default_factory=list)
    """Files on disk whose content no longer matched their name (left out)."""
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        data = {
            "format": self.format,
            "format_version": self.format_version,
            "hanchot_version": self.hanchot_version,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "source": self.source,
            "includes_secret": self.includes_secret,
            "tables": [vars(t) for t in self.tables],
            "members": self.members,
            "missing_files": self.missing_files,
            "damaged_files": self.damaged_files,
        }
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ArchiveError("format", MANIFEST, str(data.get("format")))
            if data.get("format_version") != FORMAT_VERSION:
                raise ArchiveError("format_version", MANIFEST, str(data.get("format_version")))
            return cls(
                hanchot_version=data["hanchot_version"],
                schema_revision=data["schema_revision"],
                created_at=data["created_at"],
                source=data["source"],
                tables=[TableEntry(**t) for t in data["tables"]],
                members=data["members"],
                includes_secret=bool(data.get("includes_secret")),
                missing_files=list(data.get("missing_files", [])),
                damaged_files=list(data.get("damaged_files", [])),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ArchiveError("bad_manifest", MANIFEST, str(e)) from None

    def file_members(self) -> list[str]:
        return sorted(m for m in self.members if m.startswith(FILES_DIR))

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


def content_path(member: str) -> tuple[str, str] | None:
    """`files/evidence/ab/<sha>` -> ("evidence/ab/<sha>", sha); None if not of that shape."""
    match = _FILE_NAME.match(member.removeprefix(FILES_DIR))
    if not member.startswith(FILES_DIR) or match is None:
        return None
    if match["kind"] not in FILE_KINDS or match["sha"][:2] != match["prefix"]:
        return None
    return member.removeprefix(FILES_DIR), match["sha"]


# --- reading ------------------------------------------------------------------------------


def open_archive(path: Path) -> tuple[zipfile.ZipFile, Manifest]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise ArchiveError("not_zip", str(path), str(e)) from None
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        archive.close()
        raise ArchiveError("missing_member", MANIFEST) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        archive.close()
        raise ArchiveError("corrupt_member", MANIFEST, str(e)) from None
    try:
        return archive, Manifest.from_json(raw)
    except ArchiveError:
        archive.close()
        raise


class HashingReader:
    """A member read once, hashed as it goes; `check()` compares with the manifest."""

    def __init__(self, archive: zipfile.ZipFile, manifest: Manifest, member: str) -> None:
        self.member = member
        expected = manifest.members.get(member)
        if expected is None:
            raise ArchiveError("unlisted_member", member)
        self.expected = expected
        self.digest = hashlib.sha256()
        self.size = 0
        try:
            self._stream: IO[bytes] = archive.open(member)
        except KeyError:
            raise ArchiveError("missing_member", member) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise ArchiveError("corrupt_member", member, str(e)) from None

    def chunks(self) -> Iterator[bytes]:
        while True:
            chunk = self._read(CHUNK)
            if not chunk:
                return
            yield chunk

    def lines(self) -> Iterator[bytes]:
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
        if pending:
            raise ArchiveError("corrupt_member", self.member, "last line is cut short")

    def _read(self, size: int) -> bytes:
        try:
            chunk = self._stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise ArchiveError("corrupt_member", self.member, str(e)) from None
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def check(self) -> None:
        self._stream.close()
        if self.size != self.expected.get("size") or (
            self.digest.hexdigest() != self.expected.get("sha256")
        ):
            raise ArchiveError("checksum", self.member)


def verify(path: Path) -> Manifest:
    """Read every member once: checksums, row counts, file names. Touches no database."""
    archive, manifest = open_archive(path)
    with archive:
        for table in manifest.tables:
            reader = HashingReader(archive, manifest, table.member)
            count = sum(1 for _ in reader.lines())
            reader.check()
            if count != table.rows:
                raise ArchiveError("row_count", table.member, f"{count}/{table.rows}")
        for member in manifest.file_members():
            named = content_path(member)
            if named is None:
                raise ArchiveError("file_name", member)
            reader = HashingReader(archive, manifest, member)
            for _ in reader.chunks():
                pass
            reader.check()
            if reader.digest.hexdigest() != named[1]:
                raise ArchiveError("file_name", member)
        if manifest.includes_secret:
            reader = HashingReader(archive, manifest, SECRET_MEMBER)
            for _ in reader.chunks():
                pass
            reader.check()
        listed = {t.member for t in manifest.tables} | set(manifest.file_members())
        if manifest.includes_secret:
            listed.add(SECRET_MEMBER)
        extra = set(manifest.members) - listed
        if extra:
            raise ArchiveError("unlisted_member", sorted(extra)[0])
    return manifest

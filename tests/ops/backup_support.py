"""Databases made on demand for backup tests, and surgery on archives (as damage would do,
or as an older hanchot would have written them)."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.store.conftest import _admin_url, _libpq

Databases = Callable[[], str]


@pytest.fixture
def sqlite_databases(tmp_path: Path) -> Databases:
    names = iter(range(1_000))
    return lambda: f"sqlite:///{tmp_path / f'db{next(names)}.db'}"


@pytest.fixture
def postgres_databases() -> Iterator[Databases]:
    """New empty PostgreSQL databases, as many as a test asks for, dropped afterwards."""
    admin = _admin_url()
    made: list[str] = []

    def make() -> str:
        name = f"hanchot_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    yield make
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest) -> Databases:
    """Empty databases on each backend in turn."""
    fixture = "sqlite_databases" if request.param == "sqlite" else "postgres_databases"
    made: Databases = request.getfixturevalue(fixture)
    return made


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(
    path: Path,
    target: Path,
    change: Callable[[dict[str, bytes]], None],
    *,
    fix_manifest: bool = True,
) -> Path:
    """A copy of the archive with its members changed; with `fix_manifest`, the manifest's
    checksums are recomputed, as a forger (or a buggy writer) would."""
    content = members(path)
    manifest = json.loads(content.pop("manifest.json"))
    change(content)
    if fix_manifest:
        manifest["members"] = {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in content.items()
        }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in content.items():
            out.writestr(name, data)
        out.writestr("manifest.json", json.dumps(manifest))
    return target


def edit_manifest(path: Path, target: Path, change: Callable[[dict[str, object]], None]) -> Path:
    content = members(path)
    manifest = json.loads(content["manifest.json"])
    change(manifest)
    content["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in content.items():
            out.writestr(name, data)
    return target


def flip_byte_inside(path: Path, member: str) -> None:
    """Flip one byte in the middle of a member's stored data, as a bad disk would."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = bytearray(path.read_bytes())
    start = info.header_offset
    name_len = int.from_bytes(raw[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(raw[start + 28 : start + 30], "little")
    data_at = start + 30 + name_len + extra_len
    raw[data_at + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))

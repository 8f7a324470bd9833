"""Where a running `hanchot dev` listens, recorded in its data dir, and the lock that keeps
a second `hanchot dev` off the same data.

`hanchot dev` takes an exclusive lock on `<data dir>/dev.lock` before it starts anything
(the kernel releases it when the process dies, so a crash never leaves a stale lock) and,
once ready, writes `<data dir>/dev.json`: its pid and the Temporal, dashboard and SMTP
addresses. Every other command run with the same data dir reads that file when no
explicit setting names the address (`hanchot.settings`), so `hanchot status` or
`hanchot doctor` in the same folder reach the stack even though its ports are free ports
chosen at start. A file left by a process that is gone is ignored.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

ADDRESS_FILE = "dev.json"
LOCK_FILE = "dev.lock"


@dataclass(frozen=True)
class DevAddresses:
    pid: int
    temporal: str
    dashboard: str
    smtp: str


class DevAlreadyRunning(Exception):
    """Another `hanchot dev` holds the data dir's lock."""

    def __init__(self, data_dir: Path, running: DevAddresses | None) -> None:
        super().__init__(str(data_dir))
        self.data_dir = data_dir
        self.running = running


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read(data_dir: Path) -> DevAddresses | None:
    """The addresses of the `hanchot dev` running on `data_dir`; None when there is none
    (no file, a damaged file, or one left by a process that is gone)."""
    try:
        raw = json.loads((data_dir / ADDRESS_FILE).read_text(encoding="utf-8"))
        found = DevAddresses(
            int(raw["pid"]), str(raw["temporal"]), str(raw["dashboard"]), str(raw["smtp"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if _alive(found.pid) else None


def write(data_dir: Path, addresses: DevAddresses) -> None:
    """Record the addresses atomically (a reader never sees half a file)."""
    target = data_dir / ADDRESS_FILE
    partial = data_dir / f".{ADDRESS_FILE}.{os.getpid()}"
    partial.write_text(json.dumps(asdict(addresses)), encoding="utf-8")
    os.replace(partial, target)


def forget(data_dir: Path) -> None:
    """Remove the record, if it is ours."""
    found = read(data_dir)
    if found is None or found.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (data_dir / ADDRESS_FILE).unlink()


@contextlib.contextmanager
def single_instance(data_dir: Path) -> Iterator[None]:
    """Hold the data dir's lock for the block; raise DevAlreadyRunning if it is held."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (data_dir / LOCK_FILE).open("a")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DevAlreadyRunning(data_dir, read(data_dir)) from None
        try:
            yield
        finally:
            forget(data_dir)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()

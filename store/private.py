"""Everything hanchot writes is its user's alone: the database, the data dir, evidence and
raw mail, the secret key, backups. They hold people's addresses, reports and the key that
signs every link, and the default umask (022) would leave them readable by every account
on the machine.

Two layers, one rule. Each process starts with `keep_private()` (umask 077), so whatever
it or a child (the Temporal dev server, SQLite's -wal and -shm, the local mail server)
creates is 0600/0700, whatever library made it. And the places that hold data make their
directories with `private_dir` and the SQLite file with `private_file`, so they are private
when hanchot's code runs inside another program too (tests, an ASGI server importing the
dashboard); a data dir or database left readable by an older version is tightened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """Add 077 to the process umask (never loosens a stricter one)."""
    current = os.umask(PRIVATE_UMASK)
    os.umask(current | PRIVATE_UMASK)


def _tighten(path: Path) -> None:
    """Drop group and other bits of a path this user owns (someone else's: leave it)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and info.st_mode & PRIVATE_UMASK:
        path.chmod(stat.S_IMODE(info.st_mode) & ~PRIVATE_UMASK)


def private_dir(path: Path, *, ours: bool = False) -> Path:
    """Make `path` (and missing parents) 0700. `ours`: the directory is hanchot's own (the
    data dir and what is inside it), so an existing one is tightened too; a directory the
    user named for other things (where a backup goes) is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        _tighten(created)
    if ours:
        _tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and 0600 if missing, else tighten it (a database file: SQLite
    gives its -wal and -shm the mode of the database)."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path)
    return path

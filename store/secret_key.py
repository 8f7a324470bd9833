"""The deployment's signing key file, shared by every process (bot, notifier, web).

One implementation on purpose: the notifier signs submit links and reply tokens, the web
checks them, so both must read (or, first, create) exactly the same key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from store.private import private_dir


def deployment_secret(data_dir: Path) -> str:
    """`<data dir>/secret.key`, created (0600) on first use; whichever process starts first
    makes it, and the others read the same key."""
    path = data_dir / "secret.key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    private_dir(data_dir, ours=True)
    key = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key

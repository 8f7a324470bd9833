"""Files received as evidence of a submission, stored by content under the data dir.

A file is written once under `evidence/<sha[:2]>/<sha>` (atomic rename, so a reader
never sees half a file); the same bytes sent twice are stored once. The database rows
(`Evidence`) point here with the path relative to the store's root.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store.private import private_dir

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Telegram's Bot API lets a bot download at most 20 MB; mail gets the same limit."""


class TooLarge(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes is over the limit of {limit}")
        self.size = size
        self.limit = limit


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_name: str
    sha256: str
    size: int
    content_type: str
    storage_path: str
    """Relative to the evidence root, e.g. `evidence/ab/abcd...`."""


class EvidenceStore:
    def __init__(self, data_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.data_dir = data_dir
        self.max_bytes = max_bytes

    def path_of(self, stored: StoredFile) -> Path:
        return self.data_dir / stored.storage_path

    def put(
        self, data: bytes, file_name: str, content_type: str, kind: str = "evidence"
    ) -> StoredFile:
        if len(data) > self.max_bytes:
            raise TooLarge(len(data), self.max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        relative = Path(kind) / digest[:2] / digest
        target = self.data_dir / relative
        if not target.exists():
            private_dir(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return StoredFile(
            file_name=safe_name(file_name),
            sha256=digest,
            size=len(data),
            content_type=content_type or "application/octet-stream",
            storage_path=relative.as_posix(),
        )


def safe_name(name: str) -> str:
    """The name as sent, minus any directory part and control characters (kept for
    display only: files are stored by hash, never by this name)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:255] or "tệp"

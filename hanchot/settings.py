"""Process settings from the environment, with the embedded defaults of `hanchot dev`.

HANCHOT_TEMPORAL_ADDRESS   Temporal frontend (default localhost:7233)
HANCHOT_TEMPORAL_NAMESPACE (default "default")
HANCHOT_TASK_QUEUE         (default "hanchot")
HANCHOT_CONFIG             calendar files, separated by the OS path separator; empty means
                           the files the store remembers loading (`hanchot load`)
The database is `HANCHOT_DATABASE_URL` / `HANCHOT_DATA_DIR` (see store.db).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from workflows.types import TASK_QUEUE


@dataclass(frozen=True)
class Settings:
    temporal_address: str = "localhost:7233"
    namespace: str = "default"
    task_queue: str = TASK_QUEUE
    config_paths: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls) -> Settings:
        raw = os.environ.get("HANCHOT_CONFIG", "")
        return cls(
            temporal_address=os.environ.get("HANCHOT_TEMPORAL_ADDRESS") or "localhost:7233",
            namespace=os.environ.get("HANCHOT_TEMPORAL_NAMESPACE") or "default",
            task_queue=os.environ.get("HANCHOT_TASK_QUEUE") or TASK_QUEUE,
            config_paths=tuple(Path(p) for p in raw.split(os.pathsep) if p),
        )

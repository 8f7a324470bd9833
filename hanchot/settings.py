"""Process settings from the environment, with the embedded defaults of `hanchot dev`.

HANCHOT_TEMPORAL_ADDRESS   Temporal frontend (default: the address a `hanchot dev` running
                           on the same data dir recorded, see `hanchot.devaddress`;
                           else localhost:7233)
HANCHOT_TEMPORAL_NAMESPACE (default "default")
HANCHOT_TASK_QUEUE         (default "hanchot")
HANCHOT_CONFIG             calendar files `hanchot worker` publishes before it starts (as
                           `hanchot load`), separated by the OS path separator; empty: the
                           engine runs on the revisions already published in the store
HANCHOT_METRICS_ADDRESS    host:port of the process's Prometheus endpoint (/metrics);
                           empty: none (worker, notify, bot, dev)
HANCHOT_TEMPORAL_METRICS_ADDRESS  host:port of the Temporal SDK's own Prometheus endpoint
                           (worker, notify, bot, dev); empty: none
HANCHOT_LOG_FORMAT         text (default) | json: one object per line
HANCHOT_LOG_LEVEL          debug | info | warning | error (default: info; warning for
                           `hanchot dev`, whose console is a person's)
The database is `HANCHOT_DATABASE_URL` / `HANCHOT_DATA_DIR` (see store.db). Values are
checked where they are used (`hanchot.logs`, `hanchot.metrics`), so a command that does
not log or serve metrics never fails on them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from boundary.types import TASK_QUEUE
from hanchot import devaddress
from store.db import data_dir

DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"


@dataclass(frozen=True)
class Settings:
    temporal_address: str = DEFAULT_TEMPORAL_ADDRESS
    namespace: str = "default"
    task_queue: str = TASK_QUEUE
    config_paths: tuple[Path, ...] = field(default_factory=tuple)
    metrics_address: str = ""
    temporal_metrics_address: str = ""
    log_format: str = "text"
    log_level: str = ""
    """Empty: the command's default."""

    @classmethod
    def from_env(cls) -> Settings:
        raw = os.environ.get("HANCHOT_CONFIG", "")
        return cls(
            temporal_address=os.environ.get("HANCHOT_TEMPORAL_ADDRESS") or _dev_temporal(),
            namespace=os.environ.get("HANCHOT_TEMPORAL_NAMESPACE") or "default",
            task_queue=os.environ.get("HANCHOT_TASK_QUEUE") or TASK_QUEUE,
            config_paths=tuple(Path(p) for p in raw.split(os.pathsep) if p),
            metrics_address=(os.environ.get("HANCHOT_METRICS_ADDRESS") or "").strip(),
            temporal_metrics_address=(
                os.environ.get("HANCHOT_TEMPORAL_METRICS_ADDRESS") or ""
            ).strip(),
            log_format=(os.environ.get("HANCHOT_LOG_FORMAT") or "text").strip().lower(),
            log_level=(os.environ.get("HANCHOT_LOG_LEVEL") or "").strip().lower(),
        )


def _dev_temporal() -> str:
    """The Temporal address of the `hanchot dev` running on this data dir, if any."""
    running = devaddress.read(data_dir())
    return running.temporal if running else DEFAULT_TEMPORAL_ADDRESS

"""Several processes start at once on a new database (`hanchot web` replicas, a worker,
`hanchot db upgrade`), each migrating it: one migrates, the others wait and find it done."""

from __future__ import annotations

import subprocess
import sys

from store import migrate

PROCESSES = 4
UPGRADE = "import sys; from store import migrate; print(migrate.upgrade(sys.argv[1]).changed)"


def test_processes_migrating_at_once_migrate_once(db_url: str) -> None:
    started = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE, db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in started]
    failures = [err.strip().splitlines()[-1:] for code, _, err in results if code]
    print(f"{PROCESSES} processes migrating: {len(failures)} failed")
    assert failures == []
    changed = [out.strip() for _, out, _ in results]
    assert sorted(changed) == ["False"] * (PROCESSES - 1) + ["True"]
    assert migrate.current(db_url) == migrate.head()

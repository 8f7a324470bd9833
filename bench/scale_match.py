"""Matching a reply's token to its deadline at 10,000 and 100,000 deadlines: before (the
scan: load every deadline and sign each workflow id, as `find_target` did until issue 20)
and after (the stored, indexed `reply_token`, one read and one HMAC to confirm).

    .venv/bin/python bench/scale_match.py                      # SQLite file, 10k and 100k
    .venv/bin/python bench/scale_match.py --sizes 10000 --lookups 50
    .venv/bin/python bench/scale_match.py --database-url postgresql://…/empty_db

For each size: the one-off cost of signing every row (what the notifier does at its
first start after migration 0016, off the event loop), then the median and worst of
`--lookups` lookups of tokens spread over the table, both ways, in milliseconds. A poll
of 200 replies costs 200 lookups: the last column.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from activities.store_access import StoreAccess  # noqa: E402
from notifier import tokens  # noqa: E402
from notifier.mailbox import matching  # noqa: E402
from store import db, migrate  # noqa: E402
from store.calendars import save_calendar  # noqa: E402
from store.models import Cycle, Obligation, Unit, UnitDeadline  # noqa: E402
from tests.store.store_factories import calendar  # noqa: E402

SECRET = "bench-secret"
END = datetime(2025, 6, 14, 17, 0, tzinfo=UTC)


def scan(store: StoreAccess, secret: str, token: str) -> int | None:
    """The matching before issue 20, verbatim: every row loaded and signed."""
    with store.read() as session:
        rows = session.execute(sa.select(UnitDeadline.id, UnitDeadline.workflow_id)).all()
        match = next(
            (r for r in rows if tokens.deadline_token(secret, r.workflow_id) == token), None
        )
        return match.id if match is not None else None


def grow(store: StoreAccess, size: int) -> None:
    """Deadlines up to `size`: the test calendar's units over as many cycles as needed."""
    with store.write() as session:
        have = session.scalar(sa.select(sa.func.count()).select_from(UnitDeadline)) or 0
        if not have:
            save_calendar(session, calendar(), "huyen-thu.yaml")
        obligation = session.scalars(sa.select(Obligation).order_by(Obligation.id)).first()
        assert obligation is not None
        units = session.execute(sa.select(Unit.id, Unit.key)).all()
        cycles = session.scalar(sa.select(sa.func.count()).select_from(Cycle)) or 0
    while have < size:
        period = f"P{cycles:06d}"
        with store.write() as session:
            cycle_id = session.execute(
                sa.insert(Cycle)
                .values(
                    workflow_id=f"cycle/huyen-thu/{obligation.key}/{period}",
                    obligation_id=obligation.id,
                    period=period,
                    snapshot={},
                )
                .returning(Cycle.id)
            ).scalar_one()
            batch = units[: size - have]
            session.execute(
                sa.insert(UnitDeadline),
                [
                    {
                        "workflow_id": f"deadline/huyen-thu/{obligation.key}/{period}/{key}",
                        "cycle_id": cycle_id,
                        "unit_id": unit_id,
                        "legal_end_at": END,
                    }
                    for unit_id, key in batch
                ],
            )
        have += len(batch)
        cycles += 1


def timed(lookup: Callable[[str], int | None], wanted: list[tuple[str, int]]) -> list[float]:
    times = []
    for token, deadline_id in wanted:
        began = time.perf_counter()
        found = lookup(token)
        times.append((time.perf_counter() - began) * 1000)
        assert found == deadline_id, (token, found, deadline_id)
    return times


def sample(store: StoreAccess, lookups: int) -> list[tuple[str, int]]:
    with store.read() as session:
        rows = session.execute(sa.select(UnitDeadline.id, UnitDeadline.workflow_id)).all()
    picked = random.Random(20).sample(rows, min(lookups, len(rows)))
    return [(tokens.deadline_token(SECRET, r.workflow_id), r.id) for r in picked]


def run(url: str, sizes: list[int], lookups: int) -> None:
    migrate.upgrade(url)
    store = StoreAccess(db.create_engine(url))
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {db.masked(url).split(':')[0]}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'deadlines':>10} {'sign new (s)':>13} {'scan med':>9} {'scan max':>9} "
        f"{'index med':>10} {'index max':>10} {'200 replies: scan / index':>27}"
    )
    for size in sizes:
        grow(store, size)
        wanted = sample(store, lookups)
        before = timed(lambda t: scan(store, SECRET, t), wanted)
        began = time.perf_counter()
        matching.fill(store, SECRET)
        signing = time.perf_counter() - began
        after = timed(lambda t: matching.deadline_of(store, SECRET, t), wanted)
        med_b, med_a = statistics.median(before), statistics.median(after)
        print(
            f"{size:>10,} {signing:>13.1f} {med_b:>9.1f} {max(before):>9.1f} "
            f"{med_a:>10.2f} {max(after):>10.2f} "
            f"{200 * med_b / 1000:>17.1f} s / {200 * med_a / 1000:.2f} s"
        )
    store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--lookups", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='hanchot-match-')}/h.db"
    run(url, [int(s) for s in args.sizes.split(",")], args.lookups)


if __name__ == "__main__":
    main()

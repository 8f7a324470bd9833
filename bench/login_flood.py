"""A login flood against the dashboard on SQLite, and what it does to another process's
writes, beside the same writer with no flood (the baseline).

    .venv/bin/python bench/login_flood.py                  # 60 parallel attempts
    .venv/bin/python bench/login_flood.py --attempts 200

The dashboard is served by uvicorn on a temporary SQLite file with one coordinator. A
second process writes to the same file at a worker's pace (one short transaction every
20 ms, waiting for the lock as hanchot's connections do, busy_timeout 10 s) and times each
write from BEGIN IMMEDIATE to COMMIT. The writer runs 3 s alone (baseline), then while
`--attempts` anonymous logins arrive at once (half for the coordinator's email, half for
emails with no account, all with wrong passwords, each from its own address). Printed:
the answers' status codes, the flood's wall time, the writer's median / p95 / worst write
in each phase, and whether the coordinator then logs in with the right password from his
own address.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from store import migrate  # noqa: E402
from store.models import WebRole  # noqa: E402
from tests.web.browser import free_port  # noqa: E402
from tests.web.support import CSRF_RE, RecordingGateway  # noqa: E402
from web.accounts import create_account  # noqa: E402
from web.app import create_app  # noqa: E402
from web.server import serving  # noqa: E402
from web.settings import WebSettings  # noqa: E402

EMAIL = "dieuphoi@bench.example"
PASSWORD = "mat-khau-du-dai-1"


def _writer(path: str, phase: Any, ready: Any, out: Any) -> None:
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS other_writes (n INTEGER)")
    ready.set()
    times: dict[str, list[float]] = {"idle": [], "flood": []}
    while phase.value != 2:
        name = "idle" if phase.value == 0 else "flood"
        start = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO other_writes VALUES (1)")
            conn.execute("COMMIT")
            times[name].append(time.perf_counter() - start)
        except sqlite3.OperationalError:
            times[name].append(float("inf"))  # waited 10 s and gave up
        time.sleep(0.02)
    conn.close()
    out.put(times)


async def _attempt(base: str, email: str, password: str, address: str) -> int:
    # uvicorn takes the client's address from X-Forwarded-For sent by 127.0.0.1, as from a
    # reverse proxy on the same host: each attempt comes from its own address
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(base_url=base, timeout=300, headers=headers) as client:
        page = await client.get("/login")
        found = CSRF_RE.search(page.text)
        assert found is not None
        answer = await client.post(
            "/login", data={"email": email, "password": password, "csrf_token": found[1]}
        )
        return answer.status_code


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    fmt = lambda v: "gave up" if v == float("inf") else f"{v * 1000:.0f}"  # noqa: E731
    return f"median {fmt(statistics.median(ordered))}  p95 {fmt(p95)}  worst {fmt(ordered[-1])}"


async def main(attempts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite:///{data / 'hanchot.db'}"
        migrate.upgrade(url)
        from store import db

        engine = db.create_engine(url)
        create_account(engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
        engine.dispose()
        settings = WebSettings(
            database_url=url,
            secret="bench-secret-" + "x" * 20,
            data_dir=data,
            public_url="http://127.0.0.1:8000",
            upload_max_bytes=1024 * 1024,
        )
        app = create_app(settings, RecordingGateway())  # type: ignore[arg-type]
        ctx = multiprocessing.get_context("spawn")
        phase, ready, out = ctx.Value("i", 0), ctx.Event(), ctx.Queue()
        writer = ctx.Process(target=_writer, args=(str(data / "hanchot.db"), phase, ready, out))
        writer.start()
        async with serving(app, port=free_port()) as base:
            await asyncio.to_thread(ready.wait, 120)
            await asyncio.sleep(3)
            phase.value = 1
            start = time.perf_counter()
            codes = await asyncio.gather(
                *(
                    _attempt(
                        base,
                        EMAIL if n % 2 else f"ai-{n}@bench.example",
                        "sai-mat-khau",
                        f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                    )
                    for n in range(attempts)
                )
            )
            flood = time.perf_counter() - start
            phase.value = 2
            times = out.get(timeout=60)
            writer.join(30)
            owner = await _attempt(base, EMAIL, PASSWORD, "198.51.100.7")
        app.state.hanchot.engine.dispose()
    print(f"login flood: {attempts} parallel attempts, SQLite ({platform.machine()})")
    print(f"  answers            {dict(sorted(Counter(codes).items()))}  in {flood:.1f} s")
    print(f"  other writer idle  {_ms(times['idle'])} ms   (baseline)")
    print(f"  other writer flood {_ms(times['flood'])} ms")
    print(f"  the coordinator's own login right after, from his address: {owner}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=60)
    asyncio.run(main(parser.parse_args().attempts))

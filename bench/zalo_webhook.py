"""How long the Zalo webhook keeps Zalo waiting for its answer, with the inbound queue and
without it (the webhook as it was: the event handled before the answer).

    .venv/bin/python bench/zalo_webhook.py [--events 8] [--mb 10] [--rate-mb 4] [--write]

Two focal points send report files to the OA, alternately; each file (`--mb` MB) is served
by the fake Zalo API at `--rate-mb` MB/s, as Zalo's CDN far away would. Both sides run the
same webhook app (signature checked) and the same handler (`notifier.zalo.events`: the file
streamed and checked, kept as evidence, the person answered through the fake API), on a
SQLite store:

- *queue* (hanchot now): the verified event is stored (`zalo_inbound`) and answered 200;
  the inbox handles it after;
- *inline* (baseline, before the queue): the webhook awaits the handler, then answers.

Printed: each side's answer time (median and max, ms) and the time until every event was
handled. Zalo does not publish its webhook timeout; what matters is that the answer no
longer grows with the file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifier.service import zalo_channel  # noqa: E402
from notifier.zalo.events import HANDLED, ZaloEvents  # noqa: E402
from notifier.zalo.inbox import Inbox  # noqa: E402
from notifier.zalo.webhook import app  # noqa: E402
from tests.fakes.zalo_api import FakeZalo  # noqa: E402
from tests.notifier.world import make_world  # noqa: E402
from tests.notifier.zalo_support import PATH, zalo_settings  # noqa: E402

USERS = {"fp-a": "8001", "fp-b": "8002"}


async def side(
    queued: bool, events: int, size: int, rate: float, tmp: Path
) -> tuple[list[float], float]:
    world = make_world(tmp)
    fake = FakeZalo(file_bytes_per_s=rate).start()
    try:
        for person, user in USERS.items():
            world.link_zalo(person, user)
        settings = replace(zalo_settings(world, fake), evidence_max_bytes=size + 1024)
        channel = zalo_channel(settings, world.store)
        handler = ZaloEvents(world.store, None, settings, channel)  # type: ignore[arg-type]
        inbox = Inbox(world.store, handler.handle, names=HANDLED)
        handle = inbox.accept if queued else handler.handle
        asgi = app(PATH, settings.zalo.app_id, str(settings.zalo.oa_secret_key), handle)
        running = asyncio.create_task(inbox.run()) if queued else None
        answers = []
        start = time.perf_counter()
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://hanchot") as http:
            for n in range(events):
                user = list(USERS.values())[n % len(USERS)]
                data = b"%PDF-1.4\n" + n.to_bytes(4, "big") + b"0" * (size - 13)
                raw, mac = fake.signed(fake.file(user, data, f"bao-cao-{n}.pdf"))
                sent = time.perf_counter()
                response = await http.post(PATH, content=raw, headers={"x-zevent-signature": mac})
                answers.append((time.perf_counter() - sent) * 1000)
                assert response.status_code == 200
        if running is not None:
            await inbox.idle(600)
            await inbox.stop()
            await running
        handled = time.perf_counter() - start
        await channel.aclose()
        stored = len(list((world.tmp / "evidence").glob("*/*")))
        assert stored == events, f"{stored} of {events} files kept"
        return answers, handled
    finally:
        fake.stop()
        world.store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=8)
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--rate-mb", type=float, default=4.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    size, rate = int(args.mb * 1024 * 1024), args.rate_mb * 1024 * 1024
    load = os.getloadavg()[0]
    rows = []
    for name, queued in (("queue (hanchot)", True), ("inline (baseline)", False)):
        with tempfile.TemporaryDirectory() as tmp:
            answers, handled = asyncio.run(side(queued, args.events, size, rate, Path(tmp)))
        rows.append(
            f"| {name} | {statistics.median(answers):.1f} | {max(answers):.1f} | {handled:.1f} |"
        )
    lines = [
        f"Run {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/zalo_webhook.py "
        f"--events {args.events} --mb {args.mb:g} --rate-mb {args.rate_mb:g}` on "
        f"{os.cpu_count()} CPU ({platform.machine()}), Python {platform.python_version()}, "
        f"load average {load:.2f} at start; SQLite store, in-process ASGI.",
        "",
        f"{args.events} file events of {args.mb:g} MB, served at {args.rate_mb:g} MB/s.",
        "",
        "| webhook | answer median ms | answer max ms | all handled s |",
        "|---|---|---|---|",
        *rows,
    ]
    print("\n".join(lines))
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n## zalo webhook\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

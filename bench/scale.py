"""Several relays on one PostgreSQL store: how fast 1, 2 and 4 `hanchot notify` processes
empty one burst of email, and what 1 and 2 do with one Telegram bot.

    .venv/bin/python bench/scale.py --postgres URL [--messages 2000] [--write]

- *email*: N reminders queued (as workflows queue them) while N relays wait, ready, on a
  fresh database; the time until every row is recorded sent, into an aiosmtpd sink in its
  own process (which parses every message, as in bench/notify.py). Each relay's share is
  read from the claim each row was sent under.
- *Telegram*: 2,000 messages to 100 chats (20 each, kinds alternating: nothing merges)
  through the fake Bot API in its own process, enforcing Telegram's limits exactly;
  Telegram's 30 msg/s per bot is the ceiling however many relays send, shared through
  the store (`store.budgets`).

Beside them, the single-process figure: bench/notify.py's relay in the benchmark's own
process (no Temporal worker, no subprocess), on the same store. Everything runs on this
machine: the relays, PostgreSQL, the SMTP sink, the Temporal dev server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.notify import SinkServer, fresh_database, one_round  # noqa: E402
from bench.telegram_limits import FAKE  # noqa: E402
from store.enums import Channel, OutboxStatus  # noqa: E402
from store.models import OutboxMessage  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.faults.chats import add_chats, queue_rounds  # noqa: E402
from tests.faults.conftest import (  # noqa: E402
    NotifyProcess,
    notify_env,
    queue_burst,
)
from tests.notifier.world import World, make_world  # noqa: E402
from tests.workflows.support import dev_server  # noqa: E402

READY = "hanchot notify đang chạy"


def sent(world: World, channel: Channel) -> int:
    with world.store.read() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count()).where(
                    OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.SENT
                )
            )
            or 0
        )


def shares(world: World) -> list[int]:
    with world.store.read() as session:
        claims = session.scalars(
            sa.select(OutboxMessage.claimed_by).where(OutboxMessage.status == OutboxStatus.SENT)
        ).all()
    return sorted(Counter(str(c).split("/")[0] for c in claims).values(), reverse=True)


async def relays_round(
    temporal: str, url: str, n: int, count: int, channel: Channel
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-scale-"))
    world = make_world(tmp, url)
    try:
        with ExitStack() as stack:
            fake = None
            sink = stack.enter_context(SinkServer(tmp / "sink"))
            extra = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port)}
            if channel is Channel.TELEGRAM:
                fake = subprocess.Popen(
                    [sys.executable, "-c", FAKE, str(ROOT)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                stack.callback(fake.wait, 10)
                stack.callback(fake.terminate)
                assert fake.stdout is not None
                base = fake.stdout.readline().strip()
                extra |= {
                    "TELEGRAM_BOT_TOKEN": FakeTelegram.token,
                    "TELEGRAM_API_BASE_URL": base,
                }
            env = notify_env(
                world, temporal, f"scale-{uuid.uuid4().hex[:8]}", HANCHOT_SWEEP_SECONDS="1", **extra
            )
            procs = [NotifyProcess(env, tmp / f"relay-{i}.log") for i in range(n)]
            for proc in procs:
                stack.callback(proc.stop)
            for proc in procs:
                while READY not in proc.log.read_text(errors="replace"):
                    if not proc.alive():
                        raise RuntimeError(proc.tail())
                    await asyncio.sleep(0.1)
            if channel is Channel.EMAIL:
                queue_burst(world, count, "scale")
            else:
                people = add_chats(world, 100)
                queue_rounds(world, count // 100, people, "scale")
            began = time.monotonic()
            while sent(world, channel) < count:
                await asyncio.sleep(0.1)
            seconds = time.monotonic() - began
            stats: dict[str, Any] = {}
            if fake is not None:
                assert fake.stdin is not None and fake.stdout is not None
                fake.stdin.write("stats\n")
                fake.stdin.flush()
                stats = json.loads(fake.stdout.readline())
        return {"seconds": seconds, "shares": shares(world), **stats}
    finally:
        world.store.engine.dispose()


async def all_rounds(admin: str, count: int, tg_count: int) -> list[str]:
    lines = []
    async with dev_server() as temporal:
        target = temporal.client.service_client.config.target_host
        for channel, total, ns in (
            (Channel.EMAIL, count, (1, 2, 4)),
            (Channel.TELEGRAM, tg_count, (1, 2)),
        ):
            first = None
            for n in ns:
                with fresh_database(admin) as url:
                    assert url is not None
                    r = await relays_round(target, url, n, total, channel)
                first = first or r["seconds"]
                rate = total / r["seconds"]
                extra = f" | 429: {r['rate_limited']}" if channel is Channel.TELEGRAM else ""
                lines.append(
                    f"| {channel.value} | {n} | {total:,} | {r['seconds']:.1f} | {rate:.1f} | "
                    f"{first / r['seconds']:.2f}x | {' / '.join(map(str, r['shares']))}{extra} |"
                )
                print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a URL whose role may create databases")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--telegram", type=int, default=2000)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    single, bare, _ = one_round(args.messages, args.postgres)
    lines = [
        "",
        "## scale (relays)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} UTC with `.venv/bin/python bench/scale.py "
        f"--postgres URL --messages {args.messages}` on {os.cpu_count()} CPU "
        f"({platform.machine()}), Python {platform.python_version()}, load average "
        f"{load:.1f} at start; PostgreSQL store; one run each.",
        "",
        f"Single process (bench/notify.py's relay in-process, same store): {args.messages:,} "
        f"emails in {single:.1f}s ({args.messages / single:.0f} msg/s); the bare aiosmtplib "
        f"loop {args.messages / bare:.0f} msg/s.",
        "",
        "| channel | relays | messages | seconds | msg/s | vs one relay | rows sent by each |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += asyncio.run(all_rounds(args.postgres, args.messages, args.telegram))
    lines.append(f"\nLoad average {os.getloadavg()[0]:.1f} at the end.")
    text = "\n".join(lines)
    print(text)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()

"""Telegram delivery at Telegram's limit, and how fast the bot answers a crowd.

    .venv/bin/python bench/telegram.py [--write]   (or bench/telegram_limits.py)

Against the project's fake Bot API enforcing Telegram's limits exactly (at most 30 sends
in any sliding second per bot, one second between sends to one chat, 429 otherwise):

- *500 chats × 4*: 2,000 reminders queued round-robin (four steps, each to 500 people),
  sent by the relay (`notifier.relay.sweep`, as `hanchot notify` runs it); the limit
  allows 30 msg/s;
- *50 chats × 40, grouped*: 2,000 reminders, each chat's 40 rows in a row (one focal point
  covering many units); the bot-wide limit allows them in 66.7 s;
- both again with merging on (a chat's same-kind rows sent as one message), as it runs;
- *20 presses*: 20 linked focal points press "Đã nộp" at once; the time from the update
  being available to the bot (long polling) until its question reaches the chat; one
  press alone is the baseline.

The relay scenarios run the fake in its own process (no shared interpreter lock); the
presses run it in-process (tests push updates into it). SQLite file store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
# This file's own directory first on the path would make it the `telegram` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from deadlines.model import Role  # noqa: E402
from notifier.delivery import Deliverer  # noqa: E402
from notifier.relay import sweep  # noqa: E402
from notifier.service import build_registry  # noqa: E402
from notifier.settings import Secret  # noqa: E402
from notifier.telegram.bot import HanchotBot  # noqa: E402
from notifier.telegram.keyboard import Action, encode  # noqa: E402
from notifier.telegram.transport import TelegramChannel  # noqa: E402
from store import outbox  # noqa: E402
from store.enums import OutboxStatus  # noqa: E402
from store.models import Calendar, OutboxMessage, Person, Unit, UnitContact  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.notifier.world import CALENDAR, World, make_world  # noqa: E402
from workflows import deadline_state as ds  # noqa: E402

LIMIT = 30.0
FAKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.fakes.telegram_api import FakeTelegram
fake = FakeTelegram().start()
print(fake.base, flush=True)
for line in sys.stdin:
    times = fake.sent_times
    print(json.dumps({"sent": len(fake.sent), "rate_limited": fake.rate_limited,
                      "first": times[0] if times else 0, "last": times[-1] if times else 0}),
          flush=True)
"""


def add_people(world: World, count: int, prefix: str, focal_of: str | None = None) -> list[str]:
    keys = [f"{prefix}-{i}" for i in range(count)]
    with world.store.write() as session:
        calendar = session.scalar(sa.select(Calendar.id).where(Calendar.key == CALENDAR))
        unit = session.scalar(sa.select(Unit.id).where(Unit.key == focal_of)) if focal_of else None
        for key in keys:
            person = Person(calendar_id=calendar, key=key, name=key, telegram=f"@{key}")
            person.language = "vi"
            session.add(person)
            session.flush()
            if unit is not None:
                session.add(UnitContact(unit_id=unit, person_id=person.id, role=Role.FOCAL_POINT))
    for n, key in enumerate(keys):
        world.link_telegram(key, str(100_000 + n) if focal_of is None else str(200_000 + n))
    return keys


def queue(world: World, rounds: list[list[str]]) -> int:
    """Each inner list is one step queued to those people; the rows made."""
    inp = world.open("unit-a")
    with world.store.write() as session:
        for n, recipients in enumerate(rounds):
            step = f"remind:bench-{n:05d}"
            details = {"to": "focal_point", "step": step}
            payload = ds.notification_payload(inp, inp.cycle.timeline, "reminder", step, details)
            outbox.enqueue(
                session,
                workflow_id=inp.cycle.deadline_id("unit-a"),
                calendar_key=CALENDAR,
                step=step,
                recipients=recipients,
                payload=payload,
            )
    return sum(len(r) for r in rounds)


def sent_rows(world: World) -> int:
    with world.store.read() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
            )
            or 0
        )


async def relay(world: World, base: str, rows: int) -> float:
    tg = replace(world.settings.telegram, token=Secret(FakeTelegram.token), api_base_url=base)
    settings = replace(world.settings, telegram=tg)
    registry = build_registry(settings, world.store)  # as `hanchot notify`: budgets shared
    deliverer = Deliverer(world.store, registry, settings)
    began = time.monotonic()
    try:
        while sent_rows(world) < rows:
            await sweep(deliverer)
    finally:
        await registry.aclose()
    return time.monotonic() - began


def relay_round(chats: int, each: int, grouped: bool, merge: bool) -> dict[str, Any]:
    TelegramChannel.merge_same_kind = merge  # type: ignore[misc]
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-telegram-"))
    world = make_world(tmp)
    fake = subprocess.Popen(
        [sys.executable, "-c", FAKE, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdin is not None and fake.stdout is not None
        base = fake.stdout.readline().strip()
        people = add_people(world, chats, "nguoi")
        if grouped:
            rows = queue(world, [[p] for p in people for _ in range(each)])
        else:
            rows = queue(world, [people for _ in range(each)])
        seconds = asyncio.run(relay(world, base, rows))
        fake.stdin.write("stats\n")
        fake.stdin.flush()
        stats = json.loads(fake.stdout.readline())
    finally:
        fake.terminate()
        fake.wait(10)
        world.store.engine.dispose()
        TelegramChannel.merge_same_kind = True  # type: ignore[misc]
    return {"rows": rows, "seconds": seconds, **stats}


async def presses(count: int) -> list[float]:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-presses-"))
    world = make_world(tmp)
    fake = FakeTelegram().start()
    tg = replace(world.settings.telegram, token=Secret(fake.token), api_base_url=fake.base)
    world = replace(world, settings=replace(world.settings, telegram=tg))
    world.open("unit-a")
    add_people(world, count, "dau-moi", focal_of="unit-a")
    deadline = world.deadline_id("unit-a")
    data = encode(world.settings.secret, Action.SUBMIT, deadline)
    app = HanchotBot(world.store, None, world.settings).application()  # type: ignore[arg-type]
    waits: list[float] = []
    try:
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=1, poll_interval=0)
            for batch in ([0], list(range(1, count))):  # one alone, then the crowd
                chats = [200_000 + n for n in batch]
                pushed = time.monotonic()
                for chat in chats:
                    fake.push(fake.callback(chat, data))
                pending = set(chats)
                while pending:
                    await asyncio.sleep(0.005)
                    for chat in [c for c in pending if fake.texts(c)]:
                        pending.discard(chat)
                        waits.append(time.monotonic() - pushed)
            await app.updater.stop()
            await app.stop()
    finally:
        fake.stop()
        world.store.engine.dispose()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    lines = [
        "",
        "## telegram",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} UTC with `.venv/bin/python bench/telegram.py` "
        f"on {os.cpu_count()} CPU ({platform.machine()}), Python {platform.python_version()}, "
        f"load average {load:.1f} at start (other engineers' test runs share the machine); "
        "fake Bot API enforcing Telegram's limits exactly; SQLite file store; one run each.",
        "",
        "| scenario | rows | messages | seconds | msg/s | limit allows | of the limit | 429 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, chats, each, grouped, merge in (
        ("500 chats × 4, round-robin", 500, 4, False, False),
        ("50 chats × 40, grouped", 50, 40, True, False),
        ("500 chats × 4, merging on", 500, 4, False, True),
        ("50 chats × 40, grouped, merging on", 50, 40, True, True),
    ):
        r = relay_round(chats, each, grouped, merge)
        allowed = max(r["sent"] / LIMIT, (each - 1) * 1.0 if not merge else 0.0)
        rate = r["sent"] / r["seconds"]
        lines.append(
            f"| {name} | {r['rows']:,} | {r['sent']:,} | {r['seconds']:.1f} | {rate:.1f} | "
            f"{allowed:.1f} s | {allowed / r['seconds']:.2f} | {r['rate_limited']} |"
        )
        print(lines[-1], flush=True)
    waits = asyncio.run(presses(21))
    alone, crowd = waits[0], sorted(waits[1:])
    p95 = crowd[max(0, round(0.95 * len(crowd)) - 1)]
    lines += [
        "",
        "| presses of Đã nộp at once | p50 s | p95 s | max s | one press alone s |",
        "|---:|---:|---:|---:|---:|",
        f"| {len(crowd)} | {statistics.median(crowd):.2f} | {p95:.2f} | {max(crowd):.2f} | "
        f"{alone:.2f} |",
    ]
    print("\n".join(lines))
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

"""How fast the notifier empties its outbox into a real SMTP server, against the bare
client loop that sends the same messages.

    .venv/bin/python bench/notify.py --messages 2000 [--postgres URL] [--write]

Both sides send to the same kind of loopback SMTP server (aiosmtpd, which parses every
message, so its cost is in both figures):

- *hanchot*: N reminders queued in the outbox as workflows queue them, then the relay
  (`notifier.service.sweep`, the job `hanchot notify` runs every few seconds) claims each
  row by compare-and-set, renders it (Vietnamese text and HTML, the .ics, the signed link),
  sends it over the pooled SMTP connection and records the outcome;
- *bare client*: the very messages hanchot sent (as the server received them), sent again
  by one aiosmtplib connection in a loop: no store, no rendering, no bookkeeping.

The ratio is the price of durability and rendering per message. A store on PostgreSQL
(`--postgres`) runs the same relay against it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mailbox
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import aiosmtplib
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifier.delivery import Deliverer  # noqa: E402
from notifier.email.local import free_port  # noqa: E402
from notifier.service import build_registry, sweep  # noqa: E402
from tests.faults.conftest import queue_burst, statuses  # noqa: E402
from tests.notifier.world import World, make_world  # noqa: E402


class SinkServer:
    """aiosmtpd in its own process, keeping every message in a Maildir: the server's
    parsing does not share a GIL with the side being measured."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.port = free_port()

    def __enter__(self) -> SinkServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return self
            if time.monotonic() > deadline:
                raise RuntimeError("aiosmtpd did not start")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def received(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(m.as_bytes()) for m in box]  # type: ignore[misc]


async def relay(world: World, port: int, count: int) -> float:
    """Seconds for the relay to send `count` queued reminders."""
    queue_burst(world, count)
    settings = replace(
        world.settings,
        smtp=replace(world.settings.smtp, host="127.0.0.1", port=port, timeout=30.0),
    )
    registry = build_registry(settings, world.store)  # as `hanchot notify`: budgets shared
    deliverer = Deliverer(world.store, registry, settings)
    began = time.perf_counter()
    try:
        while statuses(world).get("sent", 0) < count:
            await sweep(deliverer)
    finally:
        await registry.aclose()
    return time.perf_counter() - began


async def bare(messages: list[EmailMessage], port: int) -> float:
    """Seconds for one aiosmtplib connection to send `messages` in a loop."""
    began = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
        for message in messages:
            for header in ("Received", "X-Peer", "X-MailFrom", "X-RcptTo", "Return-Path"):
                del message[header]  # added by the first server
            await client.send_message(message)
    return time.perf_counter() - began


@contextlib.contextmanager
def fresh_database(admin_url: str | None) -> Iterator[str | None]:
    """A new empty PostgreSQL database for one round (None: SQLite in the temp dir)."""
    if admin_url is None:
        yield None
        return
    name = f"hanchot_bench_{uuid.uuid4().hex[:8]}"
    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def one_round(count: int, admin_url: str | None) -> tuple[float, float, int]:
    with fresh_database(admin_url) as database:
        return _round(count, database)


def _round(count: int, database: str | None) -> tuple[float, float, int]:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-notify-"))
    world = make_world(tmp, database)
    try:
        with SinkServer(tmp / "first") as first:
            hanchot = asyncio.run(relay(world, first.port, count))
            sent = first.received()
        with SinkServer(tmp / "second") as second:
            baseline = asyncio.run(bare(sent, second.port))
            assert len(second.received()) == len(sent) == count
        size = int(statistics.mean(len(m.as_bytes()) for m in sent))
    finally:
        world.store.engine.dispose()
    return hanchot, baseline, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose role may create databases")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()

    stores = [("SQLite file", None)]
    if args.postgres:
        stores.append(("PostgreSQL", args.postgres))
    lines = [
        "",
        "## notify",
        "",
        f"Run {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/notify.py "
        f"--messages {args.messages}` on {os.cpu_count()} CPU ({platform.machine()}), "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at "
        f"start; median of {args.rounds} rounds; loopback aiosmtpd on both sides.",
        "",
        "| store | messages | mean size | hanchot msg/s | bare client msg/s "
        "| hanchot / bare time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, url in stores:
        results = [one_round(args.messages, url) for _ in range(args.rounds)]
        hanchot = statistics.median(r[0] for r in results)
        baseline = statistics.median(r[1] for r in results)
        size = results[0][2]
        lines.append(
            f"| {name} | {args.messages:,} | {size:,} B | {args.messages / hanchot:,.0f} | "
            f"{args.messages / baseline:,.0f} | {hanchot / baseline:.1f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()

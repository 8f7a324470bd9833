"""The embedded default on one machine: Temporal dev server, store, worker, notifier
(with its local SMTP server) and the web dashboard.

Everything lives under one data directory: the Temporal state file (`temporal.db`, so a
second run resumes the same workflows), the SQLite store, received mail (a Maildir) and
evidence files. The dev server runs as a child process that dies with us even if we are
killed (Linux parent-death signal); on Ctrl-C the dashboard, notifier and worker stop
first, then the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import Runtime

from activities.store_access import StoreAccess
from hanchot.binaries import temporal_cli
from hanchot.commands.web import embedded_dashboard
from hanchot.gateway import TemporalGateway
from hanchot.logs import adopt_uvicorn
from hanchot.notify import run_notifier
from hanchot.revision_watch import revision_watcher
from hanchot.schedules import ensure_calendar_sync
from hanchot.worker import build_worker, store_access
from notifier.settings import NotifierSettings
from store.private import private_dir
from web.accounts import NewAccount

READY_TIMEOUT_S = 60


@dataclass
class DevStack:
    data_dir: Path
    temporal_address: str
    ui_url: str
    smtp_port: int
    database_url: str
    client: Client
    store: StoreAccess
    server_pid: int
    dashboard_url: str
    first_account: NewAccount | None
    """The coordinator account made on this start (its password is shown once)."""
    links_url: str
    """Base of the links in messages: $HANCHOT_PUBLIC_URL, else the dashboard itself."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_temporal(data_dir: Path, port: int, ui_port: int) -> subprocess.Popen[bytes]:
    log = (data_dir / "temporal.log").open("ab")
    return subprocess.Popen(
        [
            temporal_cli(),
            "server",
            "start-dev",
            "--db-filename",
            str(data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            "--log-level",
            "warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us; we stop the server in order
        preexec_fn=_die_with_parent,
    )


async def connect(
    address: str, process: subprocess.Popen[bytes], runtime: Runtime | None = None
) -> Client:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"temporal dev server exited with code {process.returncode}")
        try:
            return await Client.connect(address, runtime=runtime)
        except RuntimeError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.25)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.asynccontextmanager
async def dev_stack(
    data_dir: Path,
    task_queue: str,
    database_url: str,
    load: Callable[[StoreAccess], None],
    runtime: Runtime | None = None,
) -> AsyncIterator[DevStack]:
    """Start everything, load the calendars with `load`, yield while the worker runs.
    `runtime`: a Temporal runtime serving the SDK's metrics (`hanchot.metrics`)."""
    private_dir(data_dir, ours=True)
    port, ui_port = free_port(), free_port()
    server = start_temporal(data_dir, port, ui_port)
    try:
        address = f"127.0.0.1:{port}"
        client = await connect(address, server, runtime)
        store = store_access(database_url)
        load(store)
        # No SMTP_HOST in the environment: the notifier starts its own local SMTP server
        # and keeps every message in <data dir>/mail; Telegram stays in the outbox.
        notifier_settings = NotifierSettings.from_env()
        async with (
            build_worker(client, task_queue, store),
            revision_watcher(client, store, task_queue),
            embedded_dashboard(TemporalGateway(client), database_url, data_dir) as dashboard,
        ):
            if not os.environ.get("HANCHOT_PUBLIC_URL"):
                # The dashboard takes a free port when 8000 is busy: links in the
                # messages must point where it really listens.
                notifier_settings = replace(notifier_settings, public_url=dashboard.url)
            async with run_notifier(client, store, notifier_settings, task_queue) as notifier:
                adopt_uvicorn()
                schedule = await ensure_calendar_sync(client, task_queue)
                await schedule.trigger()  # open what is due now, not at 00:05
                yield DevStack(
                    data_dir,
                    address,
                    f"http://127.0.0.1:{ui_port}",
                    notifier.settings.smtp.port,
                    database_url,
                    client,
                    store,
                    server.pid,
                    dashboard.url,
                    dashboard.first_account,
                    notifier.settings.public_url,
                )
    finally:
        stop(server)

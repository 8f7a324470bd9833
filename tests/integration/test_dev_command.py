"""`hanchot dev` as a user runs it: starts everything, takes CLI commands, stops cleanly on
Ctrl-C leaving no process behind, and a second run resumes the same workflows."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hanchot.cli import app
from store import migrate
from tests.integration.test_dev_server import big_calendar
from tests.workflows.support import dev_server
from workflows.calendar_sync import SCHEDULE_ID

pytestmark = pytest.mark.integration
HANCHOT = str(Path(sys.executable).parent / "hanchot")


class DevProcess:
    """`hanchot dev` in its own session, its output read line by line without blocking."""

    def __init__(
        self, config: Path | None, data: Path | None, env: dict[str, str], cwd: Path | None = None
    ) -> None:
        """`data` None: no --data-dir, the default under `cwd`."""
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [
                HANCHOT,
                "dev",
                *([str(config)] if config else []),
                *(["--data-dir", str(data)] if data else []),
            ],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.expect("Nhấn Ctrl-C")
        found = re.search(r"Temporal: (\S+) \(tiến trình (\d+)\)", "".join(self.output))
        assert found, ready
        self.address, self.server_pid = found.group(1), int(found.group(2))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def expect(self, text: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=90)
            except queue.Empty:
                raise AssertionError(f"no '{text}' in: {''.join(self.output)}") from None
            self.output.append(line)
            if text in line:
                return line

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def hanchot(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def wait_until_opened(env: dict[str, str], units: list[str]) -> None:
    """The schedule's first run opens the cycle after `dev` says it is ready: wait for the
    units' deadlines to reach the store (polling; the worker works at its own pace)."""
    for _ in range(300):
        if all("Đang mở" in hanchot(env, "status", unit)[1] for unit in units):
            return
        time.sleep(0.2)
    raise AssertionError(f"the cycle never opened {units}")


def test_dev_runs_takes_commands_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    due = datetime.now(UTC).date() + timedelta(days=21)
    config = big_calendar(tmp_path / "lon.yaml", 3, due)
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANCHOT_")}
    env |= {"HANCHOT_DATA_DIR": str(data), "COLUMNS": "250"}
    deadline = f"lon/bao-cao-nam/{due.year}/xa-0000"

    first = DevProcess(config, data, env)
    try:
        cli_env = {**env, "HANCHOT_TEMPORAL_ADDRESS": first.address}
        wait_until_opened(cli_env, ["xa-0000", "xa-0001"])
        code, out = hanchot(cli_env, "submit", deadline, "--document", "7/BC", "--request-id", "r1")
        assert code == 0, out
        assert "Đã nộp đúng hạn" in out
        code, again = hanchot(cli_env, "submit", deadline, "--request-id", "r1")
        assert code == 0 and "không làm lại" in again
        code, out = hanchot(cli_env, "submit", f"lon/bao-cao-nam/{due.year}/khong-co")
        assert code == 1 and "không có hạn nộp này trong Temporal" in out, out
        assert "not found" not in out.lower(), out
        code, out = hanchot(
            cli_env, "excuse", f"lon/bao-cao-nam/{due.year}/xa-0001", "--reason", "Sáp nhập"
        )
        assert code == 0 and "Được miễn" in out
        code, listing = hanchot(cli_env, "cycles")
        assert f"cycle/lon/bao-cao-nam/{due.year}" in listing
        assert "Đã nộp đúng hạn: 1" in listing and "Được miễn: 1" in listing
    finally:
        code = first.interrupt()
    assert code == 0, "".join(first.output)
    assert "Đã dừng." in "".join(first.output)
    assert not alive(first.server_pid)
    assert (data / "temporal.db").exists() and (data / "hanchot.db").exists()

    second = DevProcess(config, data, env)
    try:
        cli_env = {**env, "HANCHOT_TEMPORAL_ADDRESS": second.address}
        # The workflow itself refuses a second submission: its state survived the restart.
        code, out = hanchot(cli_env, "submit", deadline, "--request-id", "r2")
        assert code == 1 and "đã được ghi nhận" in out
        code, out = hanchot(cli_env, "status", "xa-0000")
        assert code == 0 and "Đã nộp đúng hạn" in out
    finally:
        code = second.interrupt()
    assert code == 0 and not alive(second.server_pid)


async def test_worker_command_serves_the_task_queue_and_stops_on_sigterm(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(db_url)
    async with dev_server() as env:
        address = env.client.service_client.config.target_host
        env_vars = {k: v for k, v in os.environ.items() if not k.startswith("HANCHOT_")}
        env_vars |= {"HANCHOT_TEMPORAL_ADDRESS": address, "HANCHOT_DATABASE_URL": db_url}
        proc = subprocess.Popen(
            [HANCHOT, "worker"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env_vars,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        description = await env.client.get_schedule_handle(SCHEDULE_ID).describe()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, "".join(lines)
    assert f"Temporal {address}" in "".join(lines)
    assert description.schedule.spec.time_zone_name == "Asia/Ho_Chi_Minh"


async def test_links_in_messages_follow_the_dashboard_when_port_8000_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hanchot dev` serves the dashboard on a free port when 8000 is busy; the submit
    links in reminders must then point there, not at a port nobody (or someone else)
    listens on."""
    import socket

    from hanchot.devstack import dev_stack

    monkeypatch.delenv("HANCHOT_PUBLIC_URL", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setenv("HANCHOT_DATA_DIR", str(tmp_path))
    blocker = socket.socket()
    with contextlib.suppress(OSError):  # already busy is just as good
        blocker.bind(("127.0.0.1", 8000))
        blocker.listen()
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(url)
    try:
        async with dev_stack(tmp_path, "dev-links", url, lambda _store: None) as stack:
            assert not stack.dashboard_url.endswith(":8000"), stack.dashboard_url
            assert stack.links_url == stack.dashboard_url
    finally:
        blocker.close()

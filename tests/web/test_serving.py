"""Serving the dashboard: the embedded one `hanchot dev` starts, and `hanchot web` as a
process; and the Temporal gateway when the engine cannot be reached."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hanchot.commands.web import embedded_dashboard
from hanchot.gateway import TemporalGateway
from store import migrate
from tests.web.browser import free_port
from tests.web.support import CSRF_RE, RecordingGateway
from web import gateway as gw


async def _log_in(base: str, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/login")
        token = CSRF_RE.search(page.text)
        assert token is not None
        await client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
        )
        return await client.get("/")


async def test_the_embedded_dashboard_makes_its_first_coordinator_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(url)
    port = free_port()
    async with embedded_dashboard(RecordingGateway(), url, tmp_path, port=port) as first:
        assert first.url == f"http://127.0.0.1:{port}"
        account = first.first_account
        assert account is not None and account.scope is None
        home = await _log_in(first.url, account.email, account.password)
        assert home.status_code == 200 and "Cán bộ điều phối" in home.text
        assert "Chưa có lịch báo cáo nào" in home.text
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        async with embedded_dashboard(RecordingGateway(), url, tmp_path, port=port) as again:
            assert again.first_account is None  # the accounts made before stay
            assert again.url != first.url  # the port was taken: another one
            assert (await _log_in(again.url, account.email, account.password)).status_code == 200
    assert (tmp_path / "secret.key").exists()  # shared with the notifier's links


async def test_hanchot_web_serves_until_interrupted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(url)
    port = free_port()
    env = {
        **os.environ,
        "HANCHOT_DATABASE_URL": url,
        "HANCHOT_DATA_DIR": str(tmp_path),
        "HANCHOT_TEMPORAL_ADDRESS": "127.0.0.1:1",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "hanchot"), "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Interrupting as soon as /login answers raced the "ready" lines: uvicorn accepts
    # connections a moment before `serving` yields, and a Ctrl-C in that moment stops the
    # process before it prints them. Wait for the lines themselves, read off the pipe.
    assert process.stdout is not None
    seen: list[str] = []

    def read_until_ready() -> bool:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if "Chưa có tài khoản nào" in line:
                return True
        return False

    try:
        ready = await asyncio.wait_for(asyncio.to_thread(read_until_ready), timeout=30)
        if not ready:
            pytest.fail("hanchot web stopped before it was ready:\n" + "".join(seen))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.get("/login")
        assert answer.status_code == 200 and "Đăng nhập" in answer.text
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    output = "".join(seen) + rest
    assert process.returncode == 0, output
    assert f"Bảng điều khiển: http://127.0.0.1:{port}" in output
    assert "Chưa có tài khoản nào" in output and "Đã dừng." in output


async def test_an_unreachable_engine_is_unavailable_not_refused() -> None:
    gateway = TemporalGateway.lazy("127.0.0.1:1")
    with pytest.raises(gw.GatewayUnavailable):
        await gateway.excuse("deadline/a/b/2025/c", gw.Action("r-1", "web:x", "lý do"))

"""`hanchot zalo serve` as deployed: its own process on a SQLite store, the fake Zalo API
and a Temporal dev server. A signed event links an account and a forged one is refused
(403); killed with SIGKILL while a file is being fetched (after Zalo was answered), the
next process handles the event; SIGINT and SIGTERM stop it cleanly, with the lines the
CLI prints."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from store import links
from store.enums import Channel, ZaloEventStatus
from store.models import PersonChannel, ZaloInbound
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.world import World
from tests.ops.test_metrics_process import HANCHOT, environment, until
from tests.workflows.support import dev_server

PATH = "/zalo/webhook"
FP = "8001"
PDF = b"%PDF-1.4\n" + "Báo cáo quý".encode() * 300


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [HANCHOT, "zalo", "serve", "--listen", f"127.0.0.1:{port}", "--path", PATH],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


async def ready(proc: subprocess.Popen[bytes], log: Path, times: int) -> None:
    def started() -> bool:
        assert proc.poll() is None, log.read_text()
        return log.read_text().count("Nhấn Ctrl-C để dừng.") >= times

    await until(started, "hanchot zalo serve ready")


def stopped(proc: subprocess.Popen[bytes], how: signal.Signals) -> int:
    proc.send_signal(how)
    return proc.wait(timeout=30)


def queue(world: World) -> list[ZaloInbound]:
    with world.store.read() as session:
        return list(session.scalars(sa.select(ZaloInbound).order_by(ZaloInbound.id)))


async def test_hanchot_zalo_serve_as_a_process(world: World, zalo: FakeZalo) -> None:
    with world.store.write() as session:
        code = links.issue(session, world.person("fp-a"), "test").code
    world.link_zalo("fp-b", "8002")
    port, log = free_port(), world.tmp / "zalo.log"
    url = f"http://127.0.0.1:{port}{PATH}"
    async with dev_server() as temporal:
        env = environment(
            world,
            temporal.client.service_client.config.target_host,
            ZALO_OA_ID=zalo.oa_id,
            ZALO_APP_ID=zalo.app_id,
            ZALO_APP_SECRET=zalo.app_secret,
            ZALO_OA_SECRET_KEY=zalo.oa_secret_key,
            ZALO_REFRESH_TOKEN=zalo.refresh_token,
            ZALO_API_BASE_URL=zalo.base,
            ZALO_OAUTH_BASE_URL=zalo.base,
            HANCHOT_JOB_LEASE_SECONDS="3",  # the killed process's claim runs out soon
        )
        proc = serve(env, port, log)
        try:
            await ready(proc, log, 1)
            forged = zalo.deliver(url, zalo.text(FP, code), signature="mac=" + "0" * 64)
            genuine = zalo.deliver(url, zalo.text(FP, code))

            def linked() -> bool:
                return any("Đã liên kết Zalo" in t for t in zalo.texts(FP))

            await until(linked, "the link answered")
            # a file held by Zalo's server: answered at once, then killed while fetching it
            zalo.file_gate = threading.Event()
            held = zalo.deliver(url, zalo.file("8002", PDF, "bao-cao-quy.pdf"))

            def fetching() -> bool:
                rows = queue(world)
                return rows[-1].status is ZaloEventStatus.HANDLING

            await until(fetching, "the file being fetched")
            proc.kill()
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        zalo.file_gate.set()
        proc = serve(env, port, log)
        try:
            await ready(proc, log, 2)

            def handled() -> bool:
                return queue(world)[-1].status is ZaloEventStatus.DONE

            await until(handled, "the file handled by the next process")
            interrupted = stopped(proc, signal.SIGINT)
        finally:
            if proc.poll() is None:
                proc.kill()
        proc = serve(env, port, log)
        try:
            await ready(proc, log, 3)
            terminated = stopped(proc, signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()

    output = log.read_text()
    assert (forged, genuine, held) == (403, 200, 200)
    with world.store.read() as session:
        [binding] = session.query(PersonChannel).filter_by(channel=Channel.ZALO, address=FP)
        assert binding.person.key == "fp-a"
    _, file_event = queue(world)  # the forged event was never stored
    assert file_event.attempts == 2 and file_event.status is ZaloEventStatus.DONE
    assert list(world.tmp.glob("evidence/*/*"))  # the file fetched by the second process
    assert zalo.texts("8002") and "không còn báo cáo nào" in zalo.texts("8002")[-1]
    assert (interrupted, terminated) == (0, 0)
    assert output.count("Đã dừng.") == 2
    assert "zalo webhook stopped" in output
    assert f"nhận sự kiện của OA {zalo.oa_id} tại http://127.0.0.1:{port}{PATH}" in output
    assert "Traceback" not in output

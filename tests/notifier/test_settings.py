"""Settings from the environment, secrets from files, and secrets masked in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from notifier.logs import SecretMask
from notifier.settings import NotifierSettings, SettingsError


def test_defaults_are_the_embedded_ones(tmp_path: Path) -> None:
    s = NotifierSettings.from_env({"HANCHOT_DATA_DIR": str(tmp_path)})
    assert s.smtp.embedded and not s.telegram.enabled and not s.imap.enabled
    assert s.secret and (tmp_path / "secret.key").read_text().strip() == s.secret
    assert NotifierSettings.from_env({"HANCHOT_DATA_DIR": str(tmp_path)}).secret == s.secret


def test_a_relay_with_starttls_and_secrets_from_files(tmp_path: Path) -> None:
    (tmp_path / "smtp").write_text("mật-khẩu-smtp\n")
    env = {
        "HANCHOT_DATA_DIR": str(tmp_path),
        "SMTP_HOST": "smtp.tinh.gov.example",
        "SMTP_USER": "hanchot",
        "SMTP_PASSWORD_FILE": str(tmp_path / "smtp"),
        "TELEGRAM_BOT_TOKEN": "123:ABC-secret",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
        "IMAP_HOST": "imap.tinh.gov.example",
        "HANCHOT_SECRET": "k" * 32,
    }
    s = NotifierSettings.from_env(env)
    assert (s.smtp.security, s.smtp.port, s.smtp.password) == ("starttls", 587, "mật-khẩu-smtp")
    assert s.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert s.telegram.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert (s.imap.security, s.imap.port) == ("ssl", 993)
    assert "mật-khẩu-smtp" not in repr(s) and "123:ABC-secret" not in repr(s)
    assert set(s.secrets()) == {"mật-khẩu-smtp", "123:ABC-secret", "k" * 32}


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"SMTP_PORT": "abc"}, "SMTP_PORT"),
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({"IMAP_POLL_SECONDS": "1"}, "IMAP_POLL_SECONDS"),
        ({"SMTP_PASSWORD_FILE": "/nonexistent/hanchot"}, "SMTP_PASSWORD_FILE"),
        ({"ZALO_APP_ID": "42", "ZALO_STANDBY_APP_ID": "42"}, "ZALO_STANDBY_APP_ID"),
    ],
)
def test_a_bad_setting_names_its_variable(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        NotifierSettings.from_env({"HANCHOT_DATA_DIR": str(tmp_path), **env})


def test_a_zalo_standby_app_beside_the_primary(tmp_path: Path) -> None:
    (tmp_path / "standby").write_text("standby-secret\n")
    env = {
        "HANCHOT_DATA_DIR": str(tmp_path),
        "HANCHOT_SECRET": "k" * 32,
        "ZALO_OA_ID": "1234567890123456789",
        "ZALO_APP_ID": "42",
        "ZALO_APP_SECRET": "primary-secret",
        "ZALO_OA_SECRET_KEY": "primary-key",
        "ZALO_STANDBY_APP_ID": "43",
        "ZALO_STANDBY_APP_SECRET_FILE": str(tmp_path / "standby"),
        "ZALO_STANDBY_OA_SECRET_KEY": "standby-key",
        "ZALO_STANDBY_REFRESH_TOKEN": "rt-standby",
    }
    zalo = NotifierSettings.from_env(env).zalo
    assert [(a.app_id, a.app_secret, a.standby) for a in zalo.apps] == [
        ("42", "primary-secret", False),
        ("43", "standby-secret", True),
    ]
    assert zalo.webhook_keys == {"42": "primary-key", "43": "standby-key"}
    secrets = NotifierSettings.from_env(env).secrets()
    assert {"standby-secret", "standby-key", "rt-standby"} <= set(secrets)
    alone = NotifierSettings.from_env({**env, "ZALO_STANDBY_APP_ID": ""}).zalo
    assert [a.app_id for a in alone.apps] == ["42"] and set(alone.webhook_keys) == {"42"}


def test_secrets_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:AAH-bot-token-value"
    logger = logging.getLogger("test.mask")
    mask = SecretMask([token, "smtp-pass"])
    logger.addFilter(mask)
    with caplog.at_level(logging.INFO, logger="test.mask"):
        logger.info('HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "200"', token)
        try:
            raise RuntimeError("login smtp-pass refused")
        except RuntimeError:
            logger.exception("SMTP failed")
    text = caplog.text
    assert token not in text and "smtp-pass" not in text
    assert "bot***/getUpdates" in text

"""Notifier settings from the environment: SMTP, IMAP, Telegram, links, secrets.

Every secret may also be given as a file (`SMTP_PASSWORD_FILE=/run/secrets/smtp`), the
way container secrets arrive. Secrets are `Secret` values: their repr is `***`, and
`secrets()` lists them for the log filter (`notifier.logs`) so no log line shows one.

SMTP_HOST, SMTP_PORT          relay (empty host: the local server `hanchot notify` starts)
SMTP_SECURITY                 starttls | ssl | none (default: starttls, none for loopback)
SMTP_USER, SMTP_PASSWORD      login, when the relay needs one
SMTP_FROM                     sender (default "hanchot <hanchot@localhost>")
SMTP_TIMEOUT                  seconds (default 30)
SMTP_MAX_PER_MINUTE           the relay's limit of messages a minute, shared by every
                              `hanchot notify` on one database (default 0: none)
HANCHOT_PUBLIC_URL            base of links in messages (default http://127.0.0.1:8000)
HANCHOT_SECRET                key for reply tokens and button signatures (default: a
                              random key kept in <data dir>/secret.key)
TELEGRAM_BOT_TOKEN            empty: Telegram messages stay in the outbox
TELEGRAM_API_BASE_URL         Bot API server (default https://api.telegram.org)
TELEGRAM_BOT_USERNAME         for t.me links when getMe cannot be asked
ZALO_OA_ID                    the Official Account's id; empty: Zalo messages stay in the outbox
ZALO_APP_ID, ZALO_APP_SECRET  the app the OA authorised (the secret signs token renewals)
ZALO_OA_SECRET_KEY            the OA secret key that signs webhook events (X-ZEvent-Signature)
ZALO_REFRESH_TOKEN            the first refresh token (from the OA's authorisation); later
                              ones are kept in the database (`zalo_tokens`), never here
ZALO_STANDBY_APP_ID, ZALO_STANDBY_APP_SECRET, ZALO_STANDBY_OA_SECRET_KEY,
ZALO_STANDBY_REFRESH_TOKEN    a second app the same OA authorised (optional): its own token
                              chain, so a crash that loses one chain's renewal leaves the
                              other sending (`notifier.zalo.oauth`)
ZALO_API_BASE_URL, ZALO_OAUTH_BASE_URL  (defaults https://openapi.zalo.me, https://oauth.zaloapp.com)
IMAP_HOST, IMAP_PORT          mailbox read for replies (empty host: no poller)
IMAP_SECURITY                 ssl | starttls | none (default ssl, none for loopback)
IMAP_USER, IMAP_PASSWORD, IMAP_MAILBOX (default INBOX)
IMAP_POLL_SECONDS             default 60
IMAP_AUTHSERV_ID              authserv-id of the organisation's own receiving mail server
                              (e.g. mx.soldtbxh.example): a reply is applied only when
                              that server's Authentication-Results authenticate its From
                              (dmarc=pass, or dkim/spf pass aligned with the From domain);
                              empty (default): From and the reply token are trusted alone
HANCHOT_SWEEP_SECONDS         how often the outbox relay sweeps (default 5)
HANCHOT_DELIVERY_LEASE_SECONDS how long a `sending` claim is honoured before a crashed
                              send is claimed again (default 180; keep it longer than
                              any one send, SMTP_TIMEOUT included)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from store import db
from store.secret_key import deployment_secret


class SettingsError(ValueError):
    """A setting has a value hanchot cannot use; the message names the variable."""


class Secret(str):
    """A string that never shows itself in a repr (and so in tracebacks and logs)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


NO_SECRET = Secret("")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _get(env: Mapping[str, str], name: str, default: str = "") -> str:
    """`$NAME`, else the content of the file `$NAME_FILE` (stripped), else `default`."""
    value = env.get(name)
    if value:
        return value
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(
                f"{name}_FILE={path}: không đọc được tệp ({exc.strerror})"
            ) from None
    return default


def _int(env: Mapping[str, str], name: str, default: int, low: int = 1, high: int = 65535) -> int:
    raw = _get(env, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: phải là số nguyên") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value}: phải từ {low} đến {high}")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = (_get(env, name) or default).strip().lower()
    if raw not in allowed:
        raise SettingsError(f"{name}={raw!r}: giá trị hợp lệ: {', '.join(allowed)}")
    return raw


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    """Empty: the embedded local server (started by `hanchot notify` / `hanchot dev`)."""
    port: int = 25
    security: str = "none"
    user: str = ""
    password: Secret = NO_SECRET
    sender: str = "hanchot <hanchot@localhost>"
    timeout: float = 30.0
    pool_size: int = 2
    max_per_minute: int = 0
    """The server's own limit (0: none): every relay together keeps under it."""

    @property
    def embedded(self) -> bool:
        return not self.host


@dataclass(frozen=True)
class ImapSettings:
    host: str = ""
    port: int = 993
    security: str = "ssl"
    user: str = ""
    password: Secret = NO_SECRET
    mailbox: str = "INBOX"
    poll_seconds: int = 60
    authserv_id: str = ""
    """The receiving server whose Authentication-Results are trusted (others are ignored:
    a sender can write his own with any id); empty: senders are not authenticated."""

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class TelegramSettings:
    token: Secret = NO_SECRET
    api_base_url: str = "https://api.telegram.org"
    bot_username: str = ""
    timeout: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def base_url(self) -> str:
        """What python-telegram-bot wants: the token is appended to it."""
        return self.api_base_url.rstrip("/") + "/bot"

    @property
    def base_file_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/file/bot"


@dataclass(frozen=True)
class ZaloApp:
    """One app the OA authorised: its own chain of tokens (renewed with its secret) and
    its own key for the webhook events it delivers. Follower ids are the OA's, so any
    of the OA's apps sends to the same people."""

    app_id: str
    app_secret: Secret
    oa_secret_key: Secret = NO_SECRET
    refresh_token: Secret = NO_SECRET
    standby: bool = False


@dataclass(frozen=True)
class ZaloSettings:
    oa_id: str = ""
    app_id: str = ""
    app_secret: Secret = NO_SECRET
    oa_secret_key: Secret = NO_SECRET
    refresh_token: Secret = NO_SECRET
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    timeout: float = 20.0
    standby_app_id: str = ""
    standby_app_secret: Secret = NO_SECRET
    standby_oa_secret_key: Secret = NO_SECRET
    standby_refresh_token: Secret = NO_SECRET

    @property
    def enabled(self) -> bool:
        return bool(self.oa_id and self.app_id and self.app_secret)

    @property
    def apps(self) -> tuple[ZaloApp, ...]:
        """The OA's apps with what renewing needs, the primary first (sends prefer it)."""
        apps = []
        if self.app_id and self.app_secret:
            apps.append(
                ZaloApp(self.app_id, self.app_secret, self.oa_secret_key, self.refresh_token)
            )
        if self.standby_app_id and self.standby_app_secret:
            apps.append(
                ZaloApp(
                    self.standby_app_id,
                    self.standby_app_secret,
                    self.standby_oa_secret_key,
                    self.standby_refresh_token,
                    standby=True,
                )
            )
        return tuple(apps)

    @property
    def webhook_keys(self) -> dict[str, str]:
        """app id -> the OA secret key that signs the events that app delivers."""
        return {a.app_id: str(a.oa_secret_key) for a in self.apps if a.oa_secret_key}

    @property
    def follow_url(self) -> str:
        """Where a person opens the OA to follow it and write to it."""
        return f"https://zalo.me/{self.oa_id}" if self.oa_id else ""


@dataclass(frozen=True)
class NotifierSettings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    public_url: str = "http://127.0.0.1:8000"
    secret: Secret = NO_SECRET
    data_dir: Path = field(default_factory=db.data_dir)
    evidence_max_bytes: int = 20 * 1024 * 1024
    snooze_hours: int = 24
    sweep_seconds: int = 5
    delivery_lease_seconds: int = 180
    job_lease_seconds: int = 30
    """How long the holder of a single job (mailbox poller, Telegram long polling) keeps it
    without renewing: the longest a job waits when its holder dies (`notifier.leader`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifierSettings:
        env = os.environ if env is None else env
        data_dir = Path(env.get(db.DATA_DIR_ENV) or ".hanchot")
        smtp_host = _get(env, "SMTP_HOST")
        smtp_security = _choice(
            env,
            "SMTP_SECURITY",
            ("starttls", "ssl", "none"),
            "none" if smtp_host in ("", *LOOPBACK) else "starttls",
        )
        imap_host = _get(env, "IMAP_HOST")
        imap_security = _choice(
            env,
            "IMAP_SECURITY",
            ("ssl", "starttls", "none"),
            "none" if imap_host in LOOPBACK else "ssl",
        )
        return cls(
            smtp=SmtpSettings(
                host=smtp_host,
                port=_int(env, "SMTP_PORT", _smtp_port(smtp_host, smtp_security)),
                security=smtp_security,
                user=_get(env, "SMTP_USER"),
                password=Secret(_get(env, "SMTP_PASSWORD")),
                sender=_get(env, "SMTP_FROM", "hanchot <hanchot@localhost>"),
                timeout=float(_int(env, "SMTP_TIMEOUT", 30, high=600)),
                pool_size=_int(env, "SMTP_POOL_SIZE", 2, high=32),
                max_per_minute=_int(env, "SMTP_MAX_PER_MINUTE", 0, low=0, high=1_000_000),
            ),
            imap=ImapSettings(
                host=imap_host,
                port=_int(env, "IMAP_PORT", 993 if imap_security == "ssl" else 143),
                security=imap_security,
                user=_get(env, "IMAP_USER"),
                password=Secret(_get(env, "IMAP_PASSWORD")),
                mailbox=_get(env, "IMAP_MAILBOX", "INBOX"),
                poll_seconds=_int(env, "IMAP_POLL_SECONDS", 60, low=5, high=86400),
                authserv_id=_authserv_id(env),
            ),
            telegram=TelegramSettings(
                token=Secret(_get(env, "TELEGRAM_BOT_TOKEN")),
                api_base_url=_get(env, "TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
                bot_username=_get(env, "TELEGRAM_BOT_USERNAME").lstrip("@"),
            ),
            zalo=ZaloSettings(
                oa_id=_get(env, "ZALO_OA_ID"),
                app_id=_get(env, "ZALO_APP_ID"),
                app_secret=Secret(_get(env, "ZALO_APP_SECRET")),
                oa_secret_key=Secret(_get(env, "ZALO_OA_SECRET_KEY")),
                refresh_token=Secret(_get(env, "ZALO_REFRESH_TOKEN")),
                api_base_url=_get(env, "ZALO_API_BASE_URL", "https://openapi.zalo.me"),
                oauth_base_url=_get(env, "ZALO_OAUTH_BASE_URL", "https://oauth.zaloapp.com"),
                standby_app_id=_standby_app_id(env),
                standby_app_secret=Secret(_get(env, "ZALO_STANDBY_APP_SECRET")),
                standby_oa_secret_key=Secret(_get(env, "ZALO_STANDBY_OA_SECRET_KEY")),
                standby_refresh_token=Secret(_get(env, "ZALO_STANDBY_REFRESH_TOKEN")),
            ),
            public_url=_get(env, "HANCHOT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            secret=Secret(_get(env, "HANCHOT_SECRET") or load_secret(data_dir)),
            data_dir=data_dir,
            evidence_max_bytes=_int(
                env, "HANCHOT_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, high=2**31
            ),
            sweep_seconds=_int(env, "HANCHOT_SWEEP_SECONDS", 5, high=3600),
            delivery_lease_seconds=_int(env, "HANCHOT_DELIVERY_LEASE_SECONDS", 180, high=86400),
            job_lease_seconds=_int(env, "HANCHOT_JOB_LEASE_SECONDS", 30, low=3, high=3600),
        )

    def secrets(self) -> list[str]:
        """Every secret value, for the log filter."""
        values = [
            self.smtp.password,
            self.imap.password,
            self.telegram.token,
            self.zalo.app_secret,
            self.zalo.oa_secret_key,
            self.zalo.refresh_token,
            self.zalo.standby_app_secret,
            self.zalo.standby_oa_secret_key,
            self.zalo.standby_refresh_token,
            self.secret,
        ]
        return [str(v) for v in values if v]


def _authserv_id(env: Mapping[str, str]) -> str:
    """One token (RFC 8601 `value`, in practice a host name): a value with spaces or
    separators could never equal a header's id and would quarantine every reply."""
    raw = _get(env, "IMAP_AUTHSERV_ID").strip()
    if raw and not re.fullmatch(r"[A-Za-z0-9._-]+", raw):
        raise SettingsError(
            f"IMAP_AUTHSERV_ID={raw!r}: phải là tên máy chủ nhận thư, ví dụ mx.soldtbxh.example"
        )
    return raw


def _standby_app_id(env: Mapping[str, str]) -> str:
    """A standby is another app: the primary's own id again would be one chain twice."""
    standby = _get(env, "ZALO_STANDBY_APP_ID").strip()
    if standby and standby == _get(env, "ZALO_APP_ID").strip():
        raise SettingsError(
            f"ZALO_STANDBY_APP_ID={standby}: phải là một ứng dụng khác ZALO_APP_ID "
            "(ứng dụng thứ hai được cùng OA ủy quyền)"
        )
    return standby


def _smtp_port(host: str, security: str) -> int:
    if security == "ssl":
        return 465
    return 25 if host in ("", *LOOPBACK) else 587


def load_secret(data_dir: Path) -> str:
    """The deployment's key in `<data dir>/secret.key` (see store.secret_key)."""
    return deployment_secret(data_dir)

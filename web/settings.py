"""Settings of the web dashboard, from the environment (the same variables the notifier
reads, so every process of a deployment agrees on the secret and the public address).

HANCHOT_DATABASE_URL / HANCHOT_DATA_DIR   the store (see store.db; password also from
                                           HANCHOT_DATABASE_PASSWORD_FILE)
HANCHOT_SECRET (or HANCHOT_SECRET_FILE)    signs submit links and CSRF tokens; default:
                                           a random key kept in <data dir>/secret.key
HANCHOT_PUBLIC_URL                         how people reach the dashboard (links, cookies)
HANCHOT_UPLOAD_MAX_BYTES                   largest evidence file accepted (default 20 MB)
HANCHOT_SESSION_HOURS                      how long a login lasts (default 12)
TELEGRAM_BOT_USERNAME                      the bot's name, for the t.me links in the link
                                           codes the dashboard sends (none: no Telegram way)
ZALO_OA_ID                                 the Zalo OA's id, as the notifier reads it: the
                                           link-code email says how to follow the OA and send
                                           it the code (none: no Zalo way)

Link codes are sent when at least one way is configured (`store.link_mail.Ways`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from notifier.settings import ZaloSettings
from store import db, link_mail
from store.secret_key import deployment_secret

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
BOT_NAME = re.compile(r"^[A-Za-z0-9_]{5,32}$")
"""A Telegram bot's name: anything else would make a broken t.me link."""


@dataclass(frozen=True)
class WebSettings:
    database_url: str
    secret: str = field(repr=False)
    data_dir: Path
    public_url: str = DEFAULT_PUBLIC_URL
    upload_max_bytes: int = 20 * 1024 * 1024
    session_lifetime: timedelta = timedelta(hours=12)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    telegram_bot_username: str = ""
    zalo_oa_id: str = ""

    @property
    def link_ways(self) -> link_mail.Ways:
        """How a link code can be used here: the bot (a valid name), the OA's follow link."""
        bot = self.telegram_bot_username
        return link_mail.Ways(
            bot_username=bot if BOT_NAME.match(bot) else "",
            zalo_url=ZaloSettings(oa_id=self.zalo_oa_id).follow_url,
        )

    @property
    def secure_cookies(self) -> bool:
        """Cookies marked Secure when people reach us over https (a browser would not send
        a Secure cookie back over plain http, which is what the embedded default serves)."""
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> WebSettings:
        env = os.environ if env is None else env
        data_dir = Path(env.get(db.DATA_DIR_ENV) or ".hanchot")
        values: dict[str, object] = {
            "database_url": db.database_url(env),
            "data_dir": data_dir,
            "public_url": (env.get("HANCHOT_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            "upload_max_bytes": int(env.get("HANCHOT_UPLOAD_MAX_BYTES") or 20 * 1024 * 1024),
            "session_lifetime": timedelta(hours=int(env.get("HANCHOT_SESSION_HOURS") or 12)),
            "telegram_bot_username": (env.get("TELEGRAM_BOT_USERNAME") or "").strip().lstrip("@"),
            "zalo_oa_id": (env.get("ZALO_OA_ID") or "").strip(),
        }
        values.update(overrides)
        if "secret" not in values:
            values["secret"] = read_secret(env, Path(str(values["data_dir"])))
        return cls(**values)  # type: ignore[arg-type]


def read_secret(env: Mapping[str, str], data_dir: Path) -> str:
    """`$HANCHOT_SECRET`, the file `$HANCHOT_SECRET_FILE`, or `<data dir>/secret.key`
    (created 0600 on first use, as the notifier does: whichever process starts first
    makes it, and the others read the same key)."""
    if env.get("HANCHOT_SECRET"):
        return env["HANCHOT_SECRET"]
    if env.get("HANCHOT_SECRET_FILE"):
        return Path(env["HANCHOT_SECRET_FILE"]).read_text(encoding="utf-8").strip()
    return deployment_secret(data_dir)

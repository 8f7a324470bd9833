"""A process that renews a Zalo OA token chain and is killed (SIGKILL, as `kill -9`) right
after Zalo answered and before the new pair is stored: run by test_zalo_tokens and
test_zalo_chains.

argv: database url, OAuth/API base url, OA id, then `app_id:app_secret` of the primary
app and, optionally, of the standby app. With `--live` first, the process is not killed:
it prints the app whose token it got (several at once: renewals under contention).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime

from activities.store_access import StoreAccess
from notifier.settings import Secret, ZaloSettings
from notifier.zalo.api import Pair, ZaloApi
from notifier.zalo.oauth import TokenSource
from store import db


class KilledBeforeStoring(TokenSource):
    def _store(self, app_id: str, generation: int, pair: Pair, expires: datetime) -> bool:
        print(f"renewed {app_id}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


async def main(url: str, base: str, oa_id: str, *apps: str, live: bool = False) -> None:
    primary, secret = apps[0].split(":", 1)
    standby, standby_secret = apps[1].split(":", 1) if len(apps) > 1 else ("", "")
    settings = ZaloSettings(
        oa_id,
        primary,
        Secret(secret),
        api_base_url=base,
        oauth_base_url=base,
        standby_app_id=standby,
        standby_app_secret=Secret(standby_secret),
    )
    kind = TokenSource if live else KilledBeforeStoring
    source = kind(StoreAccess(db.create_engine(url)), ZaloApi(settings))
    token = await source.access_token()
    print(f"token {token.app_id} renewals {source.renewals}", flush=True)


if __name__ == "__main__":
    live = sys.argv[1] == "--live"
    asyncio.run(main(*sys.argv[1 + live :], live=live))

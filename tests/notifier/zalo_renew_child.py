"""A process that renews a Zalo OA token chain and is killed (SIGKILL, as `kill -9`) right
after Zalo answered and before the new pair is stored: run by test_zalo_tokens and
test_zalo_chains.

argv: database url, OAuth/API base url, OA id, then `app_id:app_secret` of the primary
app and, optionally, of the standby app.
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


async def main(url: str, base: str, oa_id: str, *apps: str) -> None:
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
    source = KilledBeforeStoring(StoreAccess(db.create_engine(url)), ZaloApi(settings))
    await source.access_token()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))

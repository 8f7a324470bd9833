"""A process that renews the Zalo OA token and is killed (SIGKILL, as `kill -9`) right
after Zalo answered and before the new pair is stored: run by test_zalo_tokens.

argv: database url, OAuth/API base url, OA id, app id, app secret.
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
    def _store(self, generation: int, pair: Pair, expires: datetime) -> bool:
        print("renewed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


async def main(url: str, base: str, oa_id: str, app_id: str, secret: str) -> None:
    settings = ZaloSettings(oa_id, app_id, Secret(secret), api_base_url=base, oauth_base_url=base)
    source = KilledBeforeStoring(StoreAccess(db.create_engine(url)), ZaloApi(settings), oa_id)
    await source.access_token()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))

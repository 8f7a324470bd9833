"""The OA's access token for every send, renewed one process at a time, the newest
refresh token stored the moment Zalo returns it.

A renewal consumes the refresh token it sends (Zalo's refresh tokens are single-use), so:

1. the renewal is claimed in the store first (`store.zalo_tokens.claim`: who, since when),
   so only one process renews, and a renewal that never finished is visible;
2. Zalo is called with the stored refresh token;
3. the new pair is written at once, by that claim only, before the access token is used.

A process killed between 2 and 3 loses the pair Zalo sent; nothing can recover it (the
only copy was in the dead process). What this design keeps is everything else: the
previous access token, which a renewal does not revoke and which is renewed
`RENEW_BEFORE` ahead of its expiry, keeps every send going; the claim left behind
lapses after `LEASE` and the next process tries the stored refresh token, which Zalo
refuses: the token is then marked *stranded* with why, `hanchot doctor` says so and what
to do (`hanchot zalo authorize`), and until then sends go on with the access token
while it lasts and then wait in the outbox (held, never failed): no person's Zalo is
switched off and no message is lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, timedelta

from notifier.base import NotConfigured, TransportError
from notifier.delivery import Store
from notifier.zalo.api import Pair, RefreshRefused, ZaloApi, classify
from store import zalo_tokens
from store.base import utcnow
from store.zalo_tokens import Tokens

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(hours=12)
"""Renew when less than this is left of the access token (it lives 25 hours; half of
its life when shorter): a renewal lost to a crash leaves half a day of sending to
authorise the OA again."""
LEASE = timedelta(seconds=60)
"""How long a claimed renewal is honoured; far longer than the call."""
WAIT = 0.25


def renew_before(tokens: Tokens) -> timedelta:
    """How long before its expiry the token is renewed: `RENEW_BEFORE`, or half its
    lifetime when that is shorter (a one-hour token is not renewed at every send)."""
    if tokens.access_issued_at is None:
        return RENEW_BEFORE
    return min(RENEW_BEFORE, (tokens.access_expires_at - tokens.access_issued_at) / 2)


class Stranded(NotConfigured):
    """No usable access token and no refresh token Zalo accepts: messages stay pending."""


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class TokenSource:
    def __init__(self, store: Store, api: ZaloApi, oa_id: str, seed: str = "") -> None:
        self.store, self.api, self.oa_id, self.seed = store, api, oa_id, seed
        self.owner = owner_name()
        self.renewals = 0
        """Renewals this process stored (for tests and logs)."""

    def _read(self) -> Tokens | None:
        with self.store.write() as session:
            if self.seed:
                zalo_tokens.seed(session, self.oa_id, self.seed)
            return zalo_tokens.read(session, self.oa_id)

    async def access_token(self, force: bool = False) -> str:
        """A token that works now; renewed first when it is near its end (or `force`,
        after Zalo refused it). Raises Stranded or a transient TransportError."""
        for _ in range(int(LEASE.total_seconds() / WAIT) + 1):
            tokens = await asyncio.to_thread(self._read)
            if tokens is None:
                raise Stranded("Zalo: chưa có refresh token (ZALO_REFRESH_TOKEN)")
            now = utcnow()
            usable = bool(tokens.access_token) and tokens.access_expires_at > now
            if usable and not force and tokens.access_expires_at - now > renew_before(tokens):
                return tokens.access_token
            if tokens.stranded_at is not None:
                if usable and not force:
                    return tokens.access_token
                raise Stranded(f"Zalo: cần ủy quyền lại OA ({tokens.stranded_reason})")
            try:
                renewed = await self._renew(tokens.generation)
            except (Stranded, TransportError) as exc:
                if usable and not force:  # the token it renews still works: keep sending
                    log.warning("zalo token renewal failed, the current one still works: %s", exc)
                    return tokens.access_token
                raise
            if renewed is not None:
                return renewed
            if usable and not force:  # someone else is renewing; this one still works
                return tokens.access_token
            await asyncio.sleep(WAIT)
            force = False  # the other renewal, once stored, is the fresh token
        raise TransportError("zalo: token renewal by another process did not finish")

    async def _renew(self, seen_generation: int) -> str | None:
        """Renew under a claim; None when another process holds it or renewed already."""
        claimed = await asyncio.to_thread(self._claim)
        if claimed is None:
            return None
        if claimed.generation != seen_generation and claimed.access_expires_at > utcnow():
            await asyncio.to_thread(self._release)
            return claimed.access_token if claimed.access_token else None
        try:
            pair = await self.api.renew(claimed.refresh_token)
        except RefreshRefused as exc:
            log.error("zalo refused the stored refresh token: %s", exc)
            await asyncio.to_thread(self._strand, str(exc))
            raise Stranded(f"Zalo: cần ủy quyền lại OA ({exc})") from exc
        except Exception as exc:
            await asyncio.to_thread(self._release)
            raise classify(exc) from exc
        expires = utcnow() + pair.expires_in
        stored = await asyncio.to_thread(self._store, claimed.generation, pair, expires)
        if not stored:  # our claim lapsed and another took it: theirs is the truth
            log.error("zalo renewal at generation %d could not be stored", claimed.generation)
            return None
        self.renewals += 1
        log.info("zalo access token renewed (generation %d)", claimed.generation + 1)
        return pair.access_token

    def _claim(self) -> Tokens | None:
        with self.store.write() as session:
            return zalo_tokens.claim(session, self.oa_id, self.owner, LEASE)

    def _store(self, generation: int, pair: Pair, expires: datetime) -> bool:
        with self.store.write() as session:
            return zalo_tokens.renewed(
                session,
                self.oa_id,
                self.owner,
                generation,
                pair.access_token,
                expires,
                pair.refresh_token,
            )

    def _release(self) -> None:
        with self.store.write() as session:
            zalo_tokens.release(session, self.oa_id, self.owner)

    def _strand(self, reason: str) -> None:
        with self.store.write() as session:
            zalo_tokens.strand(session, self.oa_id, self.owner, reason)

"""The OA's access tokens for every send, from one or two chains of tokens (one per app
the OA authorised), each renewed one process at a time, the newest refresh token
stored the moment Zalo returns it.

A renewal consumes the refresh token it sends (Zalo's refresh tokens are single-use), so:

1. the renewal is claimed in the store first (`store.zalo_tokens.claim`: who, since when),
   and only while no other chain of the OA holds a claim or one in doubt;
2. Zalo is called with the chain's stored refresh token;
3. the new pair is written at once, by that claim only, before the access token is used.

A process killed between 2 and 3 loses the pair Zalo sent; nothing can recover it (the
only copy was in the dead process), and its claim is left behind. Once that claim has
lapsed (`LEASE`) the chain is *in doubt*, and the next process that looks (at a send,
or `hanchot notify`'s upkeep every `UPKEEP`) resolves it before any other renewal of the
OA: it tries the stored refresh token (accepted: the crash came
before Zalo consumed it, and the new pair is stored; refused: the chain is marked
*stranded*, an ERROR is logged, the operators get one mail, `hanchot doctor` names the
app to authorise again with `hanchot zalo authorize --app`). A renewal whose answer never
came (a timeout, a cut connection) is left in doubt the same way. So a crash strands at
most one chain of an OA, never two.

What is guaranteed:

- With one app: a kill -9 between renewal and storage strands the OA's only chain. Its
  access token (not revoked by a renewal) keeps every send going while it lasts (up to
  half a day: renewals start `RENEW_BEFORE` ahead of its expiry); then Zalo messages
  wait in the outbox (held, never failed) until `hanchot zalo authorize`: nobody's Zalo
  is switched off and nothing is lost, but Zalo stops until an operator acts.
- With two apps (a standby, `ZALO_STANDBY_*`): a kill -9 strands at most the one chain
  that was renewing; the other renews and sends on, past the stranded chain's expiry,
  without anyone acting. Sends prefer the primary while its token works; an access
  token Zalo calls invalid (-216) is set aside and the send tried once on the other
  chain. The two chains are kept from falling due together (a renewal that falls within
  `renew_before / 2` of the other chain's is put off to that point), so a crash in one
  renewal finds the other chain's token fresh. Zalo stops only if both chains are lost
  (two crashes, each in its own renewal, with no authorisation between them).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from notifier.base import NotConfigured, TransportError
from notifier.delivery import Store
from notifier.settings import ZaloApp
from notifier.zalo.api import Pair, RefreshRefused, ZaloApi, ZaloError, classify
from store import account_mail, operator_mail, zalo_tokens
from store.base import utcnow
from store.zalo_tokens import Tokens

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(hours=12)
"""Renew when less than this is left of the access token (it lives 25 hours; half of
its life when shorter): a renewal lost to a crash leaves half a day of sending to
authorise the app again."""
LEASE = timedelta(seconds=60)
"""How long a claimed renewal is honoured; far longer than the call."""
WAIT = 0.25
UPKEEP = timedelta(minutes=5)
"""How often `hanchot notify` looks after the chains when nothing is sent."""
STRANDED_STEP = "zalo_stranded:"


def renew_before(tokens: Tokens) -> timedelta:
    """How long before its expiry the token is renewed: `RENEW_BEFORE`, or half its
    lifetime when that is shorter (a one-hour token is not renewed at every send)."""
    if tokens.access_issued_at is None:
        return RENEW_BEFORE
    return min(RENEW_BEFORE, (tokens.access_expires_at - tokens.access_issued_at) / 2)


def due(chains: list[Tokens], now: datetime) -> list[Tokens]:
    """The chains to renew now, those in doubt first (they hold back every other)."""
    doubt = [c for c in chains if c.in_doubt(now, LEASE)]
    if doubt:
        return doubt
    return [c for c in chains if _due(c, [o for o in chains if o is not c], now)]


def _due(chain: Tokens, others: list[Tokens], now: datetime) -> bool:
    if chain.stranded_at is not None or chain.renewing_since is not None:
        return False
    if not chain.usable(now):
        return True
    left, before = chain.access_expires_at - now, renew_before(chain)
    if left > before:
        return False
    if left <= before / 2:
        return True
    spacing = before / 2  # the other chain renewed lately: wait, so the two stay apart
    return not any(o.access_issued_at and o.access_issued_at > now - spacing for o in others)


def _answered(exc: Exception) -> bool:
    """Zalo answered, or the request never left: the refresh token was not consumed."""
    never_sent = (httpx.ConnectError, httpx.ConnectTimeout)
    return isinstance(exc, (ZaloError, httpx.HTTPStatusError, *never_sent))


class Stranded(NotConfigured):
    """No usable access token and no refresh token Zalo accepts: messages stay pending."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    app_id: str
    value: str


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class TokenSource:
    def __init__(self, store: Store, api: ZaloApi) -> None:
        self.store, self.api = store, api
        self.oa_id = api.settings.oa_id
        self.apps = {app.app_id: app for app in api.settings.apps}
        """The configured apps, the primary first: the order sends prefer."""
        self.owner = owner_name()
        self.renewals = 0
        """Renewals this process stored (for tests and logs)."""
        self._seeded = False

    def _read(self) -> list[Tokens]:
        if not self._seeded:
            with self.store.write() as session:
                if self.apps:
                    zalo_tokens.adopt(session, self.oa_id, next(iter(self.apps)))
                for app in self.apps.values():
                    if app.refresh_token:
                        zalo_tokens.seed(session, self.oa_id, app.app_id, str(app.refresh_token))
            self._seeded = True
        with self.store.read() as session:
            chains = zalo_tokens.chains(session, self.oa_id)
        return [chains[app_id] for app_id in self.apps if app_id in chains]

    async def access_token(self, avoid: str = "") -> AccessToken:
        """A token that works now, the primary's when it has one (`avoid`: an app whose
        token Zalo just refused, used only when no other works); chains in doubt are
        resolved and chains near their end renewed first. Raises Stranded when no chain
        can send until an app is authorised again, or a transient TransportError."""
        error: Exception | None = None
        for _ in range(int(LEASE.total_seconds() / WAIT) + 1):
            chains = await asyncio.to_thread(self._read)
            if not chains:
                raise Stranded("Zalo: chưa có refresh token (ZALO_REFRESH_TOKEN)")
            chains, error = await self._upkeep(chains, error)
            now = utcnow()
            usable = [c for c in chains if c.usable(now)]
            chosen = next((c for c in usable if c.app_id != avoid), None) or next(
                iter(usable), None
            )
            if chosen is not None:
                if error is not None:
                    log.warning("zalo token renewal failed, app %s sends: %s", chosen.app_id, error)
                return AccessToken(chosen.app_id, chosen.access_token)
            if not any(c.renewing_by not in (None, self.owner) for c in chains):
                break  # no other process is renewing: waiting cannot help
            await asyncio.sleep(WAIT)
            error = None
        if error is not None and not isinstance(error, Stranded):
            raise error
        stranded = [c for c in chains if c.stranded_at is not None]
        if stranded and len(stranded) == len(chains):
            apps = ", ".join(f"{c.app_id} ({c.stranded_reason})" for c in stranded)
            raise Stranded(f"Zalo: cần ủy quyền lại ứng dụng {apps}")
        raise error or TransportError("zalo: token renewal by another process did not finish")

    async def upkeep(self) -> None:
        """Resolve a renewal in doubt and renew the chains that are due, with no send
        waiting (`hanchot notify` runs it every `UPKEEP`): a crash is found out, and the
        operators told, within minutes, and a quiet OA keeps its chains apart and alive."""
        _, error = await self._upkeep(await asyncio.to_thread(self._read), None)
        if error is not None:
            log.warning("zalo token upkeep: %s", error)

    async def _upkeep(
        self, chains: list[Tokens], error: Exception | None
    ) -> tuple[list[Tokens], Exception | None]:
        tried: set[str] = set()  # one at a time: each renewal may defer the next
        while chain := next((c for c in due(chains, utcnow()) if c.app_id not in tried), None):
            tried.add(chain.app_id)
            try:
                await self._renew(chain)
            except (Stranded, TransportError) as exc:
                error = exc
            chains = await asyncio.to_thread(self._read)
        return chains, error

    async def refused(self, token: AccessToken) -> None:
        """Zalo called `token` invalid: set it aside (its chain renews at the next send)."""
        await asyncio.to_thread(self._refused, token)

    async def _renew(self, seen: Tokens) -> bool:
        """Renew (or resolve the doubt of) one chain under a claim; False when another
        process holds the claim, another chain holds one, or the chain was renewed."""
        app = self.apps[seen.app_id]
        claimed = await asyncio.to_thread(self._claim, app.app_id)
        if claimed is None:
            return False
        if claimed.generation != seen.generation:  # renewed meanwhile by another process
            await asyncio.to_thread(self._release, app.app_id)
            return False
        if seen.renewing_since is not None:
            since, by = seen.renewing_since, seen.renewing_by
            log.warning("zalo renewal of app %s by %s in doubt since %s", app.app_id, by, since)
        try:
            pair = await self.api.renew(app, claimed.refresh_token)
        except RefreshRefused as exc:
            log.error("zalo refused the stored refresh token of app %s: %s", app.app_id, exc)
            await asyncio.to_thread(self._strand, app, claimed.generation, str(exc))
            raise Stranded(f"Zalo: cần ủy quyền lại ứng dụng {app.app_id} ({exc})") from exc
        except Exception as exc:
            if _answered(exc):
                await asyncio.to_thread(self._release, app.app_id)
            else:  # Zalo may have consumed it: the next process finds out
                log.error("zalo renewal of app %s unanswered, left in doubt: %s", app.app_id, exc)
            raise classify(exc) from exc
        expires = utcnow() + pair.expires_in
        stored = await asyncio.to_thread(self._store, app.app_id, claimed.generation, pair, expires)
        if not stored:  # our claim lapsed and another took it: theirs is the truth
            log.error(
                "zalo renewal of app %s at generation %d could not be stored",
                app.app_id,
                claimed.generation,
            )
            return False
        self.renewals += 1
        log.info("zalo token of app %s renewed (generation %d)", app.app_id, claimed.generation + 1)
        return True

    def _claim(self, app_id: str) -> Tokens | None:
        with self.store.write() as session:
            return zalo_tokens.claim(session, self.oa_id, app_id, self.owner, LEASE)

    def _store(self, app_id: str, generation: int, pair: Pair, expires: datetime) -> bool:
        with self.store.write() as session:
            return zalo_tokens.renewed(
                session,
                self.oa_id,
                app_id,
                self.owner,
                generation,
                pair.access_token,
                expires,
                pair.refresh_token,
            )

    def _release(self, app_id: str) -> None:
        with self.store.write() as session:
            zalo_tokens.release(session, self.oa_id, app_id, self.owner)

    def _refused(self, token: AccessToken) -> None:
        with self.store.write() as session:
            zalo_tokens.refused(session, self.oa_id, token.app_id, token.value)

    def _strand(self, app: ZaloApp, generation: int, reason: str) -> None:
        """Mark the chain stranded and, in the same transaction, mail the operators."""
        with self.store.write() as session:
            if not zalo_tokens.strand(session, self.oa_id, app.app_id, self.owner, reason):
                return
            others = [
                c
                for c in zalo_tokens.chains(session, self.oa_id).values()
                if c.app_id in self.apps and c.app_id != app.app_id
            ]
            told = operator_mail.enqueue(
                session,
                f"{STRANDED_STEP}{self.oa_id}:{app.app_id}:{generation}",
                {
                    "kind": "zalo_stranded",
                    "oa_id": self.oa_id,
                    "app_id": app.app_id,
                    "standby": app.standby,
                    "reason": reason,
                    "at_text": account_mail.local_text(utcnow()),
                    "carried_by": next((c.app_id for c in others if c.stranded_at is None), None),
                },
            )
        log.error("zalo app %s stranded; operators told: %s", app.app_id, len(told))

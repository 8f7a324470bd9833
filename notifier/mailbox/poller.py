"""The mailbox poller: an APScheduler interval job reading unread replies over IMAP.

Each poll lists the unread messages (without marking them), hands each to the
`ReplyHandler`, and marks as read each one as soon as it is settled, so a crash or an
unreachable engine leaves a reply to be read again; the inbound record makes a second
reading harmless.

Nothing anyone can send jams it (issue 12):
- IMAP and the store are reached from threads and parsing runs in a child process
  (`notifier.mailbox.isolate`), so the event loop it shares with delivery (and, in
  `hanchot dev`, with the workflow worker and the dashboard) never waits on a message;
- a message over `Limits.max_bytes` is never fetched whole (its header section is kept);
- a message that cannot be processed (`notifier.mailbox.bounds.Poison`: beyond the
  bounds, unparsable, or failing `MAX_ATTEMPTS` times) is set aside once and marked
  read, never retried forever; when even that fails it is flagged `$HanchotSkipped`;
- one poll takes at most `MAX_PER_POLL` messages (in a backlog, the newest half of them
  first and then the oldest), and stops after `budget` seconds: a backlog of any size
  can neither hide a new reply nor keep an old one waiting for ever.

The mailbox's settings carry the authserv-id of the server that delivers into it
(`IMAP_AUTHSERV_ID`): it belongs with the mailbox, since only that server's
Authentication-Results in these messages can be trusted.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy.exc
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.aside import HEAD_BYTES, set_aside
from notifier.mailbox.bounds import Limits, Poison, too_large
from notifier.mailbox.isolate import ParserProcess, described
from notifier.mailbox.parse import Reply
from notifier.settings import ImapSettings

log = logging.getLogger(__name__)

MAX_PER_POLL = 200
MAX_ATTEMPTS = 3
"""Polls a message may fail in before it is set aside (a fault of ours or of the message;
an outage of IMAP or the store is neither, and stops the poll without counting)."""
OUTAGES = (imaplib.IMAP4.error, OSError, sqlalchemy.exc.OperationalError)
SKIPPED = "$HanchotSkipped"
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    read: int = 0
    applied: int = 0
    quarantined: int = 0
    deferred: int = 0
    set_aside: int = 0
    """Poison: quarantined once, without being parsed or applied."""
    left: int = 0
    """Unread messages this poll did not reach (beyond MAX_PER_POLL or its budget)."""


class Session:
    """One IMAP connection for one poll; every call blocks (the poller runs it in threads)."""

    def __init__(self, client: imaplib.IMAP4) -> None:
        self.client = client

    def unseen(self) -> list[bytes]:
        _, data = self.client.uid("SEARCH", None, "UNSEEN")
        return sorted((data[0] or b"").split(), key=int)

    def sizes(self, uids: list[bytes]) -> dict[bytes, int]:
        if not uids:
            return {}
        _, data = self.client.uid("FETCH", b",".join(uids).decode(), "(RFC822.SIZE)")
        out = {}
        for line in data:
            text = line[0] if isinstance(line, tuple) else line
            uid, size = _UID.search(text or b""), _SIZE.search(text or b"")
            if uid and size:
                out[uid.group(1)] = int(size.group(1))
        return out

    def fetch(self, uid: bytes, what: str = "BODY.PEEK[]") -> bytes | None:
        _, parts = self.client.uid("FETCH", uid.decode(), f"({what})")
        return next((p[1] for p in parts if isinstance(p, tuple)), None)

    def head(self, uid: bytes) -> bytes | None:
        """The start of the header section, never the body: for a message too large."""
        return self.fetch(uid, f"BODY.PEEK[HEADER]<0.{HEAD_BYTES}>")

    def mark_read(self, uid: bytes, *flags: str) -> None:
        self.client.uid("STORE", uid.decode(), "+FLAGS", "(" + " ".join(("\\Seen", *flags)) + ")")

    def close(self) -> None:
        _logout(self.client)


class Mailbox:
    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings

    def open(self) -> Session:
        s = self.settings
        if s.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                s.host, s.port, ssl_context=ssl.create_default_context(), timeout=30
            )
        else:
            client = imaplib.IMAP4(s.host, s.port, timeout=30)
            if s.security == "starttls":
                client.starttls(ssl.create_default_context())
        try:
            client.login(s.user, str(s.password))
            status, _ = client.select(_quote(s.mailbox))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open mailbox {s.mailbox!r}")
        except BaseException:
            _logout(client)
            raise
        return Session(client)


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


def fair_share(uids: list[bytes], limit: int) -> list[bytes]:
    """Which unread messages one poll takes, in order: all of them oldest first when they
    fit in `limit`; in a backlog, the newest half of `limit` newest first (a reply that
    just came is never behind the backlog), then the oldest (the backlog drains,
    whatever keeps coming)."""
    if len(uids) <= limit:
        return list(uids)
    newest = uids[len(uids) - limit // 2 :]
    return list(reversed(newest)) + uids[: limit - len(newest)]


class MailboxPoller:
    def __init__(
        self,
        mailbox: Mailbox,
        handler: ReplyHandler,
        parser: ParserProcess | None = None,
        budget: float | None = None,
        max_per_poll: int = MAX_PER_POLL,
    ) -> None:
        self.mailbox = mailbox
        self.handler = handler
        self.parser = parser or ParserProcess()
        self.budget = budget
        """Seconds after which a poll takes no further message (None: no limit)."""
        self.max_per_poll = max_per_poll
        self.failures: dict[bytes, int] = {}
        self._lock = asyncio.Lock()
        self.gate: Callable[[], bool] = lambda: True
        """Whether this process may poll now: with several notifiers, only the holder of
        the mailbox lease (`notifier.leader`); checked before each poll and message."""

    @property
    def authserv_id(self) -> str:
        return self.mailbox.settings.authserv_id

    @property
    def limits(self) -> Limits:
        return self.parser.limits

    async def poll(self) -> PollResult:
        result = PollResult()
        async with self._lock:  # one poll at a time, whatever the scheduler does
            session = await asyncio.to_thread(self.mailbox.open)
            try:
                uids = await asyncio.to_thread(session.unseen)
                chosen = fair_share(uids, self.max_per_poll)
                result.left = len(uids) - len(chosen)
                sizes = await asyncio.to_thread(session.sizes, chosen)
                loop = asyncio.get_running_loop()
                stop_at = None if self.budget is None else loop.time() + self.budget
                for done, uid in enumerate(chosen):
                    out_of_time = stop_at is not None and loop.time() >= stop_at
                    if out_of_time or not self.gate():
                        result.left += len(chosen) - done
                        break
                    if uid in sizes:  # else expunged meanwhile
                        await self._one(session, uid, sizes[uid], result)
            finally:
                await asyncio.to_thread(session.close)
        if result.read or result.left:
            log.info("mailbox: %s", result)
        return result

    async def _one(self, session: Session, uid: bytes, size: int, result: PollResult) -> None:
        if size > self.limits.max_bytes:
            head = await asyncio.to_thread(session.head, uid)
            if head is None:  # expunged meanwhile
                return
            raw = head
            parsed: Reply | Poison = described(raw, self.limits, too_large(size, self.limits))
        else:
            fetched = await asyncio.to_thread(session.fetch, uid)
            if fetched is None:
                return
            raw = fetched
            parsed = await asyncio.to_thread(self.parser.parse, raw)
        result.read += 1
        if isinstance(parsed, Poison):
            await self._set_aside(session, uid, raw, parsed)
            result.set_aside += 1
            return
        try:
            outcome = await self.handler.handle(raw, parsed, self.authserv_id)
        except OUTAGES:
            raise
        except Exception:
            attempts = self.failures[uid] = self.failures.get(uid, 0) + 1
            log.exception("reply uid %s could not be handled (attempt %d)", uid, attempts)
            if attempts < MAX_ATTEMPTS:
                result.deferred += 1
                return
            reply = parsed
            why = (("attempts", str(attempts)),)
            poison = Poison("failed", why, reply.sender, reply.subject)
            await self._set_aside(session, uid, raw, poison)
            result.set_aside += 1
            return
        if outcome is None:
            result.deferred += 1
            return
        self.failures.pop(uid, None)
        await asyncio.to_thread(session.mark_read, uid)
        if outcome.value == "applied":
            result.applied += 1
        else:
            result.quarantined += 1

    async def _set_aside(self, session: Session, uid: bytes, raw: bytes, poison: Poison) -> None:
        """Quarantined once and marked read; if even that fails, marked and skipped."""
        flags: tuple[str, ...] = ()
        try:
            await asyncio.to_thread(
                set_aside, self.handler.store, self.handler.evidence, raw, poison
            )
        except OUTAGES:
            raise
        except Exception:
            log.exception("reply uid %s could not be set aside; flagged %s", uid, SKIPPED)
            flags = (SKIPPED,)
        self.failures.pop(uid, None)
        await asyncio.to_thread(session.mark_read, uid, *flags)

    def close(self) -> None:
        """Stop the parsing child (the service's shutdown)."""
        self.parser.close()

    async def poll_safely(self) -> None:
        """The scheduled job: a failed poll (server down) is logged and tried next time;
        skipped while another process holds the mailbox (`gate`)."""
        if not self.gate():
            return
        try:
            await self.poll()
        except OUTAGES as exc:
            log.warning("mailbox poll failed: %s", exc)

    def schedule(self, scheduler: AsyncIOScheduler, seconds: int) -> None:
        """Poll every `seconds`, each poll within half of that (`budget`, unless set), so
        the next poll starts on time with the newest mail; said once, at start-up, how
        replies' senders are trusted."""
        if self.budget is None:
            self.budget = seconds / 2
        if self.authserv_id:
            log.info(
                "replies are applied only when Authentication-Results from %s "
                "authenticate the sender (dmarc, or aligned dkim or spf)",
                self.authserv_id,
            )
        else:
            log.info(
                "IMAP_AUTHSERV_ID not set: replies are trusted by their From address "
                "and deadline token only"
            )
        scheduler.add_job(
            self.poll_safely,
            "interval",
            seconds=seconds,
            id="mailbox-poll",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )

"""The mailbox poller: an APScheduler interval job reading unread replies over IMAP.

Each poll fetches the unread messages (without marking them), hands each to the
`ReplyHandler`, and marks as read only those it settled, so a crash or an unreachable
engine leaves a reply to be read again; the inbound record (unique Message-ID) makes a
second reading harmless.

The mailbox's settings carry the authserv-id of the server that delivers into it
(`IMAP_AUTHSERV_ID`): it belongs with the mailbox, since only that server's
Authentication-Results in these messages can be trusted.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.parse import parse
from notifier.settings import ImapSettings

log = logging.getLogger(__name__)

MAX_PER_POLL = 200


@dataclass
class PollResult:
    read: int = 0
    applied: int = 0
    quarantined: int = 0
    deferred: int = 0


class Mailbox:
    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings

    def _connect(self) -> imaplib.IMAP4:
        s = self.settings
        if s.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                s.host, s.port, ssl_context=ssl.create_default_context(), timeout=30
            )
        else:
            client = imaplib.IMAP4(s.host, s.port, timeout=30)
            if s.security == "starttls":
                client.starttls(ssl.create_default_context())
        client.login(s.user, str(s.password))
        status, _ = client.select(_quote(s.mailbox))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open mailbox {s.mailbox!r}")
        return client

    def unread(self, limit: int = MAX_PER_POLL) -> list[tuple[bytes, bytes]]:
        """(uid, raw message) of unread messages, oldest first; nothing is marked read."""
        client = self._connect()
        try:
            _, data = client.uid("SEARCH", None, "UNSEEN")
            uids = (data[0] or b"").split()[:limit]
            out = []
            for uid in uids:
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                if raw is not None:
                    out.append((uid, raw))
            return out
        finally:
            _logout(client)

    def mark_read(self, uids: list[bytes]) -> None:
        if not uids:
            return
        client = self._connect()
        try:
            client.uid("STORE", b",".join(uids).decode(), "+FLAGS", "(\\Seen)")
        finally:
            _logout(client)


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


class MailboxPoller:
    def __init__(self, mailbox: Mailbox, handler: ReplyHandler) -> None:
        self.mailbox = mailbox
        self.handler = handler
        self._lock = asyncio.Lock()

    @property
    def authserv_id(self) -> str:
        return self.mailbox.settings.authserv_id

    async def poll(self) -> PollResult:
        result = PollResult()
        async with self._lock:  # one poll at a time, whatever the scheduler does
            messages = await asyncio.to_thread(self.mailbox.unread)
            done: list[bytes] = []
            for uid, raw in messages:
                result.read += 1
                try:
                    outcome = await self.handler.handle(raw, parse(raw), self.authserv_id)
                except Exception:
                    log.exception("reply uid %s could not be handled; left unread", uid)
                    outcome = None
                if outcome is None:
                    result.deferred += 1
                    continue
                done.append(uid)
                if outcome.value == "applied":
                    result.applied += 1
                else:
                    result.quarantined += 1
            await asyncio.to_thread(self.mailbox.mark_read, done)
        if result.read:
            log.info("mailbox: %s", result)
        return result

    async def poll_safely(self) -> None:
        """The scheduled job: a failed poll (server down) is logged and tried next time."""
        try:
            await self.poll()
        except (imaplib.IMAP4.error, OSError) as exc:
            log.warning("mailbox poll failed: %s", exc)

    def schedule(self, scheduler: AsyncIOScheduler, seconds: int) -> None:
        """Poll every `seconds`; said once, at start-up, how replies' senders are trusted."""
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

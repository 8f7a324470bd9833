"""The notifier process (`hanchot notify`): the only process that sends.

Around a Temporal worker on the delivery task queue (`<queue>.notify`, see
`hanchot.notify`), so that one process holds the Telegram pacer and the SMTP
connections, it runs an APScheduler with two interval jobs: the sweep (the notifier's
own notices and link emails, and any row its workflow never delivered) and, when IMAP
is configured, the mailbox poller. The sweep's period and the lease of a `sending` claim
come from the settings (HANCHOT_SWEEP_SECONDS, default 5; HANCHOT_DELIVERY_LEASE_SECONDS,
default 180). Without SMTP settings it starts the embedded local SMTP server,
whose Maildir keeps every message visible; without a Telegram token, Telegram
messages stay in the outbox.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from temporalio.client import Client

from notifier.delivery import Deliverer, Store, sweepable
from notifier.email.local import LocalMailServer
from notifier.email.transport import EmailChannel
from notifier.inbound import Engine
from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.poller import Mailbox, MailboxPoller
from notifier.registry import Registry
from notifier.settings import NotifierSettings
from notifier.telegram.transport import TelegramChannel
from store.evidence import EvidenceStore

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(0)
"""The sweep is the outbox relay: every few seconds it claims what is due and sends it.
Workflows only write the outbox (in the same activity as their state change), so a
notifier that is down delays messages without holding up any deadline's timers."""


def build_registry(settings: NotifierSettings) -> Registry:
    channels: list[object] = [EmailChannel(settings.smtp)]
    if settings.telegram.enabled:
        channels.append(TelegramChannel(settings.telegram))
    return Registry(channels)  # type: ignore[arg-type]


@dataclass
class Running:
    settings: NotifierSettings
    registry: Registry
    deliverer: Deliverer
    scheduler: AsyncIOScheduler
    mail_server: LocalMailServer | None
    poller: MailboxPoller | None


async def sweep(deliverer: Deliverer, grace: timedelta = SWEEP_GRACE) -> int:
    here = [c.name for c in deliverer.registry]
    ids = sweepable(deliverer.store, here, grace, lease=deliverer.lease)
    sent = 0
    for row_id in ids:
        outcome = await deliverer.deliver(row_id)
        sent += outcome.status == "sent"
    if ids:
        log.info("sweep: %d rows tried, %d sent", len(ids), sent)
    return sent


async def _sweep_safely(deliverer: Deliverer) -> None:
    try:
        await sweep(deliverer)
    except Exception:
        log.exception("outbox sweep failed; next one in %ds", deliverer.settings.sweep_seconds)


@contextlib.asynccontextmanager
async def notifier_service(
    client: Client,
    store: Store,
    settings: NotifierSettings,
) -> AsyncIterator[Running]:
    """The notifier's channels, sweep and poller, until the block exits (the delivery
    worker around them is wired by `hanchot.notify`)."""
    mail_server = None
    if settings.smtp.embedded:
        mail_server = LocalMailServer(settings.data_dir / "mail")
        mail_server.start()
        settings = replace(settings, smtp=mail_server.settings(settings.smtp))
        log.info("no SMTP_HOST: mail goes to the local server, kept in %s", mail_server.maildir)
    if not settings.telegram.enabled:
        log.info("no TELEGRAM_BOT_TOKEN: Telegram messages stay in the outbox")
    registry = build_registry(settings)
    deliverer = Deliverer(
        store, registry, settings, lease=timedelta(seconds=settings.delivery_lease_seconds)
    )
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    scheduler.add_job(
        _sweep_safely,
        "interval",
        args=[deliverer],
        seconds=settings.sweep_seconds,
        id="outbox-sweep",
        max_instances=1,
        coalesce=True,
    )
    poller = None
    if settings.imap.enabled:
        handler = ReplyHandler(
            store,
            Engine(client),
            EvidenceStore(settings.data_dir, settings.evidence_max_bytes),
            settings.secret,
        )
        poller = MailboxPoller(Mailbox(settings.imap), handler)
        poller.schedule(scheduler, settings.imap.poll_seconds)
    try:
        scheduler.start()
        yield Running(settings, registry, deliverer, scheduler, mail_server, poller)
    finally:
        scheduler.shutdown(wait=False)
        await registry.aclose()
        if mail_server is not None:
            mail_server.stop()

"""The notifier process (`hanchot notify`): the only process that sends.

Around a Temporal worker on the delivery task queue (`<queue>.notify`, see
`hanchot.notify`), so that one process holds the Telegram pacer and the SMTP
connections, it runs an APScheduler with two interval jobs: the sweep (the notifier's
own notices and link emails, and any row its workflow never delivered) and, when IMAP
is configured, the mailbox poller. Several notifiers may run on one store: each sweeps,
but the mailbox is polled by one at a time, the holder of the `mailbox` lease
(`notifier.leader`, HANCHOT_JOB_LEASE_SECONDS), which another takes over when its
holder dies. The sweep's period and the lease of a `sending` claim
come from the settings (HANCHOT_SWEEP_SECONDS, default 5; HANCHOT_DELIVERY_LEASE_SECONDS,
default 180). Without SMTP settings it starts the embedded local SMTP server,
whose Maildir keeps every message visible; without a Telegram token, Telegram
messages stay in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from temporalio.client import Client

from notifier.delivery import Deliverer, Store
from notifier.email.local import LocalMailServer
from notifier.email.transport import EmailChannel
from notifier.inbound import Engine
from notifier.leader import MAILBOX, Leader, leading
from notifier.mailbox import matching
from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.bounds import Limits
from notifier.mailbox.isolate import ParserProcess
from notifier.mailbox.poller import Mailbox, MailboxPoller
from notifier.pacing import Pacer, SharedBudgets
from notifier.registry import Registry
from notifier.relay import sweep
from notifier.settings import NotifierSettings
from notifier.telegram.transport import CHAT_RATE, GLOBAL_RATE, TelegramChannel
from notifier.zalo.api import ZaloApi
from notifier.zalo.oauth import UPKEEP, TokenSource
from notifier.zalo.transport import ZaloChannel
from store.enums import Channel as ChannelName
from store.evidence import EvidenceStore

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(0)
"""The sweep is the outbox relay: every few seconds it claims what is due and sends it.
Workflows only write the outbox (in the same activity as their state change), so a
notifier that is down delays messages without holding up any deadline's timers."""


SWEEP_JOB = "outbox-sweep"
SWEEP_JITTER = 0.2
"""Each tick of the sweep moves by up to ± this share of its period: relays started
together drift apart instead of sweeping in step (they would not take the same rows,
`store.claims`, but would meet on the same locks and idle together)."""


def build_registry(settings: NotifierSettings, store: Store | None = None) -> Registry:
    """The channels; with the `store`, their limits are shared with every other relay on
    it (`notifier.pacing.SharedBudgets`): Telegram's per bot and per chat, the SMTP
    server's if it has one."""
    smtp = settings.smtp
    email_pacer = None
    if smtp.max_per_minute:
        rate = smtp.max_per_minute / 60
        shared = None
        if store is not None:
            shared = SharedBudgets.of(store, f"smtp:{smtp.host}:{smtp.port}", rate, 60.0)
        email_pacer = Pacer(rate, 0.0, window=60.0, shared=shared)
    channels: list[object] = [EmailChannel(smtp, pacer=email_pacer)]
    if settings.telegram.enabled:
        pacer = Pacer(GLOBAL_RATE, CHAT_RATE)
        if store is not None:
            bot = str(settings.telegram.token).split(":", 1)[0]  # the bot's id, not its secret
            pacer.shared = SharedBudgets.of(store, f"telegram:{bot}", GLOBAL_RATE, 1.0, CHAT_RATE)
        channels.append(TelegramChannel(settings.telegram, pacer=pacer))
    if settings.zalo.enabled and store is not None:
        channels.append(zalo_channel(settings, store))
    return Registry(channels)  # type: ignore[arg-type]


def zalo_channel(settings: NotifierSettings, store: Store) -> ZaloChannel:
    """The Zalo channel, its tokens read from (and renewals written to) `store`."""
    zalo = settings.zalo
    api = ZaloApi(zalo)
    # The OA's request rate and one-a-second per person, shared with every other relay on
    # the store like Telegram's (`notifier.pacing.SharedBudgets`).
    rate, per_person = ZaloChannel.request_rate_per_sec, ZaloChannel.recipient_rate_per_sec
    pacer = Pacer(rate, per_person)
    pacer.shared = SharedBudgets.of(store, f"zalo:{zalo.oa_id}", rate, 1.0, per_person)
    tokens = TokenSource(store, api)
    return ZaloChannel(zalo, tokens, pacer=pacer)


@dataclass
class Running:
    settings: NotifierSettings
    registry: Registry
    deliverer: Deliverer
    scheduler: AsyncIOScheduler
    mail_server: LocalMailServer | None
    poller: MailboxPoller | None
    leader: Leader | None = None
    """The mailbox lease this process competes for (None without a mailbox)."""


class FailureLog:
    """The log of a periodic job that may fail many times in a row (the sweep, every few
    seconds, while the database is down): the first failure with its traceback, then one
    line every `every` seconds with the count and the latest error, and one line when it
    works again. A traceback every 5 s for the length of an outage buries everything else
    in the log and says nothing new."""

    def __init__(
        self, what: str, every: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.what = what
        self.every = every
        self.clock = clock
        self.failures = 0
        self.since: float | None = None
        self.last_logged = 0.0

    def failed(self, exc: BaseException) -> None:
        now = self.clock()
        self.failures += 1
        if self.since is None:
            self.since = self.last_logged = now
            log.error("%s failed; retrying", self.what, exc_info=exc)
        elif now - self.last_logged >= self.every:
            self.last_logged = now
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.error(
                "%s still failing: %d failures in %.0fs, latest: %s: %s",
                self.what,
                self.failures,
                now - self.since,
                type(exc).__name__,
                first_line,
            )

    def succeeded(self) -> None:
        if self.since is None:
            return
        log.warning(
            "%s works again after %d failures in %.0fs",
            self.what,
            self.failures,
            self.clock() - self.since,
        )
        self.failures, self.since = 0, None


class _SkippedRunFilter(logging.Filter):
    """APScheduler warns each time a run of a job is skipped because the previous one is
    still going. For the sweep that is the intended `max_instances=1` (a sweep slowed by
    a database that does not answer must not overlap the next); its FailureLog says what
    is wrong, so those lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        job_id = getattr(args[0], "id", None) if args else None
        return not (job_id == SWEEP_JOB and "maximum number of running" in str(record.msg))


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunFilter())


async def _sweep_safely(deliverer: Deliverer, failures: FailureLog) -> None:
    try:
        await sweep(deliverer)
    except Exception as exc:
        failures.failed(exc)
    else:
        failures.succeeded()


async def _upkeep_safely(tokens: TokenSource, failures: FailureLog) -> None:
    """A doubt resolved and the OA's chains renewed even when no Zalo message is due."""
    try:
        await tokens.upkeep()
    except Exception as exc:
        failures.failed(exc)
    else:
        failures.succeeded()


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
    if not settings.zalo.enabled:
        log.info("no ZALO_OA_ID/ZALO_APP_ID/ZALO_APP_SECRET: Zalo messages stay in the outbox")
    registry = build_registry(settings, store)
    deliverer = Deliverer(
        store, registry, settings, lease=timedelta(seconds=settings.delivery_lease_seconds)
    )
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    scheduler.add_job(
        _sweep_safely,
        "interval",
        args=[deliverer, FailureLog("outbox sweep")],
        seconds=settings.sweep_seconds,
        jitter=settings.sweep_seconds * SWEEP_JITTER,
        id=SWEEP_JOB,
        max_instances=1,
        coalesce=True,
    )
    if ChannelName.ZALO in registry:
        zalo = registry.get(ChannelName.ZALO)
        assert isinstance(zalo, ZaloChannel)
        scheduler.add_job(
            _upkeep_safely,
            "interval",
            args=[zalo.tokens, FailureLog("zalo token upkeep")],
            seconds=UPKEEP.total_seconds(),
            id="zalo-token-upkeep",
            max_instances=1,
            coalesce=True,
        )
    poller = None
    leader = None
    if settings.imap.enabled:
        handler = ReplyHandler(
            store,
            Engine(client),
            EvidenceStore(settings.data_dir, settings.evidence_max_bytes),
            settings.secret,
        )
        # a message may hold one file of evidence_max_bytes, base64-encoded (4/3), and text
        limits = Limits(max_bytes=settings.evidence_max_bytes * 7 // 5 + 1024 * 1024)
        leader = Leader(store, MAILBOX, float(settings.job_lease_seconds))
        poller = MailboxPoller(Mailbox(settings.imap), handler, ParserProcess(limits))
        poller.gate = lambda: leader.held
        poller.schedule(scheduler, settings.imap.poll_seconds)
    try:
        scheduler.start()
        async with contextlib.AsyncExitStack() as jobs:
            if poller is not None and leader is not None:
                jobs.push_async_callback(
                    _cancelled, asyncio.create_task(_sign_tokens(store, settings))
                )
                await jobs.enter_async_context(leading(leader, _poll_now(scheduler, poller)))
            yield Running(settings, registry, deliverer, scheduler, mail_server, poller, leader)
    finally:
        scheduler.shutdown(wait=False)
        if poller is not None:
            poller.close()
        await registry.aclose()
        if mail_server is not None:
            mail_server.stop()


def _poll_now(scheduler: AsyncIOScheduler, poller: MailboxPoller) -> Callable[[], Awaitable[None]]:
    """On taking the mailbox: poll at once rather than a period later (a hand-over after
    its holder died has already kept replies waiting a lease)."""

    async def gained() -> None:
        scheduler.add_job(poller.poll_safely, id="mailbox-poll-now", replace_existing=True)

    return gained


async def _sign_tokens(store: Store, settings: NotifierSettings) -> None:
    """Sign the reply tokens of deadlines that have none (all of them after migration
    0016), off the loop, so the first replies find them by lookup."""
    try:
        signed = await asyncio.to_thread(matching.refresh, store, str(settings.secret))
    except Exception as exc:  # a lookup signs what it needs; this only saves it the work
        log.warning("reply tokens not signed at start: %s", exc)
    else:
        if signed:
            log.info("reply tokens signed for %d deadlines", signed)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

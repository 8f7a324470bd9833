"""What a parsed reply becomes: a submission for the deadline its token names, when the
sender is a focal point of that unit; otherwise quarantine for the coordinator, with the
reason, the original kept, never applied.

From can be forged, so with an authserv-id (`IMAP_AUTHSERV_ID`, the organisation's own
receiving server) the focal point's address must also be vouched for by that server's
Authentication-Results (`notifier.mailbox.authresults`); without one, From and the token
are all there is, as before."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boundary.types import EvidenceRef, SubmitRequest
from notifier import inbound, notices, tokens
from notifier.delivery import Store
from notifier.inbound import Engine
from notifier.mailbox.aside import aside_ref, digest_of, keep_original, processed, where_kept
from notifier.mailbox.authresults import authenticate
from notifier.mailbox.parse import Part, Reply
from notifier.mailbox.wording import left_summary
from notifier.render import text
from store.credentials import current_focal_points
from store.enums import Channel, InboundChannel, InboundOutcome
from store.evidence import EvidenceStore, StoredFile, TooLarge
from store.file_types import FileRefused
from store.models import (
    Calendar,
    Cycle,
    Obligation,
    OutboxMessage,
    Person,
    Unit,
    UnitContact,
    UnitDeadline,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    deadline_id: int
    workflow_id: str
    calendar_key: str
    obligation_key: str
    unit_name: str
    obligation_name: str
    period_label: str
    focal_points: dict[str, tuple[int, str]]
    """Email (lower case) -> (person id, person key) of the unit's focal points."""


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: InboundOutcome
    reason: str
    target: Target | None = None
    person: tuple[int, str] | None = None
    why: str = ""
    """The reason's class for the metrics: auto_reply, bad_from, no_token, unknown_token,
    not_focal_point, unauthenticated, too_large, file_refused, refused."""


def find_target(store: Store, secret: str, token: str) -> Target | None:
    """The deadline whose token this is (tokens are HMACs: compared, never reversed)."""
    with store.read() as session:
        rows = session.execute(sa.select(UnitDeadline.id, UnitDeadline.workflow_id)).all()
        match = next(
            (r for r in rows if tokens.deadline_token(secret, r.workflow_id) == token), None
        )
        return _target(session, match.id) if match is not None else None


def find_threaded(store: Store, thread: tuple[str, ...]) -> Target | None:
    """The deadline of the first of our own emails this message answers (In-Reply-To,
    then References): a reply whose subject lost its token. Message-IDs are ours only
    when an outbox row sent them, so a foreign id finds nothing."""
    if not thread:
        return None
    with store.read() as session:
        sent = dict(
            session.execute(
                sa.select(OutboxMessage.message_id, OutboxMessage.workflow_id).where(
                    OutboxMessage.channel == Channel.EMAIL,
                    OutboxMessage.message_id.in_(list(thread)),
                )
            ).all()
        )
        for message_id in thread:
            workflow_id = sent.get(message_id)
            deadline_id = workflow_id and session.scalar(
                sa.select(UnitDeadline.id).where(UnitDeadline.workflow_id == workflow_id)
            )
            if deadline_id:
                return _target(session, deadline_id)
    return None


def _target(session: Session, deadline_id: int) -> Target:
    deadline = session.get(UnitDeadline, deadline_id)
    assert deadline is not None
    unit: Unit = deadline.unit
    cycle: Cycle = deadline.cycle
    obligation: Obligation = cycle.obligation
    calendar_key = session.scalar(
        sa.select(Calendar.key).where(Calendar.id == obligation.calendar_id)
    )
    focal = session.execute(
        current_focal_points(Person.email, Person.id, Person.key).where(
            UnitContact.unit_id == unit.id
        )
    ).all()
    frozen = (cycle.snapshot or {}).get("cycle") or {}
    return Target(
        deadline_id=deadline.id,
        workflow_id=deadline.workflow_id,
        calendar_key=str(calendar_key),
        obligation_key=obligation.key,
        unit_name=unit.name,
        obligation_name=frozen.get("obligation_name") or obligation.name,
        period_label=frozen.get("period_label") or cycle.period,
        focal_points={e.lower(): (pid, key) for e, pid, key in focal if e},
    )


def locate(store: Store, secret: str, reply: Reply) -> Target | None:
    """The deadline a reply is about: its subject's token, else its thread."""
    if reply.token:
        return find_target(store, secret, reply.token)
    return find_threaded(store, reply.thread)


def judge(reply: Reply, target: Target | None, authserv_id: str = "") -> Verdict:
    """Pure: apply or quarantine, and why (in the coordinators' Vietnamese).

    Authentication comes last: a stranger is told apart as a stranger whatever his
    headers say, and only a reply that would otherwise be applied (the focal point's
    address, a real token) needs its From to be proved."""
    quarantine = InboundOutcome.QUARANTINED
    if reply.automatic:
        return Verdict(quarantine, text("vi", "reason_auto_reply"), target, why="auto_reply")
    if reply.from_error:  # From names nobody (`notifier.mailbox.sender`): never matched
        return Verdict(quarantine, reply.from_error, target, why="bad_from")
    if reply.token is None and target is None:  # no token, and not in one of our threads
        return Verdict(quarantine, text("vi", "reason_no_token"), why="no_token")
    if target is None:
        return Verdict(quarantine, text("vi", "reason_unknown_token"), why="unknown_token")
    person = target.focal_points.get(reply.sender)
    if person is None:
        return Verdict(quarantine, text("vi", "reason_not_contact"), target, why="not_focal_point")
    if authserv_id:
        check = authenticate(reply.authentication, reply.from_domains, authserv_id)
        if not check.ok:  # whose reply it is is what stays unproved: no person recorded
            return Verdict(quarantine, check.reason, target, why="unauthenticated")
    return Verdict(InboundOutcome.APPLIED, "", target, person)


class ReplyHandler:
    def __init__(self, store: Store, engine: Engine, evidence: EvidenceStore, secret: str) -> None:
        self.store = store
        self.engine = engine
        self.evidence = evidence
        self.secret = secret

    async def handle(
        self, raw: bytes, reply: Reply, authserv_id: str = ""
    ) -> InboundOutcome | None:
        """Apply or quarantine one reply; None when the engine was unreachable (the
        message stays unread and is tried again at the next poll). `authserv_id` is the
        mailbox's (`ImapSettings.authserv_id`): the server that delivered into it is the
        one whose Authentication-Results are trusted; empty, none are asked for."""
        digest = digest_of(raw)
        if await asyncio.to_thread(processed, self.store, reply.ref, digest):
            return InboundOutcome.APPLIED  # processed before: only mark it read
        target = await asyncio.to_thread(locate, self.store, self.secret, reply)
        verdict = judge(reply, target, authserv_id)
        note = ""
        if verdict.outcome is InboundOutcome.APPLIED:
            assert verdict.target is not None and verdict.person is not None
            kept = list(reply.attachments)  # typed by their bytes (`attachments.collect`)
            refused = [i for i in reply.left if i.why == "file_type"]
            note = left_summary(reply)
            try:
                if refused and not kept:  # every file sent is one we do not take
                    raise FileRefused(note)
                stored = await asyncio.to_thread(self._store_files, kept)
            except FileRefused:
                verdict = Verdict(
                    InboundOutcome.QUARANTINED, note, target, verdict.person, why="file_refused"
                )
            except TooLarge:
                verdict = Verdict(
                    InboundOutcome.QUARANTINED,
                    text("vi", "reason_too_large"),
                    target,
                    why="too_large",
                )
            else:
                result = await self._submit(reply, verdict, stored)
                if result is None:
                    return None
                if not result.ok:
                    verdict = Verdict(
                        InboundOutcome.QUARANTINED,
                        text("vi", "reason_refused", reason=result.message),
                        target,
                        verdict.person,
                        why="refused",
                    )
        if verdict.outcome is InboundOutcome.QUARANTINED:
            await asyncio.to_thread(self._quarantine, raw, reply, verdict, digest)
        else:
            await asyncio.to_thread(self._record, reply, verdict, note, digest)
        log.info(
            "reply %s from %s %s%s",
            reply.ref,
            reply.sender,
            verdict.outcome.value,
            f": {verdict.reason}" if verdict.reason else "",
            extra={
                "workflow_id": verdict.target.workflow_id if verdict.target else None,
                "channel": "email",
                "message_id": reply.ref,
                "outcome": verdict.outcome.value,
                "reason": verdict.why or None,
            },
        )
        return verdict.outcome

    def _store_files(self, parts: list[Part]) -> list[StoredFile]:
        return [self.evidence.put(p.data, p.file_name, p.content_type) for p in parts]

    async def _submit(
        self, reply: Reply, verdict: Verdict, stored: list[StoredFile]
    ) -> inbound.Result | None:
        assert verdict.target is not None and verdict.person is not None
        request_id = "mail:" + hashlib.sha256(reply.ref.encode()).hexdigest()[:32]
        req = SubmitRequest(
            request_id,
            verdict.person[1],
            "email",
            document_number=reply.document_number,
            note="\n".join(filter(None, [reply.body[:500], left_summary(reply)]))[:1000] or None,
            evidence=[
                EvidenceRef(s.file_name, s.sha256, s.size, s.content_type, s.storage_path)
                for s in stored
            ],
        )
        try:
            return await self.engine.update(verdict.target.workflow_id, "submit", req)
        except inbound.EngineUnavailable as exc:
            log.warning("reply %s left unread: temporal unavailable (%s)", reply.ref, exc)
            return None

    def _record(
        self,
        reply: Reply,
        verdict: Verdict,
        reason: str,
        digest: str,
        original: str | None = None,
    ) -> str:
        """Record under the Message-ID, or, when another message took it (`processed`
        told them apart), under the Message-ID and this one's hash; the ref used."""
        for ref in dict.fromkeys((reply.ref, aside_ref(reply.ref, digest))):
            if inbound.record(
                self.store,
                channel=InboundChannel.EMAIL,
                sender=reply.sender,
                raw_ref=ref,
                outcome=verdict.outcome,
                reason=reason or None,
                person_id=verdict.person[0] if verdict.person else None,
                deadline_id=verdict.target.deadline_id if verdict.target else None,
                reason_class=verdict.why,
                original_path=original,
            ):
                return ref
        return reply.ref

    def _quarantine(self, raw: bytes, reply: Reply, verdict: Verdict, digest: str) -> None:
        original, whole = keep_original(self.evidence, raw)
        reason = f"{verdict.reason} — {where_kept(original, whole)}"
        ref = self._record(reply, verdict, reason, digest, original.storage_path)
        target = verdict.target
        if target is None or reply.automatic:  # listed for the coordinator; no message
            return
        with self.store.write() as session:
            notices.quarantined(
                session,
                workflow_id=target.workflow_id,
                calendar_key=target.calendar_key,
                payload={
                    "obligation": target.obligation_key,
                    "obligation_name": target.obligation_name,
                    "period_label": target.period_label,
                    "unit_name": target.unit_name,
                },
                sender=reply.sender,
                subject=reply.subject,
                reason=verdict.reason,
                ref=hashlib.sha256(ref.encode()).hexdigest()[:16],
            )

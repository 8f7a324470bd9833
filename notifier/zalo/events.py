"""What people write to the OA, as the webhook delivers it: a link code, a button press
(a `user_send_text` carrying the button's signed payload), a document number, the days
and reason of an extension, a file or photos taken as evidence.

The same rules as the Telegram bot, through the same pieces: who wrote is the person
bound to the Zalo user (`store.channels`), a press is the signed data of
`notifier.telegram.keyboard` (forged or altered: refused before anything is read), a
person acts only for units they are a focal point of (`notifier.inbound`), a question
waits in the store (`notifier.telegram.pending`, keyed `zalo:<user id>`), a file is
fetched under the evidence limit and checked by `store.file_types`. A stranger's message
or a forged press changes nothing, is recorded with why, and is answered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from boundary.types import EvidenceRef, ExtensionRequestInput, SnoozeRequest, SubmitRequest
from deadlines import bounds
from notifier import inbound
from notifier.delivery import Store
from notifier.inbound import Engine, EngineUnavailable, Owed
from notifier.render import language_of, text
from notifier.settings import NotifierSettings
from notifier.telegram.keyboard import Action, decode
from notifier.telegram.messages import EXTENSION_RE
from notifier.telegram.pending import Pending
from notifier.telegram.updates import Gate
from notifier.zalo.files import FileEvents
from notifier.zalo.transport import ZaloChannel
from store import channels, links
from store.enums import Channel, InboundChannel, InboundOutcome
from store.evidence import EvidenceStore, StoredFile
from store.models import Person, TelegramQuestion

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^\s*(?:/start\s+)?([A-Za-z0-9]{22})\s*$")
HANDLED = frozenset({"follow", "unfollow", "user_send_text", "user_send_file", "user_send_image"})
"""The events `ZaloEvents.handle` acts on; the webhook stores no other."""
PRESS_RE = re.compile(r"^[a-z]:\d+:\S*$")
"""The shape of button data: a message like it that does not verify is a forged press."""


class ZaloEvents(FileEvents):
    def __init__(
        self,
        store: Store,
        engine: Engine,
        settings: NotifierSettings,
        channel: ZaloChannel,
        evidence: EvidenceStore | None = None,
    ) -> None:
        self.store, self.engine, self.settings, self.channel = store, engine, settings, channel
        self.evidence = evidence or EvidenceStore(settings.data_dir, settings.evidence_max_bytes)
        self.pending = Pending(store)
        self.gate = Gate()
        """A stranger writing again and again is dropped before any work (and any
        answer, which would spend the OA's quota): `notifier.telegram.updates`."""

    async def handle(self, event: dict[str, Any]) -> None:
        name = str(event.get("event_name", ""))
        user = str((event.get("sender") or {}).get("id", ""))
        message = event.get("message") or {}
        ref = f"{name}:{message.get('msg_id') or event.get('timestamp')}"
        if not user or not self.gate.admit(user) or not self.gate.turn(user):  # type: ignore[arg-type]
            return
        if inbound.seen(self.store, InboundChannel.ZALO, ref):
            return  # Zalo delivers again when unsure: once is enough
        people = self._people(user)
        if not people:
            self.gate.stranger_seen(user)  # type: ignore[arg-type]
        lang = language_of(people[0].language if people else "vi")
        if name == "follow":
            if self._follow(user, None) or people:
                return  # following again: the binding works again, nothing to say
            await self._say(user, text("vi", "zalo_help"))
        elif name == "unfollow":
            self._follow(user, text("vi", "disabled_zalo", detail="bỏ quan tâm OA"))
        elif name == "user_send_text":
            await self._text(user, ref, people, lang, str(message.get("text", "")))
        elif name == "user_send_file":
            await self._file(user, ref, people, lang, message.get("attachments") or [])
        elif name == "user_send_image":
            await self._images(user, ref, people, lang, event, message.get("attachments") or [])

    # --- who -------------------------------------------------------------------------

    def _follow(self, user: str, reason: str | None) -> int:
        """Zalo told us the user unfollowed (`reason`) or followed again (None): their
        binding stops or resumes at once, so messages fall back or come back."""
        with self.store.write() as session:
            changed = channels.follow_changed(session, Channel.ZALO, user, reason)
        if changed:
            log.info("zalo user %s %s", user, "unfollowed the OA" if reason else "follows again")
        return changed

    def _people(self, user: str) -> list[Person]:
        with self.store.read() as session:
            people = channels.people_of_chat(session, user, Channel.ZALO)
            for person in people:
                _ = person.calendar
            return people

    def _record(
        self,
        user: str,
        ref: str,
        outcome: InboundOutcome,
        reason: str,
        people: list[Person],
        owed: Owed | None = None,
    ) -> None:
        inbound.record(
            self.store,
            channel=InboundChannel.ZALO,
            sender=user,
            raw_ref=ref,
            outcome=outcome,
            reason=reason,
            person_id=owed.actor_id if owed else (people[0].id if people else None),
            deadline_id=owed.deadline_id if owed else None,
        )

    async def _say(self, user: str, message: str, buttons: list[tuple[str, str]] = []) -> None:  # noqa: B006
        try:
            await self.channel.reply(user, message, buttons)
        except Exception as exc:  # an answer that cannot go changes nothing already done
            log.warning("zalo answer to %s failed: %s", user, exc)

    # --- text ------------------------------------------------------------------------

    async def _text(self, user: str, ref: str, people: list[Person], lang: str, body: str) -> None:
        body = body.strip()
        press = decode(self.settings.secret, body)
        if press is None and PRESS_RE.match(body):
            self._record(user, ref, InboundOutcome.REFUSED, "forged or malformed button", people)
            await self._say(user, text(lang, "bad_button"))
            return
        if not people:
            code = CODE_RE.match(body)
            if code is not None:
                await self._link(user, code.group(1))
                return
            self._record(user, ref, InboundOutcome.REFUSED, "unlinked zalo user", people)
            await self._say(user, text("vi", "zalo_not_linked"))
            return
        if press is not None:
            await self._press(user, ref, people, lang, press.action, press.row_id)
            return
        question = self.pending.question(f"zalo:{user}")
        if question is not None and not question.expired():
            owed = self._deadline(question.deadline_id, people)
            if owed is not None and question.kind is TelegramQuestion.SUBMIT:
                if await self._submit(
                    user, ref, people, lang, owed, body[:200], [], question.request_id
                ):
                    self.pending.forget(f"zalo:{user}", question.request_id)
                return
            if owed is not None and question.kind is TelegramQuestion.EXTENSION:
                await self._extension(user, ref, people, lang, owed, body, question.request_id)
                return
        await self._say(user, text(lang, "unknown_text"))

    async def _link(self, user: str, code: str) -> None:
        with self.store.write() as session:
            redeemed = links.redeem(session, code, user, None, channel=Channel.ZALO)
            name = redeemed.person.name if redeemed.person else ""
            other = redeemed.other.name if redeemed.other else ""
            lang = language_of(redeemed.person.language if redeemed.person else "vi")
        if redeemed.refusal is None:
            self.gate.linked(user)  # type: ignore[arg-type]
            log.info("zalo user %s linked to person %s", user, name)
            await self._say(user, text(lang, "zalo_linked", name=name))
            return
        key = (
            "zalo_chat_taken"
            if redeemed.refusal.value == "chat_taken"
            else f"link_{redeemed.refusal.value}"
        )
        await self._say(user, text(lang, key, name=other))

    def _deadline(self, deadline_id: int, people: list[Person]) -> Owed | None:
        with self.store.read() as session:
            return inbound.deadline_for(session, deadline_id, [p.id for p in people])

    async def _press(
        self, user: str, ref: str, people: list[Person], lang: str, action: Action, row: int
    ) -> None:
        if action.on_outbox:
            await self._decide(user, ref, people, lang, row, action is Action.APPROVE)
            return
        owed = self._deadline(row, people)
        if owed is None:
            self._record(user, ref, InboundOutcome.REFUSED, "not a focal point of the unit", people)
            await self._say(user, text(lang, "not_yours"))
            return
        chat = f"zalo:{user}"
        if action is Action.SUBMIT:
            self.pending.ask(chat, TelegramQuestion.SUBMIT, owed.deadline_id, f"zl:{ref}")
            max_mb = self.evidence.max_bytes // (1024 * 1024)
            await self._say(user, text(lang, "zalo_ask_submit", max_mb=max_mb, what=owed.label))
        elif action is Action.EXTEND:
            self.pending.ask(chat, TelegramQuestion.EXTENSION, owed.deadline_id, f"zl:{ref}")
            await self._say(user, text(lang, "ask_extension", what=owed.label))
        elif action is Action.SNOOZE:
            hours = self.settings.snooze_hours
            req = SnoozeRequest(f"zl:{ref}", owed.actor, hours)
            if await self._apply(user, ref, people, lang, owed, "snooze", req):
                await self._say(user, text(lang, "snoozed", hours=hours))
        elif action is Action.PICK:
            held = self.pending.held(chat)
            if held is None or held.expired():
                self.pending.release(chat)
                await self._say(user, text(lang, "bad_button"))
                return
            if await self._submit(user, ref, people, lang, owed, held.number, held.files):
                self.pending.release(chat)

    async def _decide(
        self, user: str, ref: str, people: list[Person], lang: str, outbox_id: int, yes: bool
    ) -> None:
        from boundary.types import ExtensionDecision

        with self.store.read() as session:
            decision = inbound.decision_for(session, outbox_id, [p.id for p in people])
        if decision is None:
            self._record(
                user, ref, InboundOutcome.REFUSED, "not the recipient of the request", people
            )
            await self._say(user, text(lang, "not_coordinator"))
            return
        req = ExtensionDecision(
            f"zl:{ref}", decision.actor, yes, extension_request_id=decision.request_id
        )
        try:
            result = await self.engine.update(decision.workflow_id, "decide_extension", req)
        except EngineUnavailable:
            await self._say(user, text(lang, "busy"))
            return
        outcome = InboundOutcome.APPLIED if result.ok else InboundOutcome.REFUSED
        self._record(user, ref, outcome, result.message or "decide_extension", people)
        key = ("decided_approve" if yes else "decided_refuse") if result.ok else "refused"
        await self._say(user, text(lang, key, reason=result.message))

    async def _apply(
        self,
        user: str,
        ref: str,
        people: list[Person],
        lang: str,
        owed: Owed,
        name: str,
        arg: object,
    ) -> bool:
        try:
            result = await self.engine.update(owed.workflow_id, name, arg)
        except EngineUnavailable as exc:
            log.warning("temporal unavailable for %s: %s", owed.workflow_id, exc)
            await self._say(user, text(lang, "busy"))
            return False
        outcome = InboundOutcome.APPLIED if result.ok else InboundOutcome.REFUSED
        self._record(user, ref, outcome, result.message or name, people, owed)
        if not result.ok:
            await self._say(user, text(lang, "refused", reason=result.message))
        return result.ok

    async def _extension(
        self,
        user: str,
        ref: str,
        people: list[Person],
        lang: str,
        owed: Owed,
        body: str,
        request_id: str,
    ) -> None:
        match = EXTENSION_RE.match(body)
        if match is None:
            await self._say(user, text(lang, "bad_extension"))
            return
        days, reason = int(match.group(1)), match.group(2).strip()
        if not 1 <= days <= bounds.EXTENSION_MAX_DAYS:
            await self._say(user, text(lang, "bad_extension_days", max=bounds.EXTENSION_MAX_DAYS))
            return
        req = ExtensionRequestInput(request_id, owed.actor, days, reason)
        if await self._apply(user, ref, people, lang, owed, "request_extension", req):
            self.pending.forget(f"zalo:{user}", request_id)
            await self._say(user, text(lang, "extension_sent", days=days))

    async def _submit(
        self,
        user: str,
        ref: str,
        people: list[Person],
        lang: str,
        owed: Owed,
        number: str | None,
        files: Sequence[StoredFile],
        request_id: str | None = None,
    ) -> bool:
        evidence = [
            EvidenceRef(f.file_name, f.sha256, f.size, f.content_type, f.storage_path)
            for f in files
        ]
        req = SubmitRequest(
            request_id or f"zl:{ref}", owed.actor, "zalo", document_number=number, evidence=evidence
        )
        if not await self._apply(user, ref, people, lang, owed, "submit", req):
            return False
        self.pending.filed(f"zalo:{user}", owed.deadline_id)  # further files: its pages
        lines = [text(lang, "received", what=owed.label)]
        for stored in files:
            lines.append(
                text(
                    lang, "receipt_file", name=stored.file_name, size=stored.size, sha=stored.sha256
                )
            )
        if number:
            lines.append(text(lang, "receipt_number", number=number))
        await self._say(user, "\n".join(lines))
        return True

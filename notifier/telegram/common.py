"""What every bot handler shares: who is writing, how to answer, how to act."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode

from boundary.types import EvidenceRef, SubmitRequest
from notifier import inbound
from notifier.delivery import Store
from notifier.inbound import Engine, EngineUnavailable, Owed, Result
from notifier.render import DEFAULT_TZ, language_of, text
from notifier.settings import NotifierSettings
from notifier.telegram.pending import Pending
from notifier.telegram.split import split
from notifier.telegram.updates import Gate
from store import channels
from store.enums import InboundChannel, InboundOutcome
from store.evidence import EvidenceStore, StoredFile
from store.models import Person

log = logging.getLogger("notifier.telegram.bot")

ONE_SECOND = timedelta(seconds=1)
TZ = ZoneInfo(DEFAULT_TZ)
"""Where the bot's people read times."""


@dataclass(frozen=True, slots=True)
class Who:
    """The people bound to the chat that wrote (several calendars may share one chat)."""

    people: list[Person]

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.people]

    @property
    def lang(self) -> str:
        return language_of(self.people[0].language if self.people else "vi")


class BotBase:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        settings: NotifierSettings,
        evidence: EvidenceStore | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.settings = settings
        self.evidence = evidence or EvidenceStore(settings.data_dir, settings.evidence_max_bytes)
        self.pending = Pending(store)
        """What each chat is in the middle of, in the store: PTB's chat_data is not used,
        so nothing a person was asked is lost when the bot restarts."""
        self.gate = Gate()
        """Which chats may be heard, before any work (`notifier.telegram.updates`)."""

    def _who(self, chat_id: int) -> Who:
        with self.store.read() as session:
            people = channels.people_of_chat(session, str(chat_id))
            for person in people:
                _ = person.calendar
        if not people:
            self.gate.stranger_seen(chat_id)
        return Who(people)

    @staticmethod
    async def _say(update: Update, message: str, **kw: Any) -> None:
        """Answer in the chat; a long answer (`/status` of many deadlines) in as many
        messages as it needs, cut where Telegram's HTML stays whole, keyboard last."""
        assert update.effective_chat is not None
        parts = split(message)
        markup = kw.pop("reply_markup", None)
        for index, part in enumerate(parts):
            if index == len(parts) - 1 and markup is not None:
                kw["reply_markup"] = markup
            await update.effective_chat.send_message(part, parse_mode=ParseMode.HTML, **kw)

    def _record(
        self,
        update: Update,
        outcome: InboundOutcome,
        reason: str,
        who: Who,
        deadline_id: int | None = None,
        actor_id: int | None = None,
    ) -> None:
        chat = update.effective_chat
        inbound.record(
            self.store,
            channel=InboundChannel.TELEGRAM,
            sender=str(chat.id if chat else "?"),
            raw_ref=f"update:{update.update_id}",
            outcome=outcome,
            reason=reason,
            person_id=actor_id or (who.ids[0] if who.ids else None),
            deadline_id=deadline_id,
        )

    async def _apply(
        self,
        update: Update,
        who: Who,
        workflow_id: str,
        name: str,
        arg: object,
        deadline_id: int | None = None,
        actor_id: int | None = None,
    ) -> Result | None:
        """Send the update; answer a refusal or an unreachable engine in the chat."""
        try:
            result = await self.engine.update(workflow_id, name, arg)
        except EngineUnavailable as exc:
            log.warning("temporal unavailable for %s: %s", workflow_id, exc)
            await self._say(update, text(who.lang, "busy"))
            return None
        outcome = InboundOutcome.APPLIED if result.ok else InboundOutcome.REFUSED
        self._record(update, outcome, result.message or name, who, deadline_id, actor_id)
        if not result.ok:
            await self._say(update, text(who.lang, "refused", reason=html.escape(result.message)))
        return result

    def _owed(self, who: Who) -> list[Owed]:
        with self.store.read() as session:
            return inbound.owed(session, who.ids)

    def _deadline(self, deadline_id: int, who: Who) -> Owed | None:
        with self.store.read() as session:
            return inbound.deadline_for(session, deadline_id, who.ids)

    async def _act(
        self, update: Update, who: Who, owed: Owed, name: str, arg: object
    ) -> Result | None:
        return await self._apply(
            update, who, owed.workflow_id, name, arg, owed.deadline_id, owed.actor_id
        )

    async def _submit(
        self,
        update: Update,
        who: Who,
        owed: Owed,
        number: str | None,
        files: Sequence[StoredFile],
        request_id: str | None = None,
    ) -> Result | None:
        """Submit `number` and/or `files` for `owed`; the result, or None when the engine
        could not be reached (nothing changed). `request_id` defaults to the update's. The
        chat's next files for a while are pages of this submission (`notifier.filing`)."""
        evidence = [
            EvidenceRef(f.file_name, f.sha256, f.size, f.content_type, f.storage_path)
            for f in files
        ]
        req = SubmitRequest(
            request_id or f"tg:{update.update_id}",
            owed.actor,
            "telegram",
            document_number=number,
            evidence=evidence,
        )
        result = await self._act(update, who, owed, "submit", req)
        if result is None or not result.ok:
            return result
        self.pending.filed(str(update.effective_chat.id), owed.deadline_id)  # type: ignore[union-attr]
        lines = [text(who.lang, "received", what=html.escape(owed.label))]
        for stored in files:
            lines.append(
                text(
                    who.lang,
                    "receipt_file",
                    name=html.escape(stored.file_name),
                    size=stored.size,
                    sha=stored.sha256,
                )
            )
        if number:
            lines.append(text(who.lang, "receipt_number", number=html.escape(number)))
        if result.duplicate:
            lines.append(text(who.lang, "already"))
        await self._say(update, "\n".join(lines))
        return result

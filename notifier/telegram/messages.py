"""Bot handlers for what a person writes: a document (evidence, stored and hashed), a
document number, the days and reason of an extension request.

What a message answers is read from the store (`notifier.telegram.pending`), not from
the process's memory; a question older than its TTL is not answered by a later message:
the person is told it lapsed, and nothing changes.
"""

from __future__ import annotations

import asyncio
import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from boundary.types import ExtensionRequestInput
from deadlines import bounds
from notifier.render import text
from notifier.telegram.common import TZ, BotBase, Who
from notifier.telegram.files import fetch
from notifier.telegram.keyboard import Action, encode
from notifier.telegram.pending import TTL_HOURS, Question
from store.enums import InboundOutcome
from store.evidence import StoredFile, TooLarge
from store.file_types import FileRefused
from store.models import TelegramQuestion

EXTENSION_RE = re.compile(
    r"^\s*(\d{1,9})(?!\d)\s*(?:ngày|ngay|days?)?\s*[:,.\-–]?\s*(.+)$", re.S | re.I
)


class MessageHandlers(BotBase):
    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        who = self._who(update.effective_chat.id)  # type: ignore[union-attr]
        if not who.people:
            self._record(update, InboundOutcome.REFUSED, "unlinked chat", who)
            await self._say(update, text("vi", "not_linked"))
            return
        doc = message.document
        limit = self.evidence.max_bytes
        try:
            data, content_type = await fetch(
                message.get_bot(), doc, limit, self.settings.telegram.timeout
            )
            stored = await asyncio.to_thread(
                self.evidence.put, data, doc.file_name or "tệp", content_type
            )
        except TooLarge as exc:
            self._record(update, InboundOutcome.REFUSED, str(exc), who)
            await self._say(update, text(who.lang, "too_large", size=exc.size, limit=limit))
            return
        except FileRefused as exc:
            self._record(update, InboundOutcome.REFUSED, f"file type: {exc}", who)
            await self._say(update, text(who.lang, "file_refused", reason=html.escape(str(exc))))
            return
        chat_id = str(update.effective_chat.id)  # type: ignore[union-attr]
        await self._route(update, who, None, stored, self.pending.question(chat_id))

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        who = self._who(update.effective_chat.id)  # type: ignore[union-attr]
        if not who.people:
            await self._say(update, text("vi", "not_linked"))
            return
        chat_id = str(update.effective_chat.id)  # type: ignore[union-attr]
        question = self.pending.question(chat_id)
        body = (message.text or "").strip()
        if question is not None and question.expired():
            self.pending.forget(chat_id, question.request_id)
            await self._say(update, self._lapsed(who, question))
            return
        if question is not None and question.kind is TelegramQuestion.EXTENSION:
            match = EXTENSION_RE.match(body)
            if match is None:
                await self._say(update, text(who.lang, "bad_extension"))
                return
            owed = self._deadline(question.deadline_id, who)
            if owed is None:
                self.pending.forget(chat_id, question.request_id)
                await self._say(update, text(who.lang, "not_yours"))
                return
            days, reason = int(match.group(1)), match.group(2).strip()
            if not 1 <= days <= bounds.EXTENSION_MAX_DAYS:  # the question stays open
                await self._say(
                    update, text(who.lang, "bad_extension_days", max=bounds.EXTENSION_MAX_DAYS)
                )
                return
            req = ExtensionRequestInput(question.request_id, owed.actor, days, reason)
            result = await self._act(update, who, owed, "request_extension", req)
            if result is not None:
                self.pending.forget(chat_id, question.request_id)
                if result.duplicate:  # answered before a crash; these days may differ
                    await self._say(update, text(who.lang, "already"))
                elif result.ok:
                    await self._say(update, text(who.lang, "extension_sent", days=days))
            return
        if question is not None and question.kind is TelegramQuestion.SUBMIT:
            await self._route(update, who, body[:200], None, question)
            return
        await self._say(update, text(who.lang, "unknown_text"))

    @staticmethod
    def _lapsed(who: Who, question: Question) -> str:
        """Why the message changed nothing: the question it may answer has lapsed."""
        local = question.asked_at.astimezone(TZ)
        return text(
            who.lang,
            f"lapsed_{question.kind.value}",
            time=local.strftime("%H:%M"),
            date=local.strftime("%d/%m/%Y"),
            hours=TTL_HOURS,
        )

    async def _route(
        self,
        update: Update,
        who: Who,
        number: str | None,
        stored: StoredFile | None,
        question: Question | None,
    ) -> None:
        """Attach a number or a file to the deadline being answered (`question`, the
        chat's as its handler read it), the only one owed, or ask which one."""
        chat_id = str(update.effective_chat.id)  # type: ignore[union-attr]
        if question is not None and question.expired():
            # A file needs no question to be understood: routed as if none was asked.
            self.pending.forget(chat_id, question.request_id)
        elif question is not None and question.kind is TelegramQuestion.SUBMIT:
            owed = self._deadline(question.deadline_id, who)
            if owed is not None:
                req_id = question.request_id
                if await self._submit(update, who, owed, number, stored, req_id) is not None:
                    self.pending.forget(chat_id, req_id)
                return
        items = self._owed(who)
        if not items:
            self._record(update, InboundOutcome.REFUSED, "nothing owed", who)
            await self._say(update, text(who.lang, "nothing_owed"))
            return
        if len(items) == 1:
            await self._submit(update, who, items[0], number, stored)
            return
        self.pending.hold(chat_id, number, stored)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        text(who.lang, "btn_pick", what=item.label)[:64],
                        callback_data=encode(self.settings.secret, Action.PICK, item.deadline_id),
                    )
                ]
                for item in items[:10]
            ]
        )
        await self._say(update, text(who.lang, "which_deadline"), reply_markup=keyboard)

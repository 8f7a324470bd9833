"""Bot handlers for what a person writes: a document or a photo (evidence, stored and
hashed; several in a row are pages of one report), a document number, the days and
reason of an extension request.

What a message answers is read from the store (`notifier.telegram.pending`), not from
the process's memory; a question older than its TTL is not answered by a later message:
the person is told it lapsed, and nothing changes.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from boundary.types import ExtensionRequestInput
from deadlines import bounds
from notifier.filing import add_to_filed
from notifier.photos import photo_name, photo_type
from notifier.render import text
from notifier.telegram.common import TZ, BotBase, Who
from notifier.telegram.files import fetch
from notifier.telegram.keyboard import Action, encode
from notifier.telegram.pending import TTL_HOURS, Question
from store.enums import InboundOutcome
from store.evidence import StoredFile, TooLarge
from store.file_types import FileRefused, kind_of
from store.models import TelegramQuestion

EXTENSION_RE = re.compile(
    r"^\s*(\d{1,9})(?!\d)\s*(?:ngày|ngay|days?)?\s*[:,.\-–]?\s*(.+)$", re.S | re.I
)


class MessageHandlers(BotBase):
    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        doc = message.document
        name = doc.file_name or "tệp"
        await self._file(
            update, doc.file_id, doc.file_size, lambda head: kind_of(name, head), lambda _: name
        )

    async def photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo (Telegram keeps several sizes of it): the largest, named by when it was
        sent, its type by its bytes (`notifier.photos`)."""
        message = update.effective_message
        assert message is not None and message.photo
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        at = message.date
        await self._file(
            update, largest.file_id, largest.file_size, photo_type, lambda t: photo_name(t, at)
        )

    async def _file(
        self,
        update: Update,
        file_id: str,
        size: int | None,
        check: Callable[[bytes], str],
        name_of: Callable[[str], str],
    ) -> None:
        """Fetch a file under the evidence bounds, keep it, and route it."""
        message = update.effective_message
        assert message is not None
        who = self._who(update.effective_chat.id)  # type: ignore[union-attr]
        if not who.people:
            self._record(update, InboundOutcome.REFUSED, "unlinked chat", who)
            await self._say(update, text("vi", "not_linked"))
            return
        limit = self.evidence.max_bytes
        try:
            data, content_type = await fetch(
                message.get_bot(), file_id, size, limit, self.settings.telegram.timeout, check
            )
            stored = await asyncio.to_thread(
                self.evidence.put, data, name_of(content_type), content_type
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

    async def _more(self, update: Update, who: Who, stored: StoredFile) -> bool:
        """One more file of a report: added to the chat's recent submission, or to the
        files waiting for a deadline to be picked (not asked about again)."""
        chat_id = str(update.effective_chat.id)  # type: ignore[union-attr]
        held = self.pending.held(chat_id)
        if held is not None and not held.expired() and held.files:
            count = self.pending.hold(chat_id, None, stored)
            name = html.escape(stored.file_name)
            await self._say(update, text(who.lang, "file_held_more", name=name, count=count))
            return True
        added = add_to_filed(self.store, self.pending, chat_id, who.ids, stored)
        if added is None:
            return False
        owed = added.owed
        self._record(
            update, InboundOutcome.APPLIED, "file added", who, owed.deadline_id, owed.actor_id
        )
        name, what = html.escape(stored.file_name), html.escape(owed.label)
        lines = [
            text(who.lang, "file_added", name=name, what=what, count=added.files),
            text(who.lang, "receipt_file", name=name, size=stored.size, sha=stored.sha256),
        ]
        await self._say(update, "\n".join(lines))
        return True

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
        chat's as its handler read it), the submission this chat just made (a further
        page), the files already waiting for a choice, the only deadline owed, or ask
        which one."""
        chat_id = str(update.effective_chat.id)  # type: ignore[union-attr]
        if question is not None and question.expired():
            # A file needs no question to be understood: routed as if none was asked.
            self.pending.forget(chat_id, question.request_id)
        elif question is not None and question.kind is TelegramQuestion.SUBMIT:
            owed = self._deadline(question.deadline_id, who)
            if owed is not None:
                req_id = question.request_id
                files = [stored] if stored else []
                if await self._submit(update, who, owed, number, files, req_id) is not None:
                    self.pending.forget(chat_id, req_id)
                return
        if stored is not None and await self._more(update, who, stored):
            return
        items = self._owed(who)
        if not items:
            self._record(update, InboundOutcome.REFUSED, "nothing owed", who)
            await self._say(update, text(who.lang, "nothing_owed"))
            return
        if len(items) == 1:
            await self._submit(update, who, items[0], number, [stored] if stored else [])
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

"""Bot handlers for what a person writes: a document (evidence, stored and hashed), a
document number, the days and reason of an extension request."""

from __future__ import annotations

import asyncio
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from notifier.render import text
from notifier.telegram.common import PENDING, UNASSIGNED, BotBase, Who, chat_data
from notifier.telegram.keyboard import Action, encode
from store.enums import InboundOutcome
from store.evidence import StoredFile, TooLarge
from workflows.types import ExtensionRequestInput

EXTENSION_RE = re.compile(r"^\s*(\d{1,3})\s*(?:ngày|ngay|days?)?\s*[:,.\-–]?\s*(.+)$", re.S | re.I)


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
        if doc.file_size is not None and doc.file_size > limit:
            self._record(update, InboundOutcome.REFUSED, f"file of {doc.file_size} bytes", who)
            await self._say(update, text(who.lang, "too_large", size=doc.file_size, limit=limit))
            return
        data = bytes(await (await doc.get_file()).download_as_bytearray())
        try:
            stored = await asyncio.to_thread(
                self.evidence.put, data, doc.file_name or "tệp", doc.mime_type or ""
            )
        except TooLarge as exc:
            self._record(update, InboundOutcome.REFUSED, str(exc), who)
            await self._say(update, text(who.lang, "too_large", size=exc.size, limit=limit))
            return
        await self._route(update, context, who, None, stored)

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        who = self._who(update.effective_chat.id)  # type: ignore[union-attr]
        if not who.people:
            await self._say(update, text("vi", "not_linked"))
            return
        data = chat_data(context)
        pending = data.get(PENDING)
        body = (message.text or "").strip()
        if pending and pending[0] == "extension":
            match = EXTENSION_RE.match(body)
            if match is None:
                await self._say(update, text(who.lang, "bad_extension"))
                return
            owed = self._deadline(pending[1], who)
            if owed is None:
                data.pop(PENDING, None)
                await self._say(update, text(who.lang, "not_yours"))
                return
            days, reason = int(match.group(1)), match.group(2).strip()
            req = ExtensionRequestInput(f"tg:{update.update_id}", owed.actor, days, reason)
            result = await self._act(update, who, owed, "request_extension", req)
            if result is not None:
                data.pop(PENDING, None)
                if result.ok:
                    await self._say(update, text(who.lang, "extension_sent", days=days))
            return
        if pending and pending[0] == "submit":
            await self._route(update, context, who, body[:200], None)
            return
        await self._say(update, text(who.lang, "unknown_text"))

    async def _route(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        who: Who,
        number: str | None,
        stored: StoredFile | None,
    ) -> None:
        """Attach a number or a file to the deadline being answered, the only one owed,
        or ask which one."""
        data = chat_data(context)
        pending = data.get(PENDING)
        if pending and pending[0] == "submit":
            owed = self._deadline(pending[1], who)
            if owed is not None:
                await self._submit(update, who, owed, number, stored)
                data.pop(PENDING, None)
                return
        items = self._owed(who)
        if not items:
            self._record(update, InboundOutcome.REFUSED, "nothing owed", who)
            await self._say(update, text(who.lang, "nothing_owed"))
            return
        if len(items) == 1:
            await self._submit(update, who, items[0], number, stored)
            return
        data[UNASSIGNED] = (number, stored)
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

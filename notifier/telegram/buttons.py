"""Bot handlers for the inline buttons: Đã nộp, Xin gia hạn, Nhắc lại sau, the choice of
deadline for a file, and the coordinator's Đồng ý / Từ chối.

A button that opens a question (Đã nộp, Xin gia hạn) saves it in the store before asking
(`notifier.telegram.pending`), so the answer is understood even after a restart.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from boundary.types import ExtensionDecision, SnoozeRequest
from notifier import inbound
from notifier.render import text
from notifier.telegram.common import BotBase, Who
from notifier.telegram.keyboard import Action, decode
from notifier.telegram.pending import TTL_HOURS
from store.enums import InboundOutcome
from store.models import TelegramQuestion


class ButtonHandlers(BotBase):
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        who = self._who(update.effective_chat.id)
        press = decode(self.settings.secret, query.data)
        if press is None:
            self._record(update, InboundOutcome.REFUSED, "forged or malformed button", who)
            await query.answer(text(who.lang, "bad_button"), show_alert=True)
            return
        if not who.people:
            self._record(update, InboundOutcome.REFUSED, "unlinked chat", who)
            await query.answer(text("vi", "not_linked"), show_alert=True)
            return
        if press.action.on_outbox:
            await self._decide(update, who, press.row_id, press.action is Action.APPROVE)
            return
        owed = self._deadline(press.row_id, who)
        if owed is None:
            self._record(update, InboundOutcome.REFUSED, "not a focal point of the unit", who)
            await query.answer(text(who.lang, "not_yours"), show_alert=True)
            return
        await query.answer()
        chat_id = str(update.effective_chat.id)
        # The press's own update id names the request its answer will make: an EXTEND or
        # SUBMIT press changes nothing in the workflow, so the id is free for that.
        request_id = f"tg:{update.update_id}"
        if press.action is Action.SUBMIT:
            self.pending.ask(chat_id, TelegramQuestion.SUBMIT, owed.deadline_id, request_id)
            max_mb = self.evidence.max_bytes // (1024 * 1024)
            await self._say(
                update, text(who.lang, "ask_submit", max_mb=max_mb, what=html.escape(owed.label))
            )
        elif press.action is Action.EXTEND:
            self.pending.ask(chat_id, TelegramQuestion.EXTENSION, owed.deadline_id, request_id)
            await self._say(update, text(who.lang, "ask_extension", what=html.escape(owed.label)))
        elif press.action is Action.SNOOZE:
            hours = self.settings.snooze_hours
            req = SnoozeRequest(f"tg:{update.update_id}", owed.actor, hours)
            result = await self._act(update, who, owed, "snooze", req)
            if result is not None and result.ok:
                await self._say(update, text(who.lang, "snoozed", hours=hours))
        elif press.action is Action.PICK:
            held = self.pending.held(chat_id)
            if held is None:
                await self._say(update, text(who.lang, "bad_button"))
                return
            if held.expired():
                self.pending.release(chat_id)
                await self._say(update, text(who.lang, "held_expired", hours=TTL_HOURS))
                return
            # Released once the engine answered (applied or refused): unreachable, the
            # person can press again.
            if await self._submit(update, who, owed, held.number, held.files) is not None:
                self.pending.release(chat_id)

    async def _decide(self, update: Update, who: Who, outbox_id: int, approve: bool) -> None:
        query = update.callback_query
        assert query is not None
        with self.store.read() as session:
            decision = inbound.decision_for(session, outbox_id, who.ids)
        if decision is None:
            self._record(update, InboundOutcome.REFUSED, "not the recipient of the request", who)
            await query.answer(text(who.lang, "not_coordinator"), show_alert=True)
            return
        await query.answer()
        req = ExtensionDecision(
            f"tg:{update.update_id}",
            decision.actor,
            approve,
            extension_request_id=decision.request_id,
        )
        result = await self._apply(
            update, who, decision.workflow_id, "decide_extension", req, decision.deadline_id
        )
        if result is not None and result.ok:
            await self._say(
                update, text(who.lang, "decided_approve" if approve else "decided_refuse")
            )
            if query.message is not None:
                await query.edit_message_reply_markup(reply_markup=None)

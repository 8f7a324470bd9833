"""Bot handlers for the inline buttons: Đã nộp, Xin gia hạn, Nhắc lại sau, the choice of
deadline for a file, and the coordinator's Đồng ý / Từ chối."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from notifier import inbound
from notifier.render import text
from notifier.telegram.common import PENDING, UNASSIGNED, BotBase, Who, chat_data
from notifier.telegram.keyboard import Action, decode
from store.enums import InboundOutcome
from workflows.types import ExtensionDecision, SnoozeRequest


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
        data = chat_data(context)
        if press.action is Action.SUBMIT:
            data[PENDING] = ("submit", owed.deadline_id)
            max_mb = self.evidence.max_bytes // (1024 * 1024)
            await self._say(
                update, text(who.lang, "ask_submit", max_mb=max_mb, what=html.escape(owed.label))
            )
        elif press.action is Action.EXTEND:
            data[PENDING] = ("extension", owed.deadline_id)
            await self._say(update, text(who.lang, "ask_extension", what=html.escape(owed.label)))
        elif press.action is Action.SNOOZE:
            hours = self.settings.snooze_hours
            req = SnoozeRequest(f"tg:{update.update_id}", owed.actor, hours)
            result = await self._act(update, who, owed, "snooze", req)
            if result is not None and result.ok:
                await self._say(update, text(who.lang, "snoozed", hours=hours))
        elif press.action is Action.PICK:
            stashed = data.pop(UNASSIGNED, None)
            if stashed is None:
                await self._say(update, text(who.lang, "bad_button"))
                return
            await self._submit(update, who, owed, *stashed)

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

"""The hanchot Telegram bot: linking with a one-time code, /status, the reminder buttons
and documents and photos sent as evidence.

Every handler first finds who is writing (the people bound to the chat); an unknown chat,
a forged button, someone else's unit or an oversized file changes nothing and gets a
clear answer. Actions become UnitDeadline updates (notifier.inbound) whose request id is
the Telegram update id, so an update delivered twice is applied once.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from deadlines import present
from notifier.render import day, language_of, text
from notifier.telegram.buttons import ButtonHandlers
from notifier.telegram.common import TZ, log
from notifier.telegram.messages import MessageHandlers
from notifier.telegram.pacing import PacedLimiter
from notifier.telegram.updates import PerChatProcessor
from store import links


class HanchotBot(ButtonHandlers, MessageHandlers):
    def application(
        self, limiter: PacedLimiter | None = None
    ) -> Application[Any, Any, Any, Any, Any, Any]:
        tg = self.settings.telegram
        app = (
            ApplicationBuilder()
            .token(str(tg.token))
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .rate_limiter(limiter or PacedLimiter())
            .read_timeout(tg.timeout)
            .write_timeout(tg.timeout)
            .connect_timeout(tg.timeout)
            .concurrent_updates(PerChatProcessor(self.gate))
            .build()
        )
        app.add_handler(CommandHandler("start", self.start))
        app.add_handler(CommandHandler("status", self.status))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(MessageHandler(filters.Document.ALL, self.document))
        app.add_handler(MessageHandler(filters.PHOTO, self.photo))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.message))
        app.add_error_handler(self.error)
        return app

    # --- commands --------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        code = (context.args or [""])[0]
        if not code:
            who = self._who(chat.id)
            if who.people:
                await self._say(
                    update, text(who.lang, "linked", name=html.escape(who.people[0].name))
                )
            else:
                await self._say(update, text("vi", "start_help"))
            return
        with self.store.write() as session:
            redeemed = links.redeem(session, code, str(chat.id), user.username if user else None)
            name = redeemed.person.name if redeemed.person else ""
            other = redeemed.other.name if redeemed.other else ""
            lang = language_of(redeemed.person.language if redeemed.person else "vi")
        if redeemed.refusal is None:
            self.gate.linked(chat.id)
            log.info("telegram chat %s linked to person %s", chat.id, name)
            await self._say(update, text(lang, "linked", name=html.escape(name)))
        else:
            log.info("link code refused for chat %s: %s", chat.id, redeemed.refusal.value)
            await self._say(
                update, text(lang, f"link_{redeemed.refusal.value}", name=html.escape(other))
            )

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = self._who(update.effective_chat.id)  # type: ignore[union-attr]
        if not who.people:
            await self._say(update, text("vi", "not_linked"))
            return
        items = self._owed(who)
        if not items:
            await self._say(update, text(who.lang, "status_none"))
            return
        lines = [text(who.lang, "status_header")]
        for item in items:
            local_day = present.last_day(item.due_at, TZ)
            today = datetime.now(TZ).date()
            lines.append(
                text(
                    who.lang,
                    "status_line",
                    obligation=html.escape(item.obligation_name),
                    period=html.escape(item.period_label),
                    unit=html.escape(item.unit_name),
                    legal_end=day(local_day, who.lang),
                    status=item.status.label_vi() if who.lang == "vi" else item.status.value,
                    days=present.days_text(local_day, today),
                )
            )
        await self._say(update, "\n".join(lines))

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("bot handler failed: %s", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await self._say(update, text("vi", "busy"))
            except Exception:  # the chat may be the reason; nothing more to do
                log.debug("could not tell chat %s about the failure", update.effective_chat.id)

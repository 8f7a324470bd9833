"""Files a person sends to the OA (`user_send_file`), taken as evidence under the same
bounds as Telegram's: the name's type before any download, the first bytes and the size
while it streams (`store.file_types`, `store.evidence`); then routed like a Telegram
document: to the deadline a Đã nộp press asked about, the only one owed, or a choice.
"""

from __future__ import annotations

import asyncio
from typing import Any

from notifier import inbound
from notifier.render import text
from notifier.telegram.keyboard import Action, encode
from notifier.zalo.api import ZaloApi
from store.enums import InboundOutcome
from store.evidence import TooLarge
from store.file_types import ALLOWED, FileRefused, kind_of
from store.models import Person, TelegramQuestion


def _allowed_name(name: str) -> bool:
    """The name's extension is one a report may have (checked before any download)."""
    lower = name.lower()
    return any(lower.endswith(extension) for extension in ALLOWED)


class FileEvents:
    """The file handling of `notifier.zalo.events.ZaloEvents` (its mixin)."""

    async def _file(
        self, user: str, ref: str, people: list[Person], lang: str, attachments: list[Any]
    ) -> None:
        if not people:
            self._record(user, ref, InboundOutcome.REFUSED, "unlinked zalo user", people)
            await self._say(user, text("vi", "zalo_not_linked"))
            return
        payload = next((a.get("payload") or {} for a in attachments if a.get("type") == "file"), {})
        name = str(payload.get("name") or "tệp")[:200]
        limit = self.evidence.max_bytes
        try:
            declared = str(payload.get("size") or "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(int(declared), limit)
            if not _allowed_name(name):
                kind_of(name, b"")  # refuses it, saying which types are taken
            api: ZaloApi = self.channel.api
            data, content_type = await api.download(
                str(payload.get("url", "")), limit, lambda head: kind_of(name, head)
            )
            stored = await asyncio.to_thread(self.evidence.put, data, name, content_type)
        except TooLarge as exc:
            self._record(user, ref, InboundOutcome.REFUSED, str(exc), people)
            await self._say(user, text(lang, "too_large", size=exc.size, limit=limit))
            return
        except FileRefused as exc:
            self._record(user, ref, InboundOutcome.REFUSED, f"file type: {exc}", people)
            await self._say(user, text(lang, "file_refused", reason=str(exc)))
            return
        chat = f"zalo:{user}"
        question = self.pending.question(chat)
        if (
            question is not None
            and not question.expired()
            and question.kind is TelegramQuestion.SUBMIT
        ):
            owed = self._deadline(question.deadline_id, people)
            if owed is not None:
                if await self._submit(
                    user, ref, people, lang, owed, None, stored, question.request_id
                ):
                    self.pending.forget(chat, question.request_id)
                return
        with self.store.read() as session:
            items = inbound.owed(session, [p.id for p in people])
        if not items:
            self._record(user, ref, InboundOutcome.REFUSED, "nothing owed", people)
            await self._say(user, text(lang, "nothing_owed"))
            return
        if len(items) == 1:
            await self._submit(user, ref, people, lang, items[0], None, stored)
            return
        self.pending.hold(chat, None, stored)
        buttons = [
            (
                text(lang, "btn_pick", what=i.label)[:100],
                encode(self.settings.secret, Action.PICK, i.deadline_id),
            )
            for i in items[:5]
        ]
        await self._say(user, text(lang, "which_deadline"), buttons)

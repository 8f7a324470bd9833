"""Files and photos a person sends to the OA, taken as evidence under the same bounds as
Telegram's: the name's type before any download, the first bytes and the size while it
streams (`store.file_types`, `store.evidence`); then routed like a Telegram document: to
the deadline a Đã nộp press asked about, the submission this user just made (a further
page, `notifier.filing`), the files waiting for a choice, the only deadline owed, or a
choice.

`user_send_file`: one attachment `{"type": "file", "payload": {"url", "name", "size"}}`.
`user_send_image`: `message.attachments` holds one `{"type": "image", "payload": {"url",
"thumbnail"}}` per photo (a batch of photos is one message), with no name or size; the
photo at `url` is fetched, the thumbnail ignored. The shape as the public SDKs type it:
the webhook reference of @warriorteam/redai-zalo-sdk (docs/WEBHOOK_EVENTS.md, "User Send
Image Event"; https://app.unpkg.com/@warriorteam/redai-zalo-sdk@1.32.17/files/docs/WEBHOOK_EVENTS.md)
and the Zalo webhook DTOs of other public handlers (`attachments[].payload.url`,
`thumbnail`). A photo is named by when it was sent (`notifier.photos`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from notifier import inbound
from notifier.filing import add_to_filed
from notifier.inbound import Owed
from notifier.photos import photo_name, photo_type
from notifier.render import text
from notifier.telegram.keyboard import Action, encode
from notifier.zalo.api import ZaloApi
from store.enums import InboundOutcome
from store.evidence import StoredFile, TooLarge
from store.file_types import ALLOWED, FileRefused, kind_of
from store.models import Person, TelegramQuestion

MAX_PHOTOS = 20
"""Photos of one message taken at most (Zalo's own batch is smaller)."""


def _allowed_name(name: str) -> bool:
    """The name's extension is one a report may have (checked before any download)."""
    lower = name.lower()
    return any(lower.endswith(extension) for extension in ALLOWED)


def _sent_at(event: dict[str, Any]) -> datetime:
    stamp = str(event.get("timestamp", ""))
    if stamp.isdigit():
        return datetime.fromtimestamp(int(stamp) / 1000, UTC)
    return datetime.now(UTC)


class FileEvents:
    """The file handling of `notifier.zalo.events.ZaloEvents` (its mixin)."""

    async def _file(
        self, user: str, ref: str, people: list[Person], lang: str, attachments: list[Any]
    ) -> None:
        if not await self._linked(user, ref, people):
            return
        payload = next((a.get("payload") or {} for a in attachments if a.get("type") == "file"), {})
        name = str(payload.get("name") or "tệp")[:200]
        declared = str(payload.get("size") or "")
        try:
            if declared.isdigit() and int(declared) > self.evidence.max_bytes:
                raise TooLarge(int(declared), self.evidence.max_bytes)
            if not _allowed_name(name):
                kind_of(name, b"")  # refuses it, saying which types are taken
        except (TooLarge, FileRefused) as exc:
            await self._refuse(user, ref, people, lang, exc)
            return
        url = str(payload.get("url", ""))
        stored = await self._fetch(user, ref, people, lang, url, lambda h: kind_of(name, h), name)
        if stored is not None:
            await self._route(user, ref, people, lang, [stored])

    async def _images(
        self,
        user: str,
        ref: str,
        people: list[Person],
        lang: str,
        event: dict[str, Any],
        attachments: list[Any],
    ) -> None:
        if not await self._linked(user, ref, people):
            return
        urls = [
            str((a.get("payload") or {}).get("url", ""))
            for a in attachments
            if isinstance(a, dict) and a.get("type") == "image"
        ][:MAX_PHOTOS]
        at = _sent_at(event)
        files: list[StoredFile] = []
        for index, url in enumerate(urls, start=1):

            def name(kind: str, index: int = index) -> str:
                return photo_name(kind, at, index)

            stored = await self._fetch(user, ref, people, lang, url, photo_type, name)
            if stored is None:
                return  # told why; the photos before it are not taken alone
            files.append(stored)
        if files:
            await self._route(user, ref, people, lang, files)

    async def _linked(self, user: str, ref: str, people: list[Person]) -> bool:
        if people:
            return True
        self._record(user, ref, InboundOutcome.REFUSED, "unlinked zalo user", people)
        await self._say(user, text("vi", "zalo_not_linked"))
        return False

    async def _refuse(
        self, user: str, ref: str, people: list[Person], lang: str, exc: Exception
    ) -> None:
        if isinstance(exc, TooLarge):
            self._record(user, ref, InboundOutcome.REFUSED, str(exc), people)
            await self._say(user, text(lang, "too_large", size=exc.size, limit=exc.limit))
        else:
            self._record(user, ref, InboundOutcome.REFUSED, f"file type: {exc}", people)
            await self._say(user, text(lang, "file_refused", reason=str(exc)))

    async def _fetch(
        self,
        user: str,
        ref: str,
        people: list[Person],
        lang: str,
        url: str,
        check: Callable[[bytes], str],
        name: str | Callable[[str], str],
    ) -> StoredFile | None:
        """The file at `url`, checked while it streams and kept; None once refused."""
        api: ZaloApi = self.channel.api
        try:
            data, content_type = await api.download(url, self.evidence.max_bytes, check)
            file_name = name(content_type) if callable(name) else name
            return await asyncio.to_thread(self.evidence.put, data, file_name, content_type)
        except (TooLarge, FileRefused) as exc:
            await self._refuse(user, ref, people, lang, exc)
            return None

    async def _route(
        self, user: str, ref: str, people: list[Person], lang: str, files: list[StoredFile]
    ) -> None:
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
                    user, ref, people, lang, owed, None, files, question.request_id
                ):
                    self.pending.forget(chat, question.request_id)
                return
        if await self._more(user, ref, people, lang, files):
            return
        with self.store.read() as session:
            items = inbound.owed(session, [p.id for p in people])
        if not items:
            self._record(user, ref, InboundOutcome.REFUSED, "nothing owed", people)
            await self._say(user, text(lang, "nothing_owed"))
            return
        if len(items) == 1:
            await self._submit(user, ref, people, lang, items[0], None, files)
            return
        for stored in files:
            self.pending.hold(chat, None, stored)
        buttons = [
            (
                text(lang, "btn_pick", what=i.label)[:100],
                encode(self.settings.secret, Action.PICK, i.deadline_id),
            )
            for i in items[:5]
        ]
        await self._say(user, text(lang, "which_deadline"), buttons)

    async def _more(
        self, user: str, ref: str, people: list[Person], lang: str, files: list[StoredFile]
    ) -> bool:
        """More pages of a report: joined to the files waiting for a choice, or added to
        the submission this user just made; False when they are the first."""
        chat = f"zalo:{user}"
        held = self.pending.held(chat)
        if held is not None and not held.expired() and held.files:
            count = 0
            for stored in files:
                count = self.pending.hold(chat, None, stored)
            names = ", ".join(f.file_name for f in files)
            await self._say(user, text(lang, "file_held_more", name=names, count=count))
            return True
        lines: list[str] = []
        last: Owed | None = None
        for stored in files:
            added = add_to_filed(self.store, self.pending, chat, [p.id for p in people], stored)
            if added is None:
                if last is None:
                    return False
                break  # the filing lapsed between two photos of one message
            last = added.owed
            lines.append(
                text(lang, "file_added", name=stored.file_name, what=last.label, count=added.files)
            )
            lines.append(
                text(
                    lang, "receipt_file", name=stored.file_name, size=stored.size, sha=stored.sha256
                )
            )
        self._record(user, ref, InboundOutcome.APPLIED, "file added", people, last)
        await self._say(user, "\n".join(lines))
        return True

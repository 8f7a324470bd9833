"""What a Telegram chat is in the middle of, kept in the store (`telegram_pending`).

After Xin gia hạn the bot asks for days and a reason; after Đã nộp, for a file or a
document number; a file sent while several deadlines are owed waits for a button saying
which. The answer is a later update, so the bot must remember the question between the
two. In PTB's `chat_data` it lived in the process's memory, and a deploy or a crash in
between made the person's answer "not understood" (the project's rule: a crash or a
restart loses nothing).

Why explicit rows and not a PTB `BasePersistence`: PTB writes persistence on an interval
(`update_interval`, 60 s by default) and at a clean shutdown, so a crash loses what the
last minute changed, which is precisely the question just asked. Here every change is
committed before the bot says anything that relies on it (the question is sent only once
it is saved), in the same database as everything else, and exported with it.

A question or a held file expires after `TTL`: an exchange left half-finished must not
capture an unrelated message days later; the person is told instead (`messages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from notifier.delivery import Store
from store.base import utcnow
from store.evidence import StoredFile
from store.models import TelegramPending, TelegramQuestion

TTL_HOURS = 24
TTL = timedelta(hours=TTL_HOURS)
"""How long a question (or a held file) waits for its answer: a working day is plenty to
find a document number; anything later is more likely a new conversation."""


@dataclass(frozen=True, slots=True)
class Question:
    kind: TelegramQuestion
    deadline_id: int
    request_id: str
    """Sent with the answer's workflow update: a second answer to the same question (an
    update re-delivered after a crash) is a duplicate there, not a second request."""
    asked_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.asked_at >= TTL


@dataclass(frozen=True, slots=True)
class Held:
    """A document number and/or a stored file waiting for the person to pick a deadline."""

    number: str | None
    stored: StoredFile | None
    held_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.held_at >= TTL


def _held_json(number: str | None, stored: StoredFile | None) -> dict[str, Any]:
    file = None
    if stored is not None:
        file = {
            "file_name": stored.file_name,
            "sha256": stored.sha256,
            "size": stored.size,
            "content_type": stored.content_type,
            "storage_path": stored.storage_path,
        }
    return {"number": number, "file": file}


def _held_of(data: dict[str, Any], held_at: datetime) -> Held:
    file = data.get("file")
    return Held(data.get("number"), StoredFile(**file) if file else None, held_at)


class Pending:
    """The `telegram_pending` rows of the bot's chats; each method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def question(self, chat_id: str) -> Question | None:
        """The question the chat's next message answers, expired or not (the caller
        tells the person when it has)."""
        with self.store.read() as session:
            row = session.get(TelegramPending, chat_id)
            if row is None or row.question is None or row.deadline_id is None:
                return None
            assert row.request_id is not None and row.asked_at is not None
            return Question(row.question, row.deadline_id, row.request_id, row.asked_at)

    def ask(
        self,
        chat_id: str,
        kind: TelegramQuestion,
        deadline_id: int,
        request_id: str,
        now: datetime | None = None,
    ) -> None:
        """Remember the question (replacing any earlier one); commit before asking it."""
        with self.store.write() as session:
            row = session.get(TelegramPending, chat_id) or TelegramPending(chat_id=chat_id)
            row.question, row.deadline_id = kind, deadline_id
            row.request_id, row.asked_at = request_id, now or utcnow()
            session.add(row)

    def forget(self, chat_id: str, request_id: str) -> None:
        """Clear the question if it is still this one (a newer button press wins)."""
        with self.store.write() as session:
            session.execute(
                sa.update(TelegramPending)
                .where(
                    TelegramPending.chat_id == chat_id,
                    TelegramPending.request_id == request_id,
                )
                .values(question=None, deadline_id=None, request_id=None, asked_at=None)
            )
            self._drop_if_empty(session, chat_id)

    def hold(
        self,
        chat_id: str,
        number: str | None,
        stored: StoredFile | None,
        now: datetime | None = None,
    ) -> None:
        """Keep what was sent until a deadline is picked (replacing anything held)."""
        with self.store.write() as session:
            row = session.get(TelegramPending, chat_id) or TelegramPending(chat_id=chat_id)
            row.held, row.held_at = _held_json(number, stored), now or utcnow()
            session.add(row)

    def held(self, chat_id: str) -> Held | None:
        with self.store.read() as session:
            row = session.get(TelegramPending, chat_id)
            if row is None or row.held is None or row.held_at is None:
                return None
            return _held_of(row.held, row.held_at)

    def release(self, chat_id: str) -> None:
        """Drop what was held: submitted, or expired."""
        with self.store.write() as session:
            session.execute(
                sa.update(TelegramPending)
                .where(TelegramPending.chat_id == chat_id)
                .values(held=sa.null(), held_at=None)  # SQL NULL, not JSON null
            )
            self._drop_if_empty(session, chat_id)

    @staticmethod
    def _drop_if_empty(session: Any, chat_id: str) -> None:
        session.execute(
            sa.delete(TelegramPending).where(
                TelegramPending.chat_id == chat_id,
                TelegramPending.question.is_(None),
                TelegramPending.held_at.is_(None),
            )
        )

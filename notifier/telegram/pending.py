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

A report is often several files (pages photographed one by one): files sent while others
wait for a deadline to be picked join them, and once a chat has submitted, the files it
sends within `PAGES` of its last one go to that submission (`filed`, `notifier.filing`)
instead of asking again which report they are for.
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
PAGES = timedelta(minutes=30)
"""How long after a chat's submission (or its last file added to it) a file it sends is
taken as one more page of that report: long enough to photograph a long report and its
annexes, short enough that tomorrow's report is not mistaken for today's."""


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
    """A document number and/or stored files waiting for the person to pick a deadline."""

    number: str | None
    files: tuple[StoredFile, ...]
    held_at: datetime

    @property
    def stored(self) -> StoredFile | None:
        return self.files[0] if self.files else None

    def expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.held_at >= TTL


@dataclass(frozen=True, slots=True)
class Filing:
    """The deadline a chat submitted last, and when it last sent a file for it."""

    deadline_id: int
    at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.at >= PAGES


def file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_name": stored.file_name,
        "sha256": stored.sha256,
        "size": stored.size,
        "content_type": stored.content_type,
        "storage_path": stored.storage_path,
    }


def _held_json(number: str | None, files: list[StoredFile]) -> dict[str, Any]:
    listed = [file_json(f) for f in files]
    # `file`: the first, as rows written before several files were held have it
    return {"number": number, "file": listed[0] if listed else None, "files": listed}


def _held_of(data: dict[str, Any], held_at: datetime) -> Held:
    files = data.get("files")
    if files is None:
        files = [data["file"]] if data.get("file") else []
    return Held(data.get("number"), tuple(StoredFile(**f) for f in files), held_at)


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
    ) -> int:
        """Keep what was sent until a deadline is picked: a file joins the files still
        held (pages of one report), a number replaces the one held; what expired is
        replaced. The number of files now held."""
        now = now or utcnow()
        with self.store.write() as session:
            row = session.get(TelegramPending, chat_id) or TelegramPending(chat_id=chat_id)
            files: list[StoredFile] = []
            if row.held is not None and row.held_at is not None:
                before = _held_of(row.held, row.held_at)
                if not before.expired(now):
                    files, number = list(before.files), number or before.number
            if stored is not None and stored.sha256 not in {f.sha256 for f in files}:
                files.append(stored)
            row.held, row.held_at = _held_json(number, files), now
            session.add(row)
            return len(files)

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

    def filed(self, chat_id: str, deadline_id: int, now: datetime | None = None) -> None:
        """The chat has just submitted (or added a file to) `deadline_id`."""
        with self.store.write() as session:
            row = session.get(TelegramPending, chat_id) or TelegramPending(chat_id=chat_id)
            row.filed_deadline_id, row.filed_at = deadline_id, now or utcnow()
            session.add(row)

    def filing(self, chat_id: str) -> Filing | None:
        """The submission the chat's next file may be a page of, expired or not."""
        with self.store.read() as session:
            row = session.get(TelegramPending, chat_id)
            if row is None or row.filed_deadline_id is None or row.filed_at is None:
                return None
            return Filing(row.filed_deadline_id, row.filed_at)

    @staticmethod
    def _drop_if_empty(session: Any, chat_id: str) -> None:
        session.execute(
            sa.delete(TelegramPending).where(
                TelegramPending.chat_id == chat_id,
                TelegramPending.question.is_(None),
                TelegramPending.held_at.is_(None),
                TelegramPending.filed_at.is_(None),
            )
        )

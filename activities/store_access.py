"""The store as activities use it: read sessions, and write transactions that take turns.

SQLite allows one writer. Write sessions begin with BEGIN IMMEDIATE
(`store.db.session_factory(writes=True)`), so a writer waits for the lock instead of
failing; inside one worker, where many activities run at once, writes also queue on a
lock here so they do not spin on SQLite's busy timeout. PostgreSQL needs neither.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store import db


class StoreAccess:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = db.session_factory(engine)
        self._writer = db.session_factory(engine, writes=True)
        self._gate: contextlib.AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction, committed on success, rolled back on error."""
        with self._gate, self._writer() as session, session.begin():
            yield session

    def read(self) -> Session:
        return self._reader()

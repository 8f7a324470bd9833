"""The store as activities use it: sessions, and one writer at a time on SQLite.

SQLite allows one writer; a deferred transaction that reads and then writes fails with
"database is locked" when another thread wrote in between (waiting cannot help it). The
worker runs many activities at once, so on SQLite its writes take turns here instead of
failing and retrying. PostgreSQL needs no such gate.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy.orm import Session, sessionmaker


class StoreAccess:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        serial = bind is None or bind.dialect.name == "sqlite"
        self._gate: contextlib.AbstractContextManager[object] = (
            threading.Lock() if serial else contextlib.nullcontext()
        )

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction, committed on success."""
        with self._gate, self.sessions() as session, session.begin():
            yield session

    def read(self) -> Session:
        return self.sessions()

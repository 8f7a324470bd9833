"""A TCP proxy on loopback that fails the way a database server goes away: it cuts every
open connection, refuses new ones (the port is closed) for a while, then listens again
on the same port. Or, `silent`, it accepts new connections and never answers them, as
a server that hangs or a network that drops packets: a client without a connect
timeout waits forever.

It runs its own event loop in a thread, so a test that blocks its loop, or an SMTP
handler in another thread, can cut it at any instant. `cut_after_next_commit()` arms
the worst instant for a PostgreSQL client: the server has committed and its answer is
lost, so the client cannot know whether its transaction happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from notifier.email.local import free_port

T = TypeVar("T")

COMMIT = b"COMMIT\x00"
"""The COMMIT statement (client → server) and its CommandComplete tag (server → client),
as they appear in the PostgreSQL wire protocol."""


@dataclass(eq=False)
class _Pair:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    commit_sent: bool = False
    tails: dict[bool, bytes] = field(default_factory=lambda: {True: b"", False: b""})
    """The last bytes each way, so a COMMIT split across two reads is still seen."""

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class TcpProxy:
    """127.0.0.1:`port` → `upstream_host`:`upstream_port`; counts what it did."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.accepted = 0
        """Connections accepted and joined to the upstream server."""
        self.cut_connections = 0
        """Open connections cut, over every outage."""
        self.outages = 0
        self.held = 0
        """Connections accepted while silent and never answered."""
        self.commit_lost: bool = False
        """True once an armed COMMIT's answer was swallowed (see `cut_after_next_commit`)."""
        self.went_down = threading.Event()
        self._pairs: set[_Pair] = set()
        self._server: asyncio.Server | None = None
        self._silent = False
        self._held: list[asyncio.StreamWriter] = []
        self._armed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # --- from any thread -------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._down(count=False))
        for writer in self._held:
            self._loop.call_soon_threadsafe(writer.transport.abort)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def cut(self, silent: bool = False) -> int:
        """Cut every open connection and close the port, or (`silent`) keep the port
        open and answer nothing; returns how many connections were cut."""
        return self._call(self._down(silent=silent))

    def restore(self) -> None:
        """Listen again, on the same port. Connections held while silent stay unanswered."""
        self._call(self._listen())

    def cut_after_next_commit(self) -> None:
        """At the next COMMIT a client sends, let the server commit, swallow its answer
        and go down (as `cut`)."""
        self._loop.call_soon_threadsafe(setattr, self, "_armed", True)

    @property
    def up(self) -> bool:
        return self._server is not None and not self._silent

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    def url(self, database_url: str) -> str:
        """`database_url` pointed at the proxy (password kept: it is for a subprocess)."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("TcpProxy methods are for other threads")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    # --- on the proxy's loop ---------------------------------------------------------

    async def _listen(self) -> None:
        self._silent = False
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )

    async def _down(self, count: bool = True, silent: bool = False) -> int:
        return self._go_down(count, silent)

    def _go_down(self, count: bool = True, silent: bool = False) -> int:
        if count and self.up:
            self.outages += 1
            self.went_down.set()
        if silent:
            self._silent = True
        elif self._server is not None:
            self._server.close()  # the port refuses connections from now on
            self._server = None
        pairs = list(self._pairs)
        self._pairs.clear()
        for pair in pairs:
            pair.abort()
        if count:
            self.cut_connections += len(pairs)
        return len(pairs)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:  # accepted just as the port closed
            writer.transport.abort()
            return
        if self._silent:
            self._held.append(writer)
            self.held += 1
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        pair = _Pair(writer, up_writer)
        self._pairs.add(pair)
        self.accepted += 1
        pair.tasks = [
            asyncio.create_task(self._pump(pair, reader, up_writer, to_server=True)),
            asyncio.create_task(self._pump(pair, up_reader, writer, to_server=False)),
        ]

    async def _pump(
        self,
        pair: _Pair,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        to_server: bool,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if self._armed and self._swallow(pair, data, to_server=to_server):
                    return
                writer.write(data)
                await writer.drain()
        # One side closed: close the other, as a plain TCP relay would.
        if pair in self._pairs:
            self._pairs.discard(pair)
            pair.abort()

    def _swallow(self, pair: _Pair, data: bytes, *, to_server: bool) -> bool:
        """Watch for the armed COMMIT; True when `data` is its answer, now swallowed."""
        seen = pair.tails[to_server] + data
        pair.tails[to_server] = seen[-len(COMMIT) :]
        if to_server:
            pair.commit_sent = pair.commit_sent or COMMIT in seen
            return False
        if not pair.commit_sent:
            return False
        pair.commit_sent = False
        if COMMIT not in seen:  # not its CommandComplete (an error, say): keep watching
            return False
        self._armed = False
        self.commit_lost = True
        self._go_down()
        return True

"""Replies are parsed in a child process, never on the notifier's event loop.

Parsing is CPU work on bytes anyone can send. On the event loop (which in `hanchot dev`
also runs the workflow worker and the dashboard) one hostile message stalled everything
for minutes; in a thread it would still hold the GIL and share the process's memory and
stack. So one long-lived child (`python -m notifier.mailbox.isolate`, a fresh
interpreter: no fork of a process with threads, no re-import of the parent's main
module) reads each raw message from a socket, checks `notifier.mailbox.bounds`, parses
it with `notifier.mailbox.parse`, and sends back the `Reply` or the `Poison` saying why
not. What the bounds miss cannot harm either: the child has an address-space limit,
the parent waits at most `timeout` seconds, and a child that overran, crashed or ran
out of memory is killed and replaced, the message it choked on being poison.

`ParserProcess.parse` blocks; the poller calls it through `asyncio.to_thread`. The child
only loads the parser (about 0.1 s to start), not the templates: a poison's Vietnamese
reason is rendered by the parent.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import socket
import subprocess
import sys
import threading
from email import policy
from email.parser import BytesHeaderParser
from multiprocessing.connection import Connection
from typing import Any

from notifier.mailbox.bounds import Limits, Poison, scan
from notifier.mailbox.parse import Reply, parse
from notifier.mailbox.sender import Sender, read_from

log = logging.getLogger(__name__)

MEMORY_BYTES = 2 * 1024 * 1024 * 1024
"""The child's address space: many times what parsing the largest allowed message takes."""
TIMEOUT_SECONDS = 30.0


def _limit_memory(nbytes: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = nbytes if hard == resource.RLIM_INFINITY else min(nbytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def described(raw: bytes, limits: Limits, poison: Poison) -> Poison:
    """The poison with the sender and subject a coordinator can see, read from the start
    of its header section (compat32: no header is interpreted, nothing recurses)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(
            raw[: limits.max_header_bytes]
        )
        who = read_from([str(v) for v in headers.get_all("From") or []])
        subject = " ".join(str(headers.get("Subject", "")).split())[:200]
    except Exception:  # a description is optional
        return poison
    sender = who.address if isinstance(who, Sender) else ""
    return Poison(poison.why, poison.params, sender, subject)


def parse_bounded(raw: bytes, limits: Limits) -> Reply | Poison:
    """The reply, or why it is poison; raises nothing (runs in the child)."""
    poison = scan(raw, limits)
    if poison is None:
        try:
            return parse(raw)
        except RecursionError:
            poison = Poison("too_deep", (("limit", str(limits.max_containers)),))
        except MemoryError:
            poison = Poison("crashed")
        except Exception:  # whatever the parser raises is the message's
            poison = Poison("unparsable")
    return described(raw, limits, poison)


def _serve(conn: Connection, limits: Limits) -> None:  # the child's loop
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):  # the parent is gone
            return
        result: Any = parse_bounded(raw, limits)
        del raw
        try:
            conn.send(result)
        except MemoryError:
            conn.send(Poison("crashed"))


class ParserProcess:
    """One child parsing one message at a time; replaced after a message killed it."""

    def __init__(
        self,
        limits: Limits | None = None,
        timeout: float = TIMEOUT_SECONDS,
        memory_bytes: int = MEMORY_BYTES,
    ) -> None:
        self.limits = limits or Limits()
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self.restarts = 0
        """Children replaced after a message killed or stalled one."""
        self._closed = False

    def _start(self) -> Connection:
        if self._closed:
            raise OSError("the reply parser was stopped")
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            return self._conn
        self._stop()
        ours, theirs = socket.socketpair()
        with theirs:
            limits = self.limits
            numbers = (limits.max_bytes, limits.max_header_bytes, limits.max_containers)
            args = [str(n) for n in (*numbers, limits.max_parts, self.memory_bytes)]
            self._process = subprocess.Popen(
                # -P: the working directory is not searched for the parser's modules
                [
                    sys.executable,
                    "-P",
                    "-m",
                    "notifier.mailbox.isolate",
                    str(theirs.fileno()),
                    *args,
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C to the notifier is the notifier's
            )
        self._conn = Connection(ours.detach())
        return self._conn

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait(10)

    def _replace(self) -> None:
        self.restarts += 1
        self._stop()

    def parse(self, raw: bytes) -> Reply | Poison:
        """The reply, or why it is poison; never raises for anything the message holds."""
        with self._lock:
            oversize = scan(raw, self.limits) if len(raw) > self.limits.max_bytes else None
            if oversize is not None:  # not worth the pipe
                return described(raw, self.limits, oversize)
            for _ in range(2):  # a child found dead before it was sent anything is replaced
                conn = self._start()
                try:
                    conn.send_bytes(raw)
                except OSError:
                    self._replace()
                    continue
                answered = conn.poll(self.timeout)
                if self._closed:  # stopped under us: the message is not to blame
                    raise OSError("the reply parser was stopped")
                if not answered:
                    log.warning("reply parsing overran %.0fs; parser replaced", self.timeout)
                    self._replace()
                    seconds = (("seconds", f"{self.timeout:.0f}"),)
                    return described(raw, self.limits, Poison("timeout", seconds))
                try:
                    result: Reply | Poison = conn.recv()
                except (EOFError, OSError):
                    if self._closed:
                        raise OSError("the reply parser was stopped") from None
                    log.warning("reply parser died on a message; replaced")
                    self._replace()
                    return described(raw, self.limits, Poison("crashed"))
                return result
            raise OSError("the reply parser cannot be started")

    def close(self) -> None:
        """Stop the child, even in the middle of a message (which then stays unread: the
        poll fails as for an outage, so the message is not taken for poison)."""
        self._closed = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
        with self._lock:
            self._stop()


def main(argv: list[str]) -> None:
    fd, max_bytes, max_header_bytes, max_containers, max_parts, memory = map(int, argv)
    _limit_memory(memory)
    limits = Limits(max_bytes, max_header_bytes, max_containers, max_parts)
    _serve(Connection(fd), limits)


if __name__ == "__main__":
    main(sys.argv[1:])

"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and fails on
request: a slow answer (timeout), a slow acceptance, 4xx (try later), 5xx (refused), 550
for a mailbox that does not exist, a dropped connection."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from notifier.email.local import free_port


@dataclass
class SmtpFailure:
    kind: str
    """`timeout`, `4xx`, `5xx`, `bad_address`, `421`, `slow` (accepted after `delay`)."""
    times: int = 1
    delay: float = 2.0


@dataclass
class FakeSMTP:
    bad_addresses: set[str] = field(default_factory=set)
    messages: list[EmailMessage] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[SmtpFailure] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def start(self) -> FakeSMTP:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def fail(self, kind: str, times: int = 1, delay: float = 2.0) -> None:
        with self._lock:
            self._failures.append(SmtpFailure(kind, times, delay))

    def _next_failure(self) -> SmtpFailure | None:
        with self._lock:
            if not self._failures:
                return None
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.pop(0)
            return failure

    @property
    def connections(self) -> int:
        return len(set(self.peers))

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    # aiosmtpd handler hooks

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.bad_addresses:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        failure = self._next_failure()
        if failure is not None:
            if failure.kind == "timeout":
                await asyncio.sleep(failure.delay)
                return "451 4.4.2 Timeout"
            if failure.kind == "slow":
                await asyncio.sleep(failure.delay)
            if failure.kind == "4xx":
                return "451 4.3.0 Temporary local problem, try again later"
            if failure.kind == "421":
                return "421 4.7.0 Too many messages, slow down"
            if failure.kind == "5xx":
                return "554 5.7.1 Message rejected as spam"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 2.0.0 Ok: queued"

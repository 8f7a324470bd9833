"""The one protocol every channel implements, the message it sends, and its errors.

A channel declares what it can do as class attributes (apprise's habit) so the core
truncates and paces generically; it classifies every failure as permanent or transient
(healthchecks' habit) so delivery knows whether to retry, disable or give up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

from store.enums import Channel as ChannelName


@dataclass(frozen=True, slots=True)
class Attachment:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str
    """Callback data (signed, at most 64 bytes) or, with `url`, ignored."""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One rendered message to one address: every channel takes what it can use."""

    address: str
    subject: str
    text: str
    html: str | None = None
    chat_html: str | None = None
    """The short form for chat channels (Telegram's HTML subset)."""
    attachments: tuple[Attachment, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    message_id: str | None = None
    """Deterministic per outbox row (email): a resend carries the same id."""
    reference: str = ""
    """Short code of the outbox row, shown in chat messages."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    """The provider's id: the SMTP Message-ID, the Telegram `chat:message_id`."""


class TransportError(Exception):
    """A send failed. `permanent`: retrying the same message cannot help. `address`: the
    address itself is bad (unknown mailbox, bot blocked, chat not found), so the channel
    is disabled for that person. `retry_after`: seconds the provider asked us to wait."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        address: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent or address
        self.address = address
        self.retry_after = retry_after

    @property
    def kind(self) -> str:
        if self.address:
            return "address"
        return "permanent" if self.permanent else "transient"


class NotConfigured(Exception):
    """The channel has no credentials in this deployment: messages stay in the outbox."""


@runtime_checkable
class Channel(Protocol):
    name: ClassVar[ChannelName]
    body_maxlen: ClassVar[int]
    """Longest body the provider accepts; longer text is cut by the core."""
    attachment_support: ClassVar[bool]
    request_rate_per_sec: ClassVar[float]
    """Sustained sends per second for the whole channel (0: unlimited)."""
    recipient_rate_per_sec: ClassVar[float]
    """Sustained sends per second to one address (0: unlimited)."""

    async def send(self, message: Outgoing) -> Sent: ...

    async def aclose(self) -> None: ...


def truncate(text: str, limit: int, marker: str = "\n…") -> str:
    """`text` cut to `limit` characters, ending with `marker` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker

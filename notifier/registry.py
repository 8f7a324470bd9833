"""The channels this process can send on, by name; a channel without credentials is
simply absent, and its messages stay in the outbox."""

from __future__ import annotations

from collections.abc import Iterator

from notifier.base import Channel, NotConfigured
from store.enums import Channel as ChannelName


class Registry:
    def __init__(self, channels: list[Channel] | None = None) -> None:
        self._channels: dict[ChannelName, Channel] = {}
        for channel in channels or []:
            self.add(channel)

    def add(self, channel: Channel) -> None:
        if channel.name in self._channels:
            raise ValueError(f"channel {channel.name} registered twice")
        self._channels[channel.name] = channel

    def get(self, name: ChannelName) -> Channel:
        try:
            return self._channels[name]
        except KeyError:
            raise NotConfigured(f"{name} is not configured in this process") from None

    def __contains__(self, name: object) -> bool:
        return name in self._channels

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels.values())

    async def aclose(self) -> None:
        for channel in self._channels.values():
            await channel.aclose()

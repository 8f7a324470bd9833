"""Downloading a document or a photo sent to the bot, refused as early as possible.

The size Telegram declares is checked first, but it is not trusted: the file is streamed
and the download stops as soon as more than the limit has arrived, so a file whose
declared size is wrong is never held whole in memory. Its type is checked against the
list every channel shares (`store.file_types`) on its first bytes, before the rest is
fetched: a document against its name, a photo (which has none) against the photo types
(`notifier.photos`).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from telegram import Bot

from store.evidence import TooLarge

CHUNK = 64 * 1024
HEAD = 16
"""Bytes enough for every signature `store.file_types` knows."""


async def fetch(
    bot: Bot,
    file_id: str,
    size: int | None,
    limit: int,
    timeout: float,
    check: Callable[[bytes], str],
) -> tuple[bytes, str]:
    """The file's bytes and the content type `check` gives its first bytes; TooLarge or
    FileRefused (why, in Vietnamese) as soon as it is known. `size`: as the update says."""
    if size is not None and size > limit:
        raise TooLarge(size, limit)
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > limit:
        raise TooLarge(file.file_size, limit)
    if not file.file_path:
        raise TooLarge(0, limit)  # pragma: no cover - Telegram gives a path up to 20 MB
    data = bytearray()
    content_type: str | None = None
    async with (
        httpx.AsyncClient(timeout=timeout) as http,
        http.stream("GET", file.file_path) as response,
    ):
        response.raise_for_status()
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(int(declared), limit)
        async for chunk in response.aiter_bytes(CHUNK):
            data.extend(chunk)
            if len(data) > limit:
                raise TooLarge(max(len(data), int(declared or 0)), limit)
            if content_type is None and len(data) >= HEAD:
                content_type = check(bytes(data[:HEAD]))
    return bytes(data), content_type or check(bytes(data[:HEAD]))

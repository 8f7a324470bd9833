"""The updates a test hands the fake Bot API (or the bot directly): messages, commands,
documents, photos and button presses, shaped as Telegram sends them."""

from __future__ import annotations

import itertools
import time
from typing import Any


class UpdateBuilders:
    _update_ids: itertools.count[int]
    _message_ids: itertools.count[int]

    def add_file(
        self, content: bytes, name: str = "bao-cao.pdf", declared: int | None = None
    ) -> str:
        raise NotImplementedError

    def user(self, chat_id: int, username: str = "") -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Người dùng", "username": username}

    def message(self, chat_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.user(chat_id),
            **extra,
        }
        if text is not None:
            body["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": body}

    def document(
        self, chat_id: int, content: bytes, name: str, size: int | None = None
    ) -> dict[str, Any]:
        """A document; `size` is the size declared (in the update and by getFile)."""
        file_id = self.add_file(content, name, size)
        doc = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": len(content) if size is None else size,
        }
        return self.message(chat_id, None, document=doc)

    def photo(
        self,
        chat_id: int,
        content: bytes,
        thumbnail: bytes = b"\xff\xd8\xff\xe0 thumbnail",
        size: int | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """A photo as Telegram sends it: no name, several sizes (`PhotoSize`, smallest
        first), each its own file; `content` is the largest, `size` what it declares."""
        sizes = []
        for width, data in ((90, thumbnail), (1280, content)):
            file_id = self.add_file(data, f"anh-{width}.jpg", size if width == 1280 else None)
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "width": width,
                    "height": width * 4 // 3,
                    "file_size": len(data) if size is None or width != 1280 else size,
                }
            )
        extra: dict[str, Any] = {"photo": sizes}
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id  # an album: one update per photo
        return self.message(chat_id, None, **extra)

    def callback(self, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cb{next(self._message_ids)}",
                "from": self.user(chat_id),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": "…",
                },
            },
        }

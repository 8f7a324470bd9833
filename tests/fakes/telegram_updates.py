"""The updates a test hands the fake Bot API (or the bot directly): messages, commands,
documents and button presses, shaped as Telegram sends them."""

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

"""A local HTTP server speaking the subset of the Telegram Bot API hanchot uses.

getMe, sendMessage, sendDocument, answerCallbackQuery, editMessageReplyMarkup,
getUpdates (long polling), getFile and file download, setWebhook, deleteWebhook; with
Telegram's limits enforced exactly (at most 30 sends in any sliding second per bot, at
least one second between sends to one chat, else 429 with `parameters.retry_after`)
and its errors, injected per call: 403 "Forbidden: bot was blocked by the user", 400
"Bad Request: chat not found", 5xx, and a response slower than the client's timeout.
Bodies are read the way python-telegram-bot sends them: form-encoded or multipart,
nested fields JSON-encoded. Each answer is written in one send on a TCP_NODELAY socket:
headers and body in two writes made the body wait for the client's delayed ACK, 44 ms
added to every call. Files are served in chunks, counted in `served`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.fakes import telegram_html
from tests.fakes.telegram_updates import UpdateBuilders

BLOCKED = (403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = (400, "Bad Request: chat not found")


@dataclass
class Failure:
    kind: str
    """`timeout`, `5xx`, `429`, `blocked`, `chat_not_found`."""
    method: str | None = None
    chat_id: str | None = None
    times: int = 1
    retry_after: int = 1
    delay: float = 3.0


@dataclass
class FakeTelegram(UpdateBuilders):
    token: str = "123456:TEST-token-secret"
    username: str = "hanchot_test_bot"
    enforce_limits: bool = True
    chat_gap: float = 1.0
    """Two messages to one chat closer than this get a 429 (Telegram's 1/s)."""
    global_per_window: int = 30
    global_window: float = 1.0
    """A 31st send within any such window gets a 429 (Telegram's 30/s per bot)."""
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    rate_limited: int = 0
    webhook: str = ""
    blocked: set[str] = field(default_factory=set)
    known_chats: set[str] | None = None
    """None: every chat exists; else only these (others: chat not found)."""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    declared: dict[str, int] = field(default_factory=dict)
    served: int = 0
    """Bytes of files written to clients so far (a refused download stops early)."""
    conflicts: int = 0
    """getUpdates calls made while another was waiting (Telegram ends the older with 409)."""

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: list[Failure] = []
        self._updates: list[dict[str, Any]] = []
        self._polling = False
        self._poll_generation = 0
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._recent: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self.sent_times: list[float] = []
        """time.monotonic() of each accepted send."""
        self._server: ThreadingHTTPServer | None = None

    # --- life cycle ------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(_Handler):
            api = fake

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # a burst must not be reset by a short backlog

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._lock:
                self._lock.notify_all()
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what tests do ---------------------------------------------------------------

    def fail(self, kind: str, **kw: Any) -> None:
        with self._lock:
            self._failures.append(Failure(kind, **kw))

    def heal(self) -> None:
        """Forget every failure still to inject."""
        with self._lock:
            self._failures.clear()

    def add_file(
        self, content: bytes, name: str = "bao-cao.pdf", declared: int | None = None
    ) -> str:
        """A file to download; `declared` is the size getFile reports (a lie if given)."""
        file_id = f"file-{len(self.files) + 1}"
        folder = "photos" if name.startswith("anh-") else "documents"
        self.files[file_id] = (f"{folder}/{file_id}-{name}", content)
        if declared is not None:
            self.declared[file_id] = declared
        return file_id

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (and return it, with its id)."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def texts(self, chat_id: int | str) -> list[str]:
        return [m["text"] for m in self.sent if str(m["chat_id"]) == str(chat_id)]

    # --- the API ---------------------------------------------------------------------

    def _failure(self, method: str, chat_id: str | None) -> Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.method not in (None, method):
                    continue
                if failure.chat_id not in (None, chat_id):
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _limited(self, chat_id: str) -> int | None:
        """Seconds to wait when this send breaks a limit, else None (and count it)."""
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= self.global_window:
                self._recent.popleft()
            if self.enforce_limits:
                last = self._last_by_chat.get(chat_id)
                if last is not None and now - last < self.chat_gap:
                    self.rate_limited += 1
                    return max(1, math.ceil(last + self.chat_gap - now))
                if len(self._recent) >= self.global_per_window:
                    self.rate_limited += 1
                    return max(1, math.ceil(self._recent[0] + self.global_window - now))
            self._recent.append(now)
            self._last_by_chat[chat_id] = now
            self.sent_times.append(now)
        return None

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((method, params))
        chat_id = str(params["chat_id"]) if "chat_id" in params else None
        failure = self._failure(method, chat_id)
        if failure is not None:
            if failure.kind == "timeout":
                time.sleep(failure.delay)
                return 502, _error(502, "Bad Gateway")
            if failure.kind == "5xx":
                return 502, _error(502, "Bad Gateway")
            if failure.kind == "429":
                return 429, _error(
                    429,
                    f"Too Many Requests: retry after {failure.retry_after}",
                    retry_after=failure.retry_after,
                )
            if failure.kind == "blocked":
                return BLOCKED[0], _error(*BLOCKED)
            if failure.kind == "chat_not_found":
                return CHAT_NOT_FOUND[0], _error(*CHAT_NOT_FOUND)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, _error(404, "Not Found: method not found")
        return handler(params)

    def _chat_error(self, chat_id: str) -> tuple[int, dict[str, Any]] | None:
        if chat_id in self.blocked:
            return BLOCKED[0], _error(*BLOCKED)
        if self.known_chats is not None and chat_id not in self.known_chats:
            return CHAT_NOT_FOUND[0], _error(*CHAT_NOT_FOUND)
        return None

    def _api_getMe(self, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, _ok(
            {
                "id": 123456,
                "is_bot": True,
                "first_name": "hanchot",
                "username": self.username,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    def _send(self, params: dict[str, Any], **extra: Any) -> tuple[int, dict[str, Any]]:
        chat_id = str(params["chat_id"])
        if (error := self._chat_error(chat_id)) is not None:
            return error
        if (wait := self._limited(chat_id)) is not None:
            return 429, _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        message_id = next(self._message_ids)
        record = {"chat_id": chat_id, "message_id": message_id, **params, **extra}
        self.sent.append(record)
        return 200, _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"},
                "text": params.get("text", ""),
            }
        )

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        text = params.get("text", "")
        if str(params.get("parse_mode", "")).upper() == "HTML":
            if (refused := telegram_html.check(text)) is not None:
                return 400, _error(400, refused)
        elif len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, _error(400, "Bad Request: message is too long")
        return self._send(params)

    def _api_sendDocument(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._send(params, text=params.get("caption", ""))

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.answers.append(params)
        return 200, _ok(True)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.edits.append(params)
        return 200, _ok(True)

    def _api_getFile(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        found = self.files.get(params["file_id"])
        if found is None:
            return 400, _error(400, "Bad Request: invalid file_id")
        path, content = found
        return 200, _ok(
            {
                "file_id": params["file_id"],
                "file_unique_id": "u" + params["file_id"],
                "file_size": self.declared.get(params["file_id"], len(content)),
                "file_path": path,
            }
        )

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = params.get("url", "")
        return 200, _ok(True)

    def _api_deleteWebhook(self, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.webhook = ""
        return 200, _ok(True)

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook:
            return 409, _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            # like Telegram: one getUpdates per bot at a time, a newer one ends the older
            if self._polling:
                self.conflicts += 1
                self._lock.notify_all()
            self._poll_generation += 1
            mine = self._poll_generation
            self._polling = True
            try:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                while (
                    not self._updates
                    and time.monotonic() < deadline
                    and mine == self._poll_generation
                ):
                    self._lock.wait(deadline - time.monotonic())
                if mine != self._poll_generation:
                    return 409, _error(409, "Conflict: terminated by other getUpdates request")
                return 200, _ok(list(self._updates))
            finally:
                if mine == self._poll_generation:
                    self._polling = False

    def file_content(self, path: str) -> bytes | None:
        for file_path, content in self.files.values():
            if file_path == path:
                return content
        return None


def _ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _error(code: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def _fields(content_type: str, body: bytes) -> dict[str, Any]:
    """Form-encoded, multipart or JSON body as a dict; JSON-encoded nested values decoded."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        raw = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            raw[name] = (
                part.get_content() if part.get_filename() is None else part.get_payload(decode=True)
            )
    else:
        raw = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


class _Handler(BaseHTTPRequestHandler):
    api: FakeTelegram
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _head(self, status: int, length: int, content_type: str) -> bytes:
        reason = self.responses.get(status, ("",))[0]
        return (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.wfile.write(self._head(status, len(body), content_type) + body)

    def _serve_file(self, content: bytes, chunk: int = 64 * 1024) -> None:
        self.wfile.write(self._head(200, len(content), "application/octet-stream"))
        try:
            for start in range(0, len(content), chunk):
                self.wfile.write(content[start : start + chunk])
                self.api.served += len(content[start : start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        prefix = f"/bot{self.api.token}/"
        path = unquote(self.path)
        if not path.startswith(prefix):
            self._reply(401, json.dumps(_error(401, "Unauthorized")).encode())
            return
        method = path[len(prefix) :].split("?")[0]
        params = _fields(self.headers.get("Content-Type", ""), body)
        status, payload = self.api.handle(method, params)
        self._reply(status, json.dumps(payload).encode())

    def do_GET(self) -> None:
        prefix = f"/file/bot{self.api.token}/"
        path = unquote(self.path)
        if not path.startswith(prefix):
            self.do_POST()
            return
        content = self.api.file_content(path[len(prefix) :])
        if content is None:
            self._reply(404, b"not found", "text/plain")
        else:
            self._serve_file(content)

"""A local HTTP server speaking the subset of the Zalo OA API hanchot uses, with its rules.

`POST /v3.0/oa/message/cs` (header `access_token`), `POST /v4/oa/access_token` (header
`secret_key`, form `refresh_token`, `app_id`, `grant_type`), and `GET /files/<id>` for
files people send. The rules are the ones `notifier.zalo.api` cites: an access token
lives `access_ttl` seconds and is not revoked by a renewal; a refresh token is used once
(the renewal that uses it issues the next and it stops working: -14014); a user who does
not follow the OA gets -213; more than `per_minute` calls in a minute get -32; more than
`per_user_day` messages to one user get -218; a user silent for too long (`silent`) gets
-230. Failures can be injected per call; a file download can be held (`file_gate`). It
also writes webhook events the way Zalo does (texts, files, images), signed
`X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key)`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx


@dataclass
class FakeZalo:
    oa_id: str = "1234567890123456789"
    app_id: str = "4291763606161179100"
    app_secret: str = "app-secret-test"
    oa_secret_key: str = "oa-secret-key-test"
    access_ttl: float = 90000.0
    per_minute: int = 600
    per_user_day: int = 100
    followers: set[str] | None = None
    """None: everyone follows the OA; else only these user ids."""
    silent: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)
    renewals: int = 0
    refused_renewals: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    served_bytes: int = 0
    """Bytes of files written to clients (a refused download stops early)."""
    failures: list[tuple[str, int]] = field(default_factory=list)
    """(path suffix, Zalo error code or HTTP status >= 500), each used once."""
    file_bytes_per_s: float | None = None
    """A download's pace (None: as fast as the socket goes), as Zalo's CDN far away."""
    file_gate: threading.Event | None = None
    """When set to an Event: a file download waits for it before its first byte (a slow
    download, held as long as a test needs)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}
        self._refresh: str = ""
        self._calls: deque[float] = deque()
        self._per_user: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.refresh_token = self.authorize()

    # --- tokens ----------------------------------------------------------------------

    def authorize(self) -> str:
        """A new authorisation of the OA: a fresh refresh token (the old one stops)."""
        with self._lock:
            self._refresh = "rt-" + secrets.token_urlsafe(12)
            return self._refresh

    def expire_access(self) -> None:
        with self._lock:
            for token in self._access:
                self._access[token] = 0.0

    # --- server ----------------------------------------------------------------------

    def start(self) -> FakeZalo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, answer = fake.handle_post(self.path, dict(self.headers), raw)
                self._answer(status, json.dumps(answer).encode())

            def do_GET(self) -> None:
                data = fake.files.get(self.path.removeprefix("/files/"))
                if data is None:
                    self._answer(404, b"{}")
                    return
                if fake.file_gate is not None:
                    fake.file_gate.wait(30)
                self.send_response(200)
                self.send_header("content-type", "application/octet-stream")
                self.end_headers()  # no length: the client finds the size as it reads
                for start in range(0, len(data), 4096):
                    try:
                        self.wfile.write(data[start : start + 4096])
                        self.wfile.flush()
                    except OSError:
                        return
                    fake.served_bytes += len(data[start : start + 4096])
                    if fake.file_bytes_per_s:
                        time.sleep(4096 / fake.file_bytes_per_s)

            def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _failure(self, path: str) -> int | None:
        for index, (suffix, code) in enumerate(self.failures):
            if path.endswith(suffix):
                del self.failures[index]
                return code
        return None

    def handle_post(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            injected = self._failure(path)
            if injected is not None and injected >= 500:
                return injected, {}
            if path == "/v4/oa/access_token":
                return 200, self._renew(lower, dict(parse_qsl(raw.decode())), injected)
            if path == "/v3.0/oa/message/cs":
                return 200, self._send(lower.get("access_token", ""), json.loads(raw), injected)
        return 404, {"error": -404, "message": "not found"}

    def _renew(self, headers: dict[str, str], form: dict[str, str], code: int | None) -> Any:
        if headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return {"error": -14002, "error_name": "Invalid app", "error_description": "app"}
        if form.get("grant_type") != "refresh_token" or code is not None:
            return {"error": code or -14003, "error_name": "Invalid grant"}
        if not self._refresh or form.get("refresh_token") != self._refresh:
            self.refused_renewals += 1
            return {
                "error": -14014,
                "error_name": "Invalid parameter",
                "error_description": "Invalid refresh token",
            }
        access = "at-" + secrets.token_urlsafe(12)
        self._access[access] = time.time() + self.access_ttl
        self._refresh = "rt-" + secrets.token_urlsafe(12)
        self.renewals += 1
        return {
            "access_token": access,
            "refresh_token": self._refresh,
            "expires_in": str(int(self.access_ttl)),
        }

    def _send(self, token: str, body: dict[str, Any], code: int | None) -> Any:
        if self._access.get(token, 0.0) <= time.time():
            return {"error": -216, "message": "Access token is invalid"}
        now = time.time()
        while self._calls and self._calls[0] < now - 60:
            self._calls.popleft()
        if len(self._calls) >= self.per_minute:
            return {"error": -32, "message": "Your OA reached limit call api"}
        self._calls.append(now)
        user = str((body.get("recipient") or {}).get("user_id", ""))
        if code is not None:
            return {"error": code, "message": f"injected {code}"}
        if self.followers is not None and user not in self.followers:
            return {"error": -213, "message": "User has not followed OA"}
        if user in self.silent:
            return {"error": -230, "message": "User has not interacted with the OA in 7 days"}
        if self._per_user.get(user, 0) >= self.per_user_day:
            return {"error": -218, "message": "Out of quota for receiving"}
        message = body.get("message") or {}
        if not isinstance(message.get("text"), str) or not 0 < len(message["text"]) <= 2000:
            return {"error": -201, "message": "Parameters invalid"}
        self._per_user[user] = self._per_user.get(user, 0) + 1
        message_id = f"m{next(self._ids)}"
        self.sent.append({"user_id": user, "message": message, "message_id": message_id})
        return {"error": 0, "message": "Success", "data": {"message_id": message_id}}

    # --- what people do --------------------------------------------------------------

    def texts(self, user: str) -> list[str]:
        return [m["message"]["text"] for m in self.sent if m["user_id"] == user]

    def buttons(self, user: str) -> list[tuple[str, str]]:
        """The buttons of the last message to `user` that had any: (title, payload)."""
        for m in reversed(self.sent):
            attachment = m["message"].get("attachment")
            if m["user_id"] == user and attachment:
                return [(b["title"], b["payload"]) for b in attachment["payload"]["buttons"]]
        return []

    def event(self, name: str, user: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "app_id": self.app_id,
            "event_name": name,
            "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": user},
            "recipient": {"id": self.oa_id},
            "user_id_by_app": "app-" + user,
        }
        if message is not None:
            event["message"] = {"msg_id": f"u{next(self._ids)}", **message}
        return event

    def text(self, user: str, text: str) -> dict[str, Any]:
        return self.event("user_send_text", user, {"text": text})

    def file(self, user: str, data: bytes, name: str, size: int | None = None) -> dict[str, Any]:
        """A `user_send_file` event; `size`: what Zalo declares, if not the truth."""
        key = hashlib.sha256(data).hexdigest()[:16]
        self.files[key] = data
        payload = {"url": f"{self.base}/files/{key}", "size": str(size or len(data)), "name": name}
        return self.event(
            "user_send_file", user, {"attachments": [{"type": "file", "payload": payload}]}
        )

    def image(self, user: str, *photos: bytes, text: str = "") -> dict[str, Any]:
        """A `user_send_image` event: one or several photos (Zalo sends a batch of photos
        as one message), each a link to the image, as Zalo gives it, with a thumbnail."""
        attachments = []
        for data in photos:
            key = hashlib.sha256(data).hexdigest()[:16]
            self.files[key] = data
            url = f"{self.base}/files/{key}"
            attachments.append({"type": "image", "payload": {"url": url, "thumbnail": url}})
        return self.event("user_send_image", user, {"text": text, "attachments": attachments})

    def signed(self, event: dict[str, Any], key: str | None = None) -> tuple[bytes, str]:
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = hashlib.sha256(
            self.app_id.encode()
            + raw
            + event["timestamp"].encode()
            + (key or self.oa_secret_key).encode()
        ).hexdigest()
        return raw, f"mac={mac}"

    def deliver(self, url: str, event: dict[str, Any], signature: str | None = None) -> int:
        """POST `event` to hanchot's webhook as Zalo would (or with `signature`)."""
        raw, mac = self.signed(event)
        response = httpx.post(
            url,
            content=raw,
            headers={"content-type": "application/json", "X-ZEvent-Signature": signature or mac},
            timeout=10,
        )
        return response.status_code

"""A local HTTP server speaking the subset of the Zalo OA API hanchot uses, with its rules.

`POST /v3.0/oa/message/cs` (header `access_token`), `POST /v4/oa/access_token` (header
`secret_key`, form `refresh_token`, `app_id`, `grant_type`), and `GET /files/<id>` for
files people send. The rules are the ones `notifier.zalo.api` cites: an access token
lives `access_ttl` seconds and is not revoked by a renewal; a refresh token is used once
(the renewal that uses it issues the next and it stops working: -14014). The OA may
authorise several apps (`add_app`), each with its own secret, OA secret key and chain
of refresh tokens; any app's access token sends to the OA's followers; a user who does
not follow the OA gets -213; more than `per_minute` calls in a minute get -32; more than
`per_user_day` messages to one user get -218; a user silent for too long (`silent`) gets
-230. Failures can be injected per call, among them `CUT`: the call is done (a renewal
consumes its refresh token) and the connection closed before the answer; a file download
can be held (`file_gate`). It also writes webhook events the way Zalo does (texts, files,
images), each app with its own key:
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

CUT = 0
"""An injected failure: Zalo does the work and the answer never arrives."""


@dataclass
class FakeApp:
    """One app the OA authorised, and its chain: the one refresh token that works now."""

    app_id: str
    app_secret: str
    oa_secret_key: str
    refresh: str = ""
    renewals: int = 0
    refused_renewals: int = 0

    @property
    def refresh_token(self) -> str:
        return self.refresh


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
    files: dict[str, bytes] = field(default_factory=dict)
    served_bytes: int = 0
    """Bytes of files written to clients (a refused download stops early)."""
    renew_seconds: float = 0.0
    """How long a renewal call takes (0: at once)."""
    most_renewing: int = 0
    """The most renewal calls of the OA in flight at once (any app)."""
    failures: list[tuple[str, int]] = field(default_factory=list)
    """(path suffix, Zalo error code, HTTP status >= 500 or `CUT`), each used once."""
    file_bytes_per_s: float | None = None
    """A download's pace (None: as fast as the socket goes), as Zalo's CDN far away."""
    file_gate: threading.Event | None = None
    """When set to an Event: a file download waits for it before its first byte (a slow
    download, held as long as a test needs)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, tuple[float, str]] = {}
        """access token -> (when it expires, the app it was issued to)."""
        self._calls: deque[float] = deque()
        self._renewing = 0
        self._per_user: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.apps: dict[str, FakeApp] = {}
        self.refresh_token = self.add_app(self.app_id, self.app_secret, self.oa_secret_key).refresh

    # --- tokens ----------------------------------------------------------------------

    def add_app(self, app_id: str, app_secret: str, oa_secret_key: str) -> FakeApp:
        """Another app the OA authorises, with its first refresh token."""
        app = self.apps[app_id] = FakeApp(app_id, app_secret, oa_secret_key)
        self.authorize(app_id)
        return app

    def authorize(self, app_id: str | None = None) -> str:
        """A new authorisation of the OA for an app (default: the first): a fresh refresh
        token of its chain (the old one stops)."""
        with self._lock:
            app = self.apps[app_id or self.app_id]
            app.refresh = "rt-" + secrets.token_urlsafe(12)
            return app.refresh

    def expire_access(self, app_id: str | None = None) -> None:
        """Every access token (of `app_id` only, when given) stops working now."""
        with self._lock:
            for token, (_, owner) in self._access.items():
                if app_id is None or owner == app_id:
                    self._access[token] = (0.0, owner)

    @property
    def renewals(self) -> int:
        return sum(a.renewals for a in self.apps.values())

    @property
    def refused_renewals(self) -> int:
        return sum(a.refused_renewals for a in self.apps.values())

    def app_of(self, access_token: str) -> str:
        """The app an access token was issued to ("" for none)."""
        return self._access.get(access_token, (0.0, ""))[1]

    # --- server ----------------------------------------------------------------------

    def start(self) -> FakeZalo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, answer = fake.handle_post(self.path, dict(self.headers), raw)
                if status == CUT:
                    self.close_connection = True
                    return
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
        if path == "/v4/oa/access_token" and self.renew_seconds:
            with self._lock:
                self._renewing += 1
                self.most_renewing = max(self.most_renewing, self._renewing)
            time.sleep(self.renew_seconds)  # outside the lock: renewals may overlap here
            with self._lock:
                self._renewing -= 1
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            injected = self._failure(path)
            if injected is not None and injected >= 500:
                return injected, {}
            if path == "/v4/oa/access_token":
                form = dict(parse_qsl(raw.decode()))
                if injected == CUT:
                    return CUT, self._renew(lower, form, None)
                return 200, self._renew(lower, form, injected)
            if path == "/v3.0/oa/message/cs":
                return 200, self._send(lower.get("access_token", ""), json.loads(raw), injected)
        return 404, {"error": -404, "message": "not found"}

    def _renew(self, headers: dict[str, str], form: dict[str, str], code: int | None) -> Any:
        app = self.apps.get(form.get("app_id", ""))
        if app is None or headers.get("secret_key") != app.app_secret:
            return {"error": -14002, "error_name": "Invalid app", "error_description": "app"}
        if form.get("grant_type") != "refresh_token" or code is not None:
            return {"error": code or -14003, "error_name": "Invalid grant"}
        if not app.refresh or form.get("refresh_token") != app.refresh:
            app.refused_renewals += 1
            return {
                "error": -14014,
                "error_name": "Invalid parameter",
                "error_description": "Invalid refresh token",
            }
        access = "at-" + secrets.token_urlsafe(12)
        self._access[access] = (time.time() + self.access_ttl, app.app_id)
        app.refresh = "rt-" + secrets.token_urlsafe(12)
        app.renewals += 1
        return {
            "access_token": access,
            "refresh_token": app.refresh,
            "expires_in": str(int(self.access_ttl)),
        }

    def _send(self, token: str, body: dict[str, Any], code: int | None) -> Any:
        if self._access.get(token, (0.0, ""))[0] <= time.time():
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
        self.sent.append(
            {
                "user_id": user,
                "message": message,
                "message_id": message_id,
                "app_id": self._access[token][1],
            }
        )
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

    def event(
        self, name: str, user: str, message: dict[str, Any] | None = None, app_id: str = ""
    ) -> dict[str, Any]:
        """An OA event as `app_id` (default: the first app) delivers it."""
        event: dict[str, Any] = {
            "app_id": app_id or self.app_id,
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
        """Signed as Zalo signs it for the app the event names (or with `key`)."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        app = self.apps[event["app_id"]]
        mac = hashlib.sha256(
            app.app_id.encode()
            + raw
            + event["timestamp"].encode()
            + (key or app.oa_secret_key).encode()
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

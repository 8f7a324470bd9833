"""The subset of the Zalo Official Account API hanchot uses, and how its errors are read.

What is modelled, and from where (developers.zalo.me renders its reference in the browser
and could not be read here; these shapes come from public wrappers and guides that agree,
cited by name):

- Send a consultation ("cs") message: `POST {api}/v3.0/oa/message/cs`, header
  `access_token`, JSON `{"recipient": {"user_id"}, "message": {"text", "attachment"?}}`;
  buttons as `attachment: {"type": "template", "payload": {"buttons": [{"title", "type":
  "oa.query.hide", "payload"}]}}`: a press makes the user send `payload` as a message,
  which the webhook delivers as `user_send_text` (npm `zalo-api`, n8n `zalo-oav3` node).
  Text at most 2,000 characters. The answer is HTTP 200 with `{"error": 0, "message",
  "data": {"message_id", "user_id"}}`, or a negative `error` and its `message`.
- Renew the access token: `POST {oauth}/v4/oa/access_token`, header `secret_key` (the
  app's secret), form `refresh_token`, `app_id`, `grant_type=refresh_token`; each app the
  OA authorised has its own secret and its own chain of refresh tokens; answer
  `{"access_token", "refresh_token", "expires_in"}` (`expires_in` in seconds, sent as a
  string; 25 hours at the time of writing), or `{"error", "error_name",
  "error_description"}`. The refresh token is single-use and lives three months
  (hexasync.vn's guide to Zalo OA tokens).
- Errors (zalo_sdk 0.2.1 `ZaloOAException`, and projects handling them): -216 invalid
  access token; -32 the OA called the API too often; -211 the OA is out of quota, -218 the
  user has received as many messages as allowed, -311 out of quota for answering a user;
  -213 the user does not follow the OA, -222/-227 the user's account is blocked or
  inactive for 45 days; -230 the user has not interacted with the OA in the last 7 days,
  -305 the OA cannot answer after 48 hours; -201 invalid parameters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from notifier.base import TransportError
from notifier.settings import ZaloApp, ZaloSettings

log = logging.getLogger(__name__)

TEXT_MAX = 2000
HEAD = 16
"""Bytes enough for every signature `store.file_types` knows."""
TOKEN_ERRORS = {-216, -124}
"""The access token is invalid or expired: renew it and send again."""
ADDRESS_ERRORS = {-213: "không quan tâm OA", -222: "tài khoản bị khóa", -227: "tài khoản bị khóa"}
"""The person cannot be reached on Zalo at all until they follow the OA again."""
WINDOW_ERRORS = {-230, -305, -232}
"""The person has not written to the OA recently enough for a consultation message:
this message cannot go (permanent), but the binding stays: the next one may."""
RATE_ERRORS = {-32: 60.0, -211: 3600.0, -218: 3600.0, -311: 3600.0}
"""Too many calls or a quota spent: wait (seconds) and send again."""
PER_USER = {-218}
"""Of those, the quota of one person (the others are the OA's)."""
REFRESH_REFUSED = {-14014, -14016, -14020}
"""The refresh token was refused (invalid, used, or expired)."""


class ZaloError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"zalo error {code}: {message}")
        self.code = code
        self.message = message


class RefreshRefused(Exception):
    """Zalo will not renew with this refresh token: a new authorisation is needed."""


@dataclass(frozen=True, slots=True)
class Pair:
    access_token: str
    refresh_token: str
    expires_in: timedelta


def classify(exc: Exception) -> TransportError:
    """Every failure of a send as the delivery core reads it (`notifier.delivery`)."""
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, ZaloError):
        text = f"zalo {exc.code}: {exc.message}"
        if exc.code in ADDRESS_ERRORS:
            return TransportError(text, address=True)
        if exc.code in RATE_ERRORS:
            return TransportError(text, retry_after=RATE_ERRORS[exc.code])
        if exc.code in TOKEN_ERRORS:
            return TransportError(text)
        return TransportError(text, permanent=True)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status == 429:
            wait = exc.response.headers.get("retry-after", "")
            return TransportError("http 429", retry_after=float(wait) if wait.isdigit() else 60.0)
        return TransportError(f"http {status}", permanent=400 <= status < 500)
    if isinstance(exc, (httpx.HTTPError, OSError, ValueError)):
        return TransportError(f"{type(exc).__name__}: {exc}")
    return TransportError(f"unexpected {type(exc).__name__}: {exc}")


def message_body(user_id: str, text: str, buttons: list[tuple[str, str]]) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": title, "type": "oa.query.hide", "payload": payload}
                    for title, payload in buttons
                ]
            },
        }
    return {"recipient": {"user_id": user_id}, "message": message}


class ZaloApi:
    def __init__(self, settings: ZaloSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=settings.timeout)

    async def send(self, access_token: str, body: dict[str, Any]) -> str:
        """The message id; ZaloError with Zalo's code, httpx errors as they come."""
        url = self.settings.api_base_url.rstrip("/") + "/v3.0/oa/message/cs"
        response = await self.http.post(url, json=body, headers={"access_token": access_token})
        response.raise_for_status()
        answer = response.json()
        code = int(answer.get("error", -1))
        if code != 0:
            raise ZaloError(code, str(answer.get("message", "")))
        return str((answer.get("data") or {}).get("message_id", ""))

    async def renew(self, app: ZaloApp, refresh_token: str) -> Pair:
        """A new pair for `app`'s chain; RefreshRefused when Zalo refuses the token, else
        httpx errors and ZaloError for what may pass (5xx, timeouts, other codes)."""
        url = self.settings.oauth_base_url.rstrip("/") + "/v4/oa/access_token"
        response = await self.http.post(
            url,
            data={
                "refresh_token": refresh_token,
                "app_id": app.app_id,
                "grant_type": "refresh_token",
            },
            headers={"secret_key": str(app.app_secret)},
        )
        response.raise_for_status()
        answer = response.json()
        if "access_token" in answer and "refresh_token" in answer:
            return Pair(
                str(answer["access_token"]),
                str(answer["refresh_token"]),
                timedelta(seconds=int(answer.get("expires_in") or 3600)),
            )
        code = int(answer.get("error", -1))
        reason = str(answer.get("error_description") or answer.get("error_name") or "")
        if code in REFRESH_REFUSED:
            raise RefreshRefused(f"zalo {code}: {reason}")
        raise ZaloError(code, reason)

    async def download(
        self, url: str, limit: int, check: Callable[[bytes], str]
    ) -> tuple[bytes, str]:
        """A file a person sent (its link), streamed and stopped as soon as it is known
        to be refused: past `limit` (`store.evidence.TooLarge`) or when `check` refuses
        its first bytes (`store.file_types.FileRefused`). The bytes and `check`'s type."""
        from store.evidence import TooLarge

        data = bytearray()
        kind: str | None = None
        async with self.http.stream("GET", url) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(int(declared), limit)
            async for chunk in response.aiter_bytes(64 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise TooLarge(len(data), limit)
                if kind is None and len(data) >= HEAD:
                    kind = check(bytes(data[:HEAD]))
        return bytes(data), kind or check(bytes(data[:HEAD]))

    async def aclose(self) -> None:
        await self.http.aclose()


def parse(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("a webhook event is a JSON object")
    return value

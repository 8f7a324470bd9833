"""The endpoint Zalo posts OA events to, and the check that an event is Zalo's.

Zalo signs each event: header `X-ZEvent-Signature: mac=<hex>`, where the hex is
sha256(app_id + raw body + timestamp + OA secret key), `app_id` and `timestamp` being the
event's own fields (the scheme chatwoot's and others' Zalo handlers verify). Each app the
OA authorised signs with its own OA secret key, so the key is the one of the app the event
names (`keys`). An event without it, with a wrong one, for an app not configured, or
older than `MAX_AGE` is refused (403)
before it is parsed further: a forged event changes nothing. The body is bounded like
the Telegram webhook's (`MAX_BODY`), read before the check only up to that bound.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
"""An event is a few hundred bytes (a file arrives as a link, not its bytes)."""
MAX_AGE_MS = 24 * 3600 * 1000
HEADER = "x-zevent-signature"


def verify(raw: bytes, signature: str, keys: Mapping[str, str]) -> dict[str, Any] | None:
    """The event, if Zalo signed it for one of the apps of `keys` (app id -> OA secret
    key) and it is recent; else None."""
    if not signature:
        return None
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    app_id = str(event.get("app_id", ""))
    oa_secret_key = keys.get(app_id, "")
    if not oa_secret_key:
        return None
    stamp = str(event.get("timestamp", ""))
    if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > MAX_AGE_MS:
        return None
    mac = hashlib.sha256(app_id.encode() + raw + stamp.encode() + oa_secret_key.encode())
    given = signature.strip().removeprefix("mac=").strip().lower()
    return event if hmac.compare_digest(mac.hexdigest(), given) else None


def app(
    path: str,
    keys: Mapping[str, str],
    handle: Callable[[dict[str, Any]], Awaitable[None]],
) -> Starlette:
    async def receive(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if not declared.isdigit():
            return Response(status_code=411)
        if int(declared) > MAX_BODY:
            return Response(status_code=413)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return Response(status_code=413)
        event = verify(raw, request.headers.get(HEADER, ""), keys)
        if event is None:
            log.warning("zalo webhook call refused: missing or wrong signature")
            return Response(status_code=403)
        await handle(event)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])

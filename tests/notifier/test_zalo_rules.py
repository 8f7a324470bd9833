"""Zalo's answers as the delivery core reads them (one table, like the other channels'),
and the webhook signature: only an event Zalo signed for one of the OA's configured apps,
with that app's key, recently, is read."""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest

from notifier.zalo.api import ZaloError, classify, message_body
from notifier.zalo.webhook import verify

APP, KEY = "4291763606161179100", "oa-secret-key"
STANDBY, STANDBY_KEY = "3056112283945570001", "standby-oa-secret-key"
KEYS = {APP: KEY}


@pytest.mark.parametrize(
    ("error", "kind", "retry_after"),
    [
        (ZaloError(-213, "User has not followed OA"), "address", None),
        (ZaloError(-227, "User is blocked or inactive"), "address", None),
        (ZaloError(-230, "not interacted in 7 days"), "permanent", None),
        (ZaloError(-201, "Parameters invalid"), "permanent", None),
        (ZaloError(-216, "Access token is invalid"), "transient", None),
        (ZaloError(-32, "Your OA reached limit call api"), "transient", 60.0),
        (ZaloError(-218, "Out of quota for receiving"), "transient", 3600.0),
        (ZaloError(-211, "Out of quota"), "transient", 3600.0),
        (httpx.ConnectError("refused"), "transient", None),
        (httpx.ReadTimeout("slow"), "transient", None),
    ],
)
def test_each_answer_is_classified(error: Exception, kind: str, retry_after: float | None) -> None:
    classified = classify(error)
    assert classified.kind == kind and classified.retry_after == retry_after


@pytest.mark.parametrize(
    ("status", "kind"), [(500, "transient"), (502, "transient"), (400, "permanent")]
)
def test_http_statuses(status: int, kind: str) -> None:
    request = httpx.Request("POST", "https://openapi.zalo.me/v3.0/oa/message/cs")
    response = httpx.Response(status, request=request)
    error = httpx.HTTPStatusError("x", request=request, response=response)
    assert classify(error).kind == kind


def test_buttons_are_query_buttons_carrying_the_signed_data() -> None:
    body = message_body("8001", "Nhắc hạn", [("✅ Đã nộp", "s:12:abcdefgh")])
    assert body["recipient"] == {"user_id": "8001"}
    [button] = body["message"]["attachment"]["payload"]["buttons"]
    assert button == {"title": "✅ Đã nộp", "type": "oa.query.hide", "payload": "s:12:abcdefgh"}
    assert "attachment" not in message_body("8001", "x", [])["message"]


def signed(event: dict[str, object], key: str = KEY) -> tuple[bytes, str]:
    raw = json.dumps(event).encode()
    app = str(event["app_id"])
    mac = hashlib.sha256(app.encode() + raw + str(event["timestamp"]).encode() + key.encode())
    return raw, "mac=" + mac.hexdigest()


def event(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "app_id": APP,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "8001"},
        "message": {"msg_id": "m1", "text": "s:12:abcdefgh"},
    }
    return {**base, **changes}


def test_a_signed_event_is_read() -> None:
    raw, mac = signed(event())
    assert verify(raw, mac, KEYS) == json.loads(raw)
    assert verify(raw, mac.removeprefix("mac="), KEYS) is not None


def test_forged_altered_foreign_stale_and_unsigned_events_are_refused() -> None:
    raw, mac = signed(event())
    assert verify(raw, "", KEYS) is None
    assert verify(raw, "mac=" + "0" * 64, KEYS) is None
    assert verify(raw.replace(b"8001", b"8002"), mac, KEYS) is None
    assert verify(*signed(event(), "another key"), KEYS) is None
    assert verify(*signed(event(app_id="999")), KEYS) is None
    stale = event(timestamp=str(int((time.time() - 3 * 86400) * 1000)))
    assert verify(*signed(stale), KEYS) is None
    assert verify(b"[1, 2]", mac, KEYS) is None
    assert verify(raw, mac, {APP: ""}) is None
    assert verify(raw, mac, {}) is None


def test_each_app_of_the_oa_signs_with_its_own_key() -> None:
    keys = {APP: KEY, STANDBY: STANDBY_KEY}
    standby = event(app_id=STANDBY)
    assert verify(*signed(standby, STANDBY_KEY), keys) == standby
    assert verify(*signed(event(), KEY), keys) is not None
    assert verify(*signed(standby, KEY), keys) is None  # the primary's key for the standby
    assert verify(*signed(event(), STANDBY_KEY), keys) is None
    assert verify(*signed(standby, STANDBY_KEY), KEYS) is None  # standby not configured

"""A hard cap on request bodies, enforced while they arrive.

The submit page takes files, so a body may be large, but never larger than the upload
limit plus room for the form's text fields. A declared Content-Length above the cap is
refused before anything is read; a chunked body is counted as it streams in and cut off
at the cap, so no request can make the server spool more than that to disk. It sits
inside `web.security`'s middleware, so the 413 page carries the same headers as any other.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_OVERHEAD = 256 * 1024

PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tệp quá lớn</title>'
    "</head><body><h1>Tệp quá lớn</h1><p>Nội dung gửi lên vượt giới hạn cho phép. "
    "Hãy nén tệp hoặc gửi số văn bản thay cho tệp.</p></body></html>"
).encode()


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BaseException as exc:
            # Raised in a task group on its way out (anyio, BaseHTTPMiddleware), the limit
            # arrives wrapped in an ExceptionGroup: look inside before calling it a crash.
            if not _caused_by_limit(exc):
                raise
            if not started:
                await _refuse(send)


def _caused_by_limit(exc: BaseException) -> bool:
    if isinstance(exc, BodyTooLarge):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_caused_by_limit(inner) for inner in exc.exceptions)
    return False


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(PAGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": PAGE})

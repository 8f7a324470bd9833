"""Serving the dashboard inside an asyncio program (`hanchot dev`, `hanchot web`, the
browser tests): uvicorn in a task of the running loop, started and stopped in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 30


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the program that embeds it (dev's Ctrl-C
    handling, pytest) owns SIGINT and SIGTERM and stops the server itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> AsyncIterator[str]:
    """Serve `app` while the block runs; yields the base URL once it accepts connections."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start (port taken, ...)
            raise RuntimeError("the web server stopped before it started")
        if loop.time() > deadline:
            raise TimeoutError(f"the web server did not start on {host}:{port}")
        await asyncio.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task

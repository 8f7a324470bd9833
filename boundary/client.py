"""The one way to send a workflow update: typed per update, one set of errors.

The CLI (`hanchot submit`...), the dashboard (hanchot.gateway), the bot and the mail
reader (notifier.inbound) and the engine itself (closing and revising deadlines) all send
UnitDeadline's updates through `EngineClient`, instead of each naming updates by strings
and translating Temporal's errors its own way. A refusal by the workflow's validator
(Vietnamese, for a person) is `UpdateRefused`; a deadline whose workflow is gone is
refused with `GONE`; an engine that cannot be reached is `EngineUnavailable`, whose
Vietnamese text (`UNREACHABLE`) is the one every front end shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from boundary.types import (
    ActorRequest,
    CloseRequest,
    ExtensionDecision,
    ExtensionRequestInput,
    RevisionUpdate,
    SnoozeRequest,
    SubmitRequest,
    UpdateResult,
)

UNREACHABLE = (
    "không kết nối được hệ thống theo dõi hạn (Temporal tại {address}): chưa có gì thay đổi,"
    " hãy thử lại sau ít phút"
)
GONE = "hạn nộp này không còn được theo dõi (quy trình đã kết thúc)"
UPDATE_TIMEOUT_S = 60

UPDATES = (
    "submit",
    "request_extension",
    "decide_extension",
    "acknowledge",
    "snooze",
    "excuse",
    "reopen",
    "close",
    "revise",
)
"""UnitDeadline's updates, by the names its handlers are registered under (a test checks
this list against the workflow's definition)."""


class EngineUnavailable(RuntimeError):
    """Temporal could not be reached: nothing was changed, try again later."""

    def __init__(self, detail: str = "", address: str = "") -> None:
        super().__init__(UNREACHABLE.format(address=address or "?"))
        self.address, self.detail = address, detail
        """`detail`: what the SDK said (English), for logs."""


class UpdateRefused(Exception):
    """The workflow refused the update (its validator's Vietnamese reason), or is gone."""

    def __init__(self, message: str, gone: bool = False, detail: str = "") -> None:
        super().__init__(message)
        self.message, self.gone, self.detail = message, gone, detail
        """`detail`: Temporal's own (English) words when the workflow is gone."""


class EngineClient:
    def __init__(self, client: Client | Callable[[], Awaitable[Client]], address: str = "") -> None:
        self._client = client if isinstance(client, Client) else None
        self._connect = None if isinstance(client, Client) else client
        self._address = address or (
            client.service_client.config.target_host if isinstance(client, Client) else ""
        )
        self._lock = asyncio.Lock()

    @classmethod
    def lazy(cls, address: str, namespace: str = "default") -> EngineClient:
        """Connect on the first update, and again after a failed attempt."""
        return cls(lambda: Client.connect(address, namespace=namespace), address)

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        assert self._connect is not None
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await self._connect()
                except RuntimeError as exc:  # the SDK's "failed client connect"
                    raise EngineUnavailable(str(exc), self._address) from exc
        return self._client

    async def send(self, workflow_id: str, update: str, request: Any) -> UpdateResult:
        """Send one of UPDATES; prefer the typed methods below."""
        if update not in UPDATES:
            raise ValueError(f"UnitDeadline has no update {update!r}")
        client = await self.client()
        handle = client.get_workflow_handle(workflow_id)
        try:
            return await asyncio.wait_for(
                handle.execute_update(update, request, result_type=UpdateResult),
                UPDATE_TIMEOUT_S,
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            raise UpdateRefused(str(getattr(cause, "message", None) or cause)) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise UpdateRefused(GONE, gone=True, detail=str(exc.message)) from exc
            raise EngineUnavailable(exc.message, self._address) from exc
        except (TimeoutError, OSError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__, self._address) from exc

    async def submit(self, workflow_id: str, req: SubmitRequest) -> UpdateResult:
        return await self.send(workflow_id, "submit", req)

    async def request_extension(self, workflow_id: str, req: ExtensionRequestInput) -> UpdateResult:
        return await self.send(workflow_id, "request_extension", req)

    async def decide_extension(self, workflow_id: str, req: ExtensionDecision) -> UpdateResult:
        return await self.send(workflow_id, "decide_extension", req)

    async def acknowledge(self, workflow_id: str, req: ActorRequest) -> UpdateResult:
        return await self.send(workflow_id, "acknowledge", req)

    async def snooze(self, workflow_id: str, req: SnoozeRequest) -> UpdateResult:
        return await self.send(workflow_id, "snooze", req)

    async def excuse(self, workflow_id: str, req: ActorRequest) -> UpdateResult:
        return await self.send(workflow_id, "excuse", req)

    async def reopen(self, workflow_id: str, req: ActorRequest) -> UpdateResult:
        return await self.send(workflow_id, "reopen", req)

    async def close(self, workflow_id: str, req: CloseRequest) -> UpdateResult:
        return await self.send(workflow_id, "close", req)

    async def revise(self, workflow_id: str, req: RevisionUpdate) -> UpdateResult:
        return await self.send(workflow_id, "revise", req)

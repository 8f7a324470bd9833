"""The dashboard's way into the workflows: `web.gateway.WorkflowGateway` over Temporal.

Each call is a workflow update (`submit`, `request_extension`, `decide_extension`, `excuse`,
`reopen`) on the unit's UnitDeadline workflow, with the same request dataclasses the CLI and the bot
send, so the workflow validates it, applies it once per request id and mirrors it into
the store before answering. A validator's refusal (Vietnamese, for a person) becomes
GatewayRefused; an engine that cannot be reached becomes GatewayUnavailable.

The client may be given (`hanchot dev` has one) or made on first use from the settings,
so the dashboard starts and reads the store even while Temporal is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from web import gateway as gw
from workflows.types import (
    ActorRequest,
    EvidenceRef,
    ExtensionDecision,
    ExtensionRequestInput,
    SubmitRequest,
    UpdateResult,
)

UPDATE_TIMEOUT_S = 60


class TemporalGateway:
    def __init__(self, client: Client | Callable[[], Awaitable[Client]]) -> None:
        self._client = client if isinstance(client, Client) else None
        self._connect = None if isinstance(client, Client) else client
        self._lock = asyncio.Lock()

    @classmethod
    def lazy(cls, address: str, namespace: str = "default") -> TemporalGateway:
        """Connect on the first action, and again after a failed attempt."""
        return cls(lambda: Client.connect(address, namespace=namespace))

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        assert self._connect is not None
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await self._connect()
                except RuntimeError as exc:  # the SDK's "failed client connect"
                    raise gw.GatewayUnavailable(str(exc)) from exc
        return self._client

    async def _update(self, workflow_id: str, update: str, request: Any) -> gw.GatewayResult:
        client = await self.client()
        handle = client.get_workflow_handle(workflow_id)
        try:
            result: UpdateResult = await asyncio.wait_for(
                handle.execute_update(update, request, result_type=UpdateResult),
                UPDATE_TIMEOUT_S,
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            raise gw.GatewayRefused(str(getattr(cause, "message", None) or cause)) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise gw.GatewayRefused(
                    "hạn nộp này không còn được theo dõi (quy trình đã kết thúc)"
                ) from exc
            raise gw.GatewayUnavailable(exc.message) from exc
        except TimeoutError as exc:
            raise gw.GatewayUnavailable("timed out") from exc
        return gw.GatewayResult(result.status, result.duplicate)

    async def submit(self, workflow_id: str, submission: gw.Submission) -> gw.GatewayResult:
        request = SubmitRequest(
            request_id=submission.request_id,
            by=submission.by,
            channel=submission.channel,
            document_number=submission.document_number,
            note=submission.note,
            evidence=[
                EvidenceRef(e.file_name, e.sha256, e.size, e.content_type, e.storage_path)
                for e in submission.evidence
            ],
            submitted_at=submission.submitted_at,
        )
        return await self._update(workflow_id, "submit", request)

    async def decide_extension(self, workflow_id: str, decision: gw.Decision) -> gw.GatewayResult:
        request = ExtensionDecision(
            request_id=decision.request_id,
            by=decision.by,
            approve=decision.approve,
            new_last_day=decision.new_last_day.isoformat() if decision.new_last_day else None,
            note=decision.note,
        )
        return await self._update(workflow_id, "decide_extension", request)

    async def request_extension(
        self, workflow_id: str, asked: gw.ExtensionAsked
    ) -> gw.GatewayResult:
        request = ExtensionRequestInput(asked.request_id, asked.by, asked.days, asked.reason)
        return await self._update(workflow_id, "request_extension", request)

    async def excuse(self, workflow_id: str, action: gw.Action) -> gw.GatewayResult:
        request = ActorRequest(action.request_id, action.by, action.reason)
        return await self._update(workflow_id, "excuse", request)

    async def reopen(self, workflow_id: str, action: gw.Action) -> gw.GatewayResult:
        request = ActorRequest(action.request_id, action.by, action.reason)
        return await self._update(workflow_id, "reopen", request)

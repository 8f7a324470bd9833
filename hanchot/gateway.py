"""The dashboard's way into the workflows: `web.gateway.WorkflowGateway` over Temporal.

Each call is a workflow update (`submit`, `request_extension`, `decide_extension`, `excuse`,
`reopen`) on the unit's UnitDeadline workflow, with the same request dataclasses the CLI and the bot
send, so the workflow validates it, applies it once per request id and mirrors it into
the store before answering. A validator's refusal (Vietnamese, for a person) becomes
GatewayRefused; an engine that cannot be reached becomes GatewayUnavailable. The sending
itself is boundary.client.EngineClient's, the same as the CLI's and the bot's.

The client may be given (`hanchot dev` has one) or made on first use from the settings,
so the dashboard starts and reads the store even while Temporal is down.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client

from boundary.client import EngineClient, EngineUnavailable, UpdateRefused
from boundary.types import (
    ActorRequest,
    EvidenceRef,
    ExtensionDecision,
    ExtensionRequestInput,
    SubmitRequest,
)
from web import gateway as gw


class TemporalGateway:
    def __init__(self, client: Client | Callable[[], Awaitable[Client]], address: str = "") -> None:
        self._engine = EngineClient(client, address)

    @classmethod
    def lazy(cls, address: str, namespace: str = "default") -> TemporalGateway:
        """Connect on the first action, and again after a failed attempt."""
        return cls(lambda: Client.connect(address, namespace=namespace), address)

    async def client(self) -> Client:
        try:
            return await self._engine.client()
        except EngineUnavailable as exc:
            raise gw.GatewayUnavailable(str(exc)) from exc

    async def _update(self, workflow_id: str, update: str, request: Any) -> gw.GatewayResult:
        try:
            result = await self._engine.send(workflow_id, update, request)
        except UpdateRefused as exc:
            raise gw.GatewayRefused(exc.message) from exc
        except EngineUnavailable as exc:
            raise gw.GatewayUnavailable(str(exc)) from exc
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

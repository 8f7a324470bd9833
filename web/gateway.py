"""How the dashboard reaches the workflows: a small interface given to `create_app`.

The web package may not import Temporal or the workflows (it sits beside them, not above
them), yet approving an extension, excusing a unit or submitting through a link must go
through the unit's workflow, which holds the truth and decides. So the app is handed a
`WorkflowGateway`; `hanchot.gateway.TemporalGateway` is the real one (workflow updates),
tests may pass a recording one. Every request carries a request id, so a form sent twice
(a double click, a retry after a timeout) is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file already stored under the data dir (`store.evidence`), named by its hash."""

    file_name: str
    sha256: str
    size: int
    content_type: str
    storage_path: str


@dataclass(frozen=True, slots=True)
class Submission:
    request_id: str
    by: str
    channel: str = "web"
    document_number: str | None = None
    note: str | None = None
    evidence: tuple[EvidenceFile, ...] = field(default_factory=tuple)
    submitted_at: datetime | None = None
    """When the report arrived, if before now (a paper copy a coordinator records later);
    None: now. The workflow refuses an instant in the future."""


@dataclass(frozen=True, slots=True)
class Decision:
    request_id: str
    by: str
    approve: bool
    new_last_day: date | None = None
    """With approve: the new last day; None grants the days requested."""
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ExtensionAsked:
    """A unit asks for more days (from the submit page's signed link)."""

    request_id: str
    by: str
    days: int
    reason: str


@dataclass(frozen=True, slots=True)
class Action:
    """excuse and reopen: who and why."""

    request_id: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class GatewayResult:
    status: str
    """The deadline's status after the update (a `DeadlineStatus` value)."""
    duplicate: bool = False


class GatewayRefused(Exception):
    """The workflow refused the update; `message` says why, in Vietnamese, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GatewayUnavailable(Exception):
    """The engine could not be reached: nothing was done, the person may try again."""


class WorkflowGateway(Protocol):
    async def submit(self, workflow_id: str, submission: Submission) -> GatewayResult: ...

    async def decide_extension(self, workflow_id: str, decision: Decision) -> GatewayResult: ...

    async def request_extension(self, workflow_id: str, asked: ExtensionAsked) -> GatewayResult: ...

    async def excuse(self, workflow_id: str, action: Action) -> GatewayResult: ...

    async def reopen(self, workflow_id: str, action: Action) -> GatewayResult: ...

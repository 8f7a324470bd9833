"""Names and inputs of every activity, shared by workflows (which call them by name) and
the worker (which implements them). No I/O here, so workflow code may import it.

Each activity takes one dataclass, so its inputs can grow without breaking histories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from boundary.types import (
    CycleRef,
    DigestRunInput,
    DigestTarget,
    EvidenceRef,
    ExtensionRecord,
    HistoryEntry,
    Rules,
    SubmissionRecord,
)

RECORD_DEADLINE_EVENT = "record_deadline_event"
ENQUEUE_NOTIFICATION = "enqueue_notification"
REPLAN_DEADLINE = "replan_deadline"
NEXT_WORKING_SLOT = "next_working_slot"
FREEZE_CYCLE = "freeze_cycle"
OPEN_UNIT_BATCH = "open_unit_batch"
CLOSE_UNIT_BATCH = "close_unit_batch"
FINISH_CYCLE = "finish_cycle"
FIND_DUE_CYCLES = "find_due_cycles"
START_CYCLES = "start_cycles"
PLAN_DIGESTS = "plan_digests"
BUILD_AND_ENQUEUE_DIGEST = "build_and_enqueue_digest"
APPLY_REVISION = "apply_revision"
MARK_REVISION_APPLIED = "mark_revision_applied"


@dataclass
class RevisionInput:
    """A published calendar revision to bring the running engine in line with."""

    calendar_id: str
    number: int
    now: datetime
    task_queue: str


@dataclass
class RevisionApplied:
    revised: int = 0
    started: int = 0
    finished: int = 0
    """Deadlines that had finished by the time their update was sent."""


@dataclass
class DeadlineEvent:
    """One state change of a UnitDeadline workflow, mirrored into the store."""

    workflow_id: str
    cycle_workflow_id: str
    calendar_id: str
    unit_id: str
    seq: int
    """Index of the event in the workflow's history: (workflow_id, seq) is unique."""
    status: str
    legal_end_at: datetime
    due_at: datetime
    reminders_sent: int
    entry: HistoryEntry
    submission: SubmissionRecord | None = None
    evidence: list[EvidenceRef] = field(default_factory=list)
    extension: ExtensionRecord | None = None


@dataclass
class NotifyInput:
    """A message for the outbox: one row per recipient and channel, keyed by step."""

    workflow_id: str
    calendar_id: str
    step: str
    recipients: list[str]
    payload: dict[str, Any]


@dataclass
class NotifyResult:
    queued: int
    already: int
    unreachable: list[str] = field(default_factory=list)
    """Recipients with no address on any channel (or unknown to the store)."""


@dataclass
class ReplanInput:
    rules: Rules
    period_id: str
    obligation_id: str
    new_last_day: str | None
    """ISO date; None means `current_last_day` + `days`."""
    current_last_day: str
    days: int
    generation: int
    """The generation of the new timeline; its step keys are prefixed "ext{generation}:"."""


@dataclass
class SlotInput:
    rules: Rules
    instant: datetime


@dataclass
class SlotResult:
    """Wrapped, not a bare datetime: inside the sandbox `datetime` is a proxy class the
    converter does not recognise as a result type."""

    at: datetime


@dataclass
class FreezeCycleInput:
    ref: CycleRef
    at: datetime
    """When the cycle opens (workflow time): the snapshot is the calendar as of then."""


@dataclass
class CycleFacts:
    expected: int
    opens_at: datetime
    closes_at: datetime
    legal_end_at: datetime


@dataclass
class UnitBatchInput:
    cycle_workflow_id: str
    offset: int
    limit: int
    task_queue: str
    by: str = "system"


@dataclass
class UnitBatchResult:
    started: int = 0
    existing: int = 0
    """Already running or finished: an idempotent start found them."""


@dataclass
class FinishCycleInput:
    cycle_workflow_id: str
    at: datetime


@dataclass
class DueCyclesInput:
    now: datetime
    calendar_ids: list[str] = field(default_factory=list)


@dataclass
class StartCyclesInput:
    refs: list[CycleRef]
    task_queue: str


@dataclass
class DigestPlanInput:
    """Which digests a schedule firing at `at` owes: working days, supervisors, period."""

    at: datetime
    run: DigestRunInput


@dataclass
class DigestPlan:
    targets: list[DigestTarget] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class DigestInput:
    target: DigestTarget
    at: datetime
    """The schedule's firing time: days overdue are counted to its local date."""


@dataclass
class DigestOutcome:
    overdue: int = 0
    queued: int = 0
    already: int = 0

"""Data that crosses the Temporal boundary: workflow inputs, update requests, state, results.

Plain dataclasses of str/int/bool/datetime only (the SDK's JSON converter knows no `date`
or `timedelta`): dates travel as ISO strings, durations as seconds, instants as aware UTC
datetimes. Fields are only ever added with defaults, so histories recorded by an older
version still decode.

No `from __future__ import annotations` here: the SDK's converter reads a dataclass's type
hints every time it decodes one, and string annotations are compiled afresh each time (a
cycle decodes thousands of inputs).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TASK_QUEUE = "hanchot"


# --- the frozen snapshot -------------------------------------------------------------------


@dataclass
class Step:
    """One timer of a deadline: a reminder to the focal points or an escalation."""

    key: str
    """Stable ("remind:-3d", "escalate:2:head"); prefixed "ext1:" after an extension.
    Part of the outbox key, so a step is delivered at most once per recipient."""
    kind: str
    """"remind" or "escalate"."""
    at: datetime
    to: str = "focal_point"
    """Who receives it: focal_point, head or supervisor (supervisors get it in the digest)."""
    offset_days: int = 0
    nominal_at: datetime | None = None
    deferred_because: str | None = None
    merged: list[str] = field(default_factory=list)
    """Keys of reminders that quiet hours moved onto this one (delivered once, here)."""
    catch_up: bool = False
    """Sent in place of its ladder's passed steps: the deadline opened (or was re-planned)
    after this step's time, so it goes at the next working slot (deadlines.catchup)."""


@dataclass
class Timeline:
    """When things happen for one deadline, as UTC instants computed outside the workflow."""

    legal_end: str
    """ISO date of the last day a submission counts as on time (after days-off shifts)."""
    legal_end_at: datetime
    last_day: str
    """ISO date of the last day by the rule's reading (before shifts): the base of extensions."""
    due_soon_at: datetime
    closes_at: datetime
    """When the deadline stops waiting: an unsettled deadline is then missing."""
    steps: list[Step] = field(default_factory=list)
    generation: int = 0
    """0 for the calendar's timeline; n after the n-th approved extension."""
    expects_submission: bool = True
    """False for a campaign window with nothing to submit: announced, never missing."""
    skipped: list[str] = field(default_factory=list)
    """Keys of steps never to be sent: their time had passed when the deadline opened (or
    was re-planned), and only a catch-up of each ladder goes (deadlines.catchup)."""


@dataclass
class DayOffRule:
    day: str
    name: str


@dataclass
class OffsetRule:
    days: int
    at: str | None = None


@dataclass
class EscalationRuleData:
    after_seconds: int
    to: str


@dataclass
class Rules:
    """The parts of the calendar needed to re-plan a deadline (extension, snooze), frozen
    with the cycle; a published calendar revision replaces them through `revise`."""

    timezone: str
    working_start: str
    working_end: str
    reminder_time: str
    reminders: list[OffsetRule] = field(default_factory=list)
    escalation: list[EscalationRuleData] = field(default_factory=list)
    days_off: list[DayOffRule] = field(default_factory=list)
    working_saturdays: list[DayOffRule] = field(default_factory=list)
    close_after_seconds: int = 30 * 86400
    working_days: list[DayOffRule] = field(default_factory=list)
    """Package holidays the calendar cancels (`working_days:`)."""


@dataclass
class CycleSnapshot:
    """One obligation in one period, as it was when the cycle opened."""

    calendar_id: str
    obligation_id: str
    period_id: str
    obligation_name: str
    period_label: str
    due_text: str
    receiver: str
    opens_at: datetime
    timeline: Timeline
    rules: Rules
    data_window: list[str] | None = None

    @property
    def cycle_id(self) -> str:
        return f"cycle/{self.calendar_id}/{self.obligation_id}/{self.period_id}"

    def deadline_id(self, unit_id: str) -> str:
        return f"deadline/{self.calendar_id}/{self.obligation_id}/{self.period_id}/{unit_id}"


@dataclass
class Contacts:
    """Person ids (config keys) reached by each kind of step, frozen with the cycle."""

    focal_points: list[str] = field(default_factory=list)
    head: str | None = None
    supervisors: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    """Focal points of the receiving unit: they decide extensions."""


@dataclass
class UnitDeadlineInput:
    cycle: CycleSnapshot
    unit_id: str
    unit_name: str
    contacts: Contacts
    opened_at: datetime | None = None
    """Set when the cycle already recorded this unit's "opened" event at that instant (a
    batch of units in one transaction); None: the workflow records it itself."""


# --- update requests -----------------------------------------------------------------------


@dataclass
class EvidenceRef:
    """A file already stored (by the bot, the web page or the CLI), named by its hash."""

    file_name: str
    sha256: str
    size: int
    content_type: str
    storage_path: str


@dataclass
class SubmitRequest:
    request_id: str
    by: str
    """Person id of the submitter, or a free-text actor ("cli:coordinator")."""
    channel: str = "cli"
    document_number: str | None = None
    note: str | None = None
    evidence: list[EvidenceRef] = field(default_factory=list)
    submitted_at: datetime | None = None
    """When the report arrived, if earlier than now (a paper copy recorded later)."""


@dataclass
class ExtensionRequestInput:
    request_id: str
    by: str
    days: int
    reason: str


@dataclass
class ExtensionDecision:
    request_id: str
    by: str
    approve: bool
    extension_request_id: str | None = None
    """The request decided; None means the one pending."""
    new_last_day: str | None = None
    """ISO date, the new last day (inclusive); None with approve means + requested days."""
    note: str | None = None


@dataclass
class ActorRequest:
    """acknowledge, excuse and reopen: who, and why."""

    request_id: str
    by: str
    reason: str | None = None


@dataclass
class SnoozeRequest:
    request_id: str
    by: str
    hours: int


@dataclass
class CloseRequest:
    """Sent by the Cycle workflow when a coordinator closes the cycle early."""

    request_id: str
    by: str


@dataclass
class RevisionUpdate:
    """A published calendar revision applied to a deadline in flight (`revise` update).

    `contacts`: who answers for the unit now; `cycle`: the cycle re-planned from the
    revision (timeline and rules); `withdraw`: the unit no longer owes this report (closed,
    removed, no longer selected), said in Vietnamese. Each part is optional; steps already
    done are never done again. `request_id` is `revision:<calendar>:<number>`.
    """

    request_id: str
    by: str
    revision: int
    contacts: Contacts | None = None
    cycle: CycleSnapshot | None = None
    withdraw: str | None = None
    unit_name: str | None = None
    """The unit's name as the revision writes it, when it changed (messages use it)."""


# --- state ---------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: datetime
    event: str
    by: str = "system"
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class SubmissionRecord:
    request_id: str
    by: str
    at: datetime
    on_time: bool
    channel: str
    document_number: str | None = None
    note: str | None = None


@dataclass
class ExtensionRecord:
    request_id: str
    by: str
    at: datetime
    days: int
    reason: str
    status: str = "requested"
    decided_by: str | None = None
    decided_at: datetime | None = None
    new_last_day: str | None = None
    new_due_at: datetime | None = None


@dataclass
class DeadlineState:
    workflow_id: str
    calendar_id: str
    obligation_id: str
    period_id: str
    unit_id: str
    status: str
    due_at: datetime
    legal_end_at: datetime
    closes_at: datetime
    pending_steps: list[Step]
    done_steps: list[str]
    reminders_sent: int
    escalations_sent: int
    submission: SubmissionRecord | None
    extensions: list[ExtensionRecord]
    acknowledged_by: list[str]
    snoozes: int
    history: list[HistoryEntry]
    finished: bool


@dataclass
class UpdateResult:
    """What an update did; `duplicate` when its request id had already been applied."""

    status: str
    duplicate: bool = False
    message: str = ""


# --- cycles and sync -----------------------------------------------------------------------


@dataclass
class CycleRef:
    calendar_id: str
    obligation_id: str
    period_id: str

    @property
    def workflow_id(self) -> str:
        return f"cycle/{self.calendar_id}/{self.obligation_id}/{self.period_id}"


@dataclass
class CycleInput:
    ref: CycleRef
    batch_size: int = 500


@dataclass
class CycleProgress:
    workflow_id: str
    expected: int = 0
    opened: int = 0
    existing: int = 0
    closes_at: datetime | None = None
    closed: bool = False
    tally: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncInput:
    calendar_ids: list[str] = field(default_factory=list)
    """Empty means every calendar the worker knows."""


@dataclass
class RevisionRun:
    """Input of CalendarRevision: one published revision of one calendar."""

    calendar_id: str
    number: int


@dataclass
class SyncResult:
    due: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)


@dataclass
class SimulatedUnitInput:
    """`hanchot simulate` only: when a simulated unit submits, and as whom."""

    deadline_workflow_id: str
    submit_at: datetime
    by: str


# --- supervisor digests --------------------------------------------------------------------


@dataclass
class DigestRunInput:
    """One firing of a digest schedule: "daily" (working days) or "weekly"."""

    kind: str = "daily"
    calendar_ids: list[str] = field(default_factory=list)
    """Empty means every calendar in the store."""
    all_clear: list[str] = field(default_factory=list)
    """Supervisors (person ids) who also want a message when nothing is overdue."""
    weekday: int = 0
    """Weekly only: the day it goes out (0 = Monday), or the first working day after it in
    the same week when that day is off. The schedule fires daily from that day on."""


@dataclass
class DigestTarget:
    """One supervisor's digest of one period, as planned by the `plan_digests` activity."""

    calendar_id: str
    supervisor: str
    period_key: str
    """"2026-11-23" (daily) or "2026-W48" (weekly): part of the outbox step key."""
    kind: str
    all_clear: bool = False


@dataclass
class DigestRunResult:
    period_keys: list[str] = field(default_factory=list)
    queued: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)
    """Calendars for which the day is not a working day (daily digests only)."""

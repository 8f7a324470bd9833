"""What extraction proposes: obligations with their evidence and the flags a coordinator
must settle before the proposal may join a calendar."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from deadlines.model import (
    DataWindow,
    DayMonth,
    DueRule,
    Obligation,
    PeriodKind,
    Reading,
    Submitters,
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where one field of a proposal was read: the words as written and their position."""

    field: str
    words: str
    line: int
    column: int
    offset: int

    def label(self) -> str:
        return f"dòng {self.line}, cột {self.column}"


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the coordinator must look at.

    A blocking flag leaves its field empty in the proposal; `accept` (when there is exactly
    one reading) is the value that `--accept` puts there once the coordinator agrees.
    """

    code: str
    field: str
    message: str
    candidates: tuple[str, ...] = ()
    blocking: bool = True
    accept: object | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    name: str | None
    period: PeriodKind | None
    due: tuple[DueRule, ...]
    submitters: Submitters | None
    receiver: str | None
    """Proposed unit id of the receiver (derived from `receiver_name`)."""
    receiver_name: str | None = None
    submitters_text: str | None = None
    reading: Reading = Reading.LITERAL
    window: tuple[DayMonth, DayMonth] | None = None
    data_window: DataWindow | None = None
    year: int | None = None
    """The year the document writes with the date, kept for the coordinator."""
    from_year: int | None = None
    """First year the obligation applies: the year of the date, else of the document."""
    sentence: str = ""
    """The whole sentence, verbatim (line breaks as spaces)."""
    clause: str = ""
    """The part of the sentence that states this obligation; becomes `source:`."""
    line: int = 0
    column: int = 0
    offset: int = 0
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[Flag, ...] = field(default=())

    @property
    def blocking(self) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.blocking)

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields still empty."""
        out = []
        for name in ("name", "period", "submitters", "receiver"):
            if getattr(self, name) in (None, ""):
                out.append(name)
        if not self.due and self.period is not PeriodKind.CAMPAIGN:
            out.append("due")
        if self.period is PeriodKind.CAMPAIGN and self.window is None:
            out.append("window")
        return tuple(out)

    @property
    def complete(self) -> bool:
        return not self.blocking and not self.missing

    def accepted(self) -> Proposal:
        """The proposal with every blocking flag resolved to its single reading.

        Raises ValueError naming the flags that have no single reading to take.
        """
        unresolved = [f for f in self.blocking if f.accept is None]
        if unresolved:
            raise ValueError("; ".join(f"{f.field}: {f.message}" for f in unresolved))
        out = self
        for flag in self.blocking:
            value = flag.accept
            if flag.field == "due" and isinstance(value, tuple):
                out = replace(out, due=out.due + value)
            elif flag.field == "submitters" and isinstance(value, Submitters):
                out = replace(out, submitters=value)
            elif flag.field == "receiver" and isinstance(value, str):
                out = replace(out, receiver=value)
            else:
                raise ValueError(f"{flag.field}: {flag.message}")
        return replace(out, flags=tuple(f for f in self.flags if not f.blocking))

    def when_labels(self) -> tuple[str, ...]:
        """Short labels of the dates this proposal stands on, as read or as candidates."""
        labels: list[str] = []
        for rule in self.due:
            labels.append(due_label(rule))
        if self.window is not None:
            a, b = self.window
            labels.append(f"{a.day:02d}/{a.month:02d}-{b.day:02d}/{b.month:02d}")
        for flag in self.blocking:
            if flag.field == "due" and isinstance(flag.accept, tuple):
                labels.extend(due_label(r) for r in flag.accept)
        return tuple(labels)

    def to_obligation(self) -> Obligation:
        """The model obligation; only for a complete proposal."""
        if not self.complete:
            raise ValueError(f"proposal {self.id} is not complete: {self.missing or self.blocking}")
        assert self.name and self.period and self.submitters and self.receiver
        return Obligation(
            id=self.id,
            name=self.name,
            period=self.period,
            due=self.due,
            submitters=self.submitters,
            receiver=self.receiver,
            reading=self.reading,
            window=self.window,
            data_window=self.data_window,
            from_year=self.from_year,
            source=self.clause or self.sentence,
        )


def due_label(rule: DueRule) -> str:
    if rule.exact is not None:
        return rule.exact.strftime("%d/%m/%Y")
    if rule.on is not None:
        return f"{rule.on.day:02d}/{rule.on.month:02d}"
    if rule.day_of_month is not None:
        return f"d{rule.day_of_month}+{rule.month_offset}"
    return rule.text


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    number: str | None = None
    """"268/KH-UBND" as written in the header."""
    issued: date | None = None
    year: int | None = None
    """The year of issue, or the year the title names ("... năm 2011")."""
    level: str | None = None
    """province | district | commune: the issuer's level, as the document shows it."""


@dataclass(frozen=True, slots=True)
class Extraction:
    source: str
    info: DocumentInfo
    proposals: tuple[Proposal, ...]

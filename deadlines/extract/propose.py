"""From a document's text to proposed obligations, each with its evidence and flags.

One proposal per deadline anchor (see `rules`). Its name, period, submitters and receiver
come from the same sentence; what the sentence does not say is left empty and flagged, and
the document's other proposals offer their receiver and submitters as candidates.
How the anchor's date reads as due rules is in `when`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from deadlines.extract import flags as F
from deadlines.extract import naming
from deadlines.extract.document import document_info
from deadlines.extract.normalise import Normalised, normalise
from deadlines.extract.parties import KIND_ORDER, find_receivers, find_submitters
from deadlines.extract.rules import DATA_CUTOFF, Anchor, find_anchors, period_in, periods_in
from deadlines.extract.segment import Sentence, clause_bounds, sentences
from deadlines.extract.types import DocumentInfo, Evidence, Extraction, Flag, Proposal
from deadlines.extract.vndates import find_time_exprs
from deadlines.extract.when import read_when
from deadlines.model import DataWindow, DayMonth, PeriodKind, Reading, Submitters

_FIELD_ORDER = ("name", "period", "due", "window", "submitters", "receiver")
_BULLET = re.compile(r"^[-+·•◦▪]\s+")
_DOI_VOI = re.compile(r"\s*\)?\s*,?\s*doi\s+voi\s+")


def extract(text: str, source: str = "") -> Extraction:
    doc = normalise(text)
    info = document_info(doc)
    exprs = find_time_exprs(doc.folded)
    proposals: list[Proposal] = []
    for sent in sentences(doc):
        inside = [e for e in exprs if sent.start <= e.start and e.end <= sent.end]
        anchors = find_anchors(sent.folded, inside, sent.start)
        if anchors:
            proposals.extend(_slots_together(_Sentence(doc, sent, anchors, info).proposals()))
    proposals = F.offer_document_parties(proposals)
    return Extraction(source=source, info=info, proposals=tuple(_unique_ids(proposals)))


def _unique_ids(proposals: list[Proposal]) -> list[Proposal]:
    seen: dict[str, int] = {}
    out = []
    for p in proposals:
        n = seen.get(p.id, 0) + 1
        seen[p.id] = n
        out.append(p if n == 1 else replace(p, id=f"{p.id}-{n}"))
    return out


def _slots_together(proposals: list[Proposal]) -> list[Proposal]:
    """One obligation for "báo cáo quý I trước ngày 15/3; quý II trước ngày 15/6; ...":
    a sentence's rules for the other slots of the same period join the first rule."""
    out: list[Proposal] = []
    for p in proposals:
        prev = out[-1] if out else None
        if (
            prev is not None
            and p.period in (PeriodKind.QUARTERLY, PeriodKind.SEMIANNUAL)
            and p.period is prev.period
            and p.due
            and prev.due
            and all(r.slot for r in (*prev.due, *p.due))
            and not {r.slot for r in p.due} & {r.slot for r in prev.due}
            and (p.name is None or p.name == prev.name)
        ):
            flags = tuple(f for f in p.flags if f.code != "missing_name" and f not in prev.flags)
            evidence = tuple(e for e in p.evidence if e.field == "due")
            out[-1] = replace(
                prev,
                due=prev.due + p.due,
                evidence=prev.evidence + evidence,
                flags=prev.flags + flags,
                clause=f"{prev.clause}; {p.clause}",
            )
            continue
        out.append(p)
    return out


class _Sentence:
    """The proposals of one sentence; offsets are in sentence coordinates."""

    def __init__(self, doc: Normalised, sent: Sentence, anchors: list[Anchor], info: DocumentInfo):
        self.doc, self.sent, self.anchors, self.info = doc, sent, anchors, info
        self.text, self.folded = sent.text, sent.folded
        self.receivers = find_receivers(self.text, self.folded)
        self.submitting = find_submitters(
            self.text, self.folded, [a.end for a in anchors], info.level
        )
        self.data_window = self._data_window()
        # Period words are looked for outside the dates: "năm 2022" in "ngày 20 tháng 12
        # năm 2022" says when, not how often.
        masked = list(self.folded)
        for a in anchors:
            masked[a.start : a.end] = " " * (a.end - a.start)
        self.masked = "".join(masked)

    def evidence(self, field: str, start: int, end: int) -> Evidence:
        pos = self.doc.position(self.sent.start + start)
        words = self.text[start:end].strip()
        return Evidence(field, words, pos.line, pos.column, pos.offset)

    def proposals(self) -> list[Proposal]:
        out = []
        previous: Anchor | None = None
        for anchor in self.anchors:
            if anchor.kind == "window" and self._is_data_window(anchor):
                continue  # a data cut-off belongs to the report, it is not a deadline
            left = clause_bounds(self.folded, anchor.start)[0]
            if previous is not None:
                left = max(left, self._consumed(previous))
            out.append(self._proposal(anchor, left))
            previous = anchor
        return out

    def _consumed(self, anchor: Anchor) -> int:
        """Where an anchor's words end, its "đối với <báo cáo ...>" tail included."""
        tail = _DOI_VOI.match(self.folded, anchor.end)
        if tail and naming.deliverable_after(self.folded, tail.end()) == tail.end():
            return naming.phrase_end(self.folded, tail.end())
        return anchor.end

    def _is_data_window(self, anchor: Anchor) -> bool:
        """ "số liệu tính từ ngày 15/12 năm trước đến ngày 14/6": what the figures cover."""
        before = self.folded[max(0, anchor.start - 80) : anchor.start]
        return bool(DATA_CUTOFF.search(before) or re.search(r"tinh\s*$", before))

    def _data_window(self) -> DataWindow | None:
        for a in self.anchors:
            if a.kind == "window" and self._is_data_window(a) and a.until is not None:
                s, e = a.expr.exact, a.until.exact
                if s is None or e is None:
                    continue
                # A start later in the year than the end lies in the previous year.
                return DataWindow(DayMonth(s.day, s.month), DayMonth(e.day, e.month))
        return None

    # ------------------------------------------------------------ one anchor

    def _proposal(self, anchor: Anchor, left: int) -> Proposal:
        evidence: list[Evidence] = []
        flags: list[Flag] = []
        name_span = self._name_span(anchor, left)
        period = self._period(anchor, left, name_span, evidence)
        raw_name = self.text[name_span[0] : name_span[1]] if name_span else None
        name = None
        if raw_name:
            name, fixes = naming.clean_name(raw_name, period)
            evidence.append(self.evidence("name", *name_span))  # type: ignore[misc]
            if fixes:
                flags.append(F.name_restored(fixes))
        else:
            flags.append(F.missing("name"))
        when_field = "window" if anchor.kind == "window" else "due"
        evidence.append(self.evidence(when_field, anchor.start, anchor.end))
        words = self.text[anchor.start : anchor.end]
        due, window, year, due_flags = read_when(
            anchor, words, period, raw_name, folded=self.folded, left=left, doc_year=self.info.year
        )
        flags.extend(due_flags)
        if anchor.kind == "task" or (period is None and due and due[0].exact is not None):
            period = PeriodKind.ONE_OFF
        if period is None:
            flags.append(F.missing("period"))
        submitters, sub_flags = self._submitters(evidence)
        receiver, receiver_name, rec_flags = self._receiver(evidence)
        flags.extend(sub_flags + rec_flags)
        if self.data_window is None and period in (PeriodKind.SEMIANNUAL, PeriodKind.ANNUAL):
            flags.append(F.no_data_window())
        pos = self.doc.position(self.sent.start)
        return Proposal(
            id=naming.slug_id(name, period),
            name=name,
            period=period,
            due=due,
            submitters=submitters,
            receiver=receiver,
            receiver_name=receiver_name,
            submitters_text=self.submitting.text if self.submitting else None,
            reading=Reading.INCLUSIVE
            if anchor.inclusive and anchor.kind == "due"
            else Reading.LITERAL,
            window=window,
            data_window=self.data_window if period is not PeriodKind.CAMPAIGN else None,
            year=year,
            from_year=year or self.info.year,
            sentence=_BULLET.sub("", self.text),
            clause=self._clause(left, anchor, name_span),
            line=pos.line,
            column=pos.column,
            offset=pos.offset,
            evidence=tuple(sorted(evidence, key=lambda e: _FIELD_ORDER.index(e.field))),
            flags=tuple(flags),
        )

    def _clause(self, left: int, anchor: Anchor, name_span: tuple[int, int] | None) -> str:
        start, end = left, anchor.end
        if name_span:
            start, end = min(start, name_span[0]), max(end, name_span[1])
        words = _BULLET.sub("", self.text[start:end].strip(" ;,:)("))
        return re.sub(r"^(?:và|hoặc)\s+", "", words)

    def _name_span(self, anchor: Anchor, left: int) -> tuple[int, int] | None:
        f = self.folded
        if anchor.kind == "window":
            start = naming.campaign_start(f, left, anchor.start)
            if start is None:
                start = left
            return (start, anchor.start) if anchor.start > start else None
        if anchor.kind == "task":
            lead = re.compile(r"(?<!\w)(?:de\s+nghi|yeu\s+cau|giao)\s+").search(
                f, left, anchor.start
            )
            start = naming.task_start(f, lead.end() if lead else left)
            return (start, anchor.start) if anchor.start > start else None
        after = _DOI_VOI.match(f, anchor.end)
        if after and naming.deliverable_after(f, after.end()) == after.end():
            return after.end(), naming.phrase_end(f, after.end())
        start = naming.deliverable_before(f, left, anchor.start)
        if start is None and (anchor is self.anchors[-1] or self._grouped()):
            start = naming.deliverable_after(f, self.anchors[-1].end)
        if start is None:
            return None
        return start, naming.phrase_end(f, start)

    def _sharing_name(self, anchor: Anchor, name_span: tuple[int, int] | None) -> list[Anchor]:
        """The due anchors of the sentence that name the same report as `anchor`."""
        if name_span is None:
            return [anchor]
        return [
            a
            for a in self.anchors
            if a.kind == "due" and self._name_span(a, self._left_of(a)) == name_span
        ]

    def _left_of(self, anchor: Anchor) -> int:
        left = clause_bounds(self.folded, anchor.start)[0]
        earlier = [
            a
            for a in self.anchors
            if a.end <= anchor.start and not (a.kind == "window" and self._is_data_window(a))
        ]
        return max(left, self._consumed(earlier[-1])) if earlier else left

    def _grouped(self) -> bool:
        """Anchors listed before their report: "Định kỳ 6 tháng (trước ...) và cả năm (...)"."""
        last = self.anchors[-1].end
        return naming.deliverable_before(self.folded, 0, self.anchors[0].start) is None and (
            naming.deliverable_after(self.folded, last) is not None
        )

    def _period(
        self,
        anchor: Anchor,
        left: int,
        name_span: tuple[int, int] | None,
        evidence: list[Evidence],
    ) -> PeriodKind | None:
        if anchor.kind == "window":
            return PeriodKind.CAMPAIGN
        if anchor.kind == "task":
            return PeriodKind.ONE_OFF
        if anchor.expr.kind == "day_rel":
            rel = anchor.expr.relative or ""
            return (
                PeriodKind.MONTHLY if rel.startswith(("every", "month")) else PeriodKind.QUARTERLY
            )
        shared = self._sharing_name(anchor, name_span)
        if name_span and len(shared) > 1:  # "báo cáo 6 tháng và năm ... trước 15/6 và 15/12"
            listed = periods_in(self.masked[name_span[0] : name_span[1]])
            if len(listed) == len(shared):
                kind, s, e = listed[shared.index(anchor)]
                evidence.append(self.evidence("period", name_span[0] + s, name_span[0] + e))
                return kind
        scopes = [name_span] if name_span else []
        scopes.append((left, anchor.start))
        if len(self.anchors) == 1:
            scopes.append((0, len(self.folded)))
        for a, b in scopes:
            found = period_in(self.masked[a:b])
            if found:
                kind, s, e = found
                evidence.append(self.evidence("period", a + s, a + e))
                return kind
        if anchor.expr.year_offset > 0:  # "15/01 năm sau": due the year after its period
            return PeriodKind.ANNUAL
        return None

    def _submitters(self, evidence: list[Evidence]) -> tuple[Submitters | None, list[Flag]]:
        sub = self.submitting
        if sub is None:
            return None, [F.missing("submitters")]
        evidence.extend(self.evidence("submitters", a, b) for a, b in sub.spans)
        if sub.candidates:
            accept = Submitters(kinds=tuple(sorted({*sub.kinds, *sub.candidates}, key=_kind_rank)))
            return None, [F.vague_submitters(sub, accept)]
        if not sub.kinds:
            return None, [F.vague_submitters(sub, None)]
        notes = [F.vague_noted(sub)] if sub.vague else []
        return Submitters(kinds=sub.kinds), notes

    def _receiver(self, evidence: list[Evidence]) -> tuple[str | None, str | None, list[Flag]]:
        if not self.receivers:
            return None, None, [F.missing("receiver")]
        first = self.receivers[0]
        evidence.append(self.evidence("receiver", first.start, first.end))
        if len(self.receivers) > 1:
            return None, first.name, [F.several_receivers(self.receivers)]
        return first.id, first.name, []


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)

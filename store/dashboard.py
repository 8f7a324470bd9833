"""What the dashboard's tables count: cycles with their rates, the compliance matrix with
parent rows rolled up, and the rates of each obligation over its periods.

Counting is the pure core's (`deadlines.expected.Rates`, DHIS2's definitions): expected
= units that owed the report (excused ones taken out), submitted, on time. Every query
here is restricted to a `Scope`, so a district supervisor's numbers are his district's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.expected import DeadlineStatus, Rates
from store.models import Cycle, Obligation, UnitDeadline
from store.scopes import Scope, UnitNode, UnitTree

LATE = (DeadlineStatus.OVERDUE, DeadlineStatus.MISSING)
"""Statuses that put the report of the unit above at risk (the cascade)."""
AT_RISK = "at_risk"
"""The matrix's status filter value for parent rows whose report is at risk."""


@dataclass(frozen=True, slots=True)
class CycleInfo:
    id: int
    workflow_id: str
    obligation_key: str
    obligation_name: str
    feeds: str | None
    period: str
    period_label: str
    due_text: str
    legal_end_at: datetime | None
    closed: bool
    counted: bool = True
    """False for a campaign with no result report: announced, never owed, not in the rates."""


@dataclass(frozen=True, slots=True)
class CycleSummary:
    cycle: CycleInfo
    rates: Rates
    counts: dict[DeadlineStatus, int]


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def cycles_of(
    session: Session, calendar_id: int, year: int | None = None, cycle_id: int | None = None
) -> list[CycleInfo]:
    """The calendar's cycles (of one year, or one cycle), by obligation and period.

    The period label and legal end are read out of the frozen snapshot with JSON paths, so
    the snapshot's unit list (large for a province) never leaves the database.
    """
    snap = Cycle.snapshot["cycle"]
    query = (
        sa.select(
            Cycle.id,
            Cycle.workflow_id,
            Obligation.key,
            Obligation.name,
            Obligation.config["feeds"].as_string(),
            Cycle.period,
            snap["period_label"].as_string(),
            snap["due_text"].as_string(),
            snap["timeline"]["legal_end_at"].as_string(),
            Cycle.status,
            snap["timeline"]["expects_submission"].as_boolean(),
        )
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .where(Obligation.calendar_id == calendar_id)
        .order_by(Cycle.period, Obligation.id)
    )
    if year is not None:
        query = query.where(Cycle.period.startswith(f"{year}"))
    if cycle_id is not None:
        query = query.where(Cycle.id == cycle_id)
    return [
        CycleInfo(
            cid,
            wid,
            okey,
            oname,
            feeds,
            period,
            label or period,
            due or "",
            _instant(end),
            status.value == "closed",
            expects is not False,  # snapshots older than the flag always expected reports
        )
        for cid, wid, okey, oname, feeds, period, label, due, end, status, expects in (
            session.execute(query)
        )
    ]


def cycle_years(session: Session, calendar_id: int) -> list[int]:
    periods = session.scalars(
        sa.select(Cycle.period)
        .distinct()
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .where(Obligation.calendar_id == calendar_id)
    )
    return sorted({int(p[:4]) for p in periods if p[:4].isdigit()}, reverse=True)


def status_counts(
    session: Session, cycle_ids: list[int], scope: Scope
) -> dict[int, Counter[DeadlineStatus]]:
    """cycle id -> how many of its deadlines (in scope) are in each status."""
    if not cycle_ids:
        return {}
    rows = session.execute(
        sa.select(UnitDeadline.cycle_id, UnitDeadline.status, sa.func.count())
        .where(UnitDeadline.cycle_id.in_(cycle_ids), scope.units_clause(UnitDeadline.unit_id))
        .group_by(UnitDeadline.cycle_id, UnitDeadline.status)
    )
    out: dict[int, Counter[DeadlineStatus]] = defaultdict(Counter)
    for cycle_id, status, count in rows:
        out[cycle_id][DeadlineStatus(status)] += count
    return out


NONE_OWED = Rates(0, 0, 0)  # a cycle nobody owes a report in (campaign without one)


def rates_of(counts: Counter[DeadlineStatus]) -> Rates:
    return Rates.of(counts.elements())


def overview(
    session: Session, calendar_id: int, scope: Scope, year: int | None = None
) -> list[CycleSummary]:
    """Every cycle of the calendar (of `year`) with its counts and rates within `scope`;
    cycles in which nobody in scope owes anything are left out."""
    cycles = cycles_of(session, calendar_id, year)
    counts = status_counts(session, [c.id for c in cycles], scope)
    return [
        CycleSummary(c, rates_of(counts[c.id]) if c.counted else NONE_OWED, dict(counts[c.id]))
        for c in cycles
        if counts.get(c.id)
    ]


@dataclass(frozen=True, slots=True)
class Breakdown:
    label: str
    rates: Rates


def breakdowns(
    session: Session, cycle_id: int, tree: UnitTree
) -> tuple[list[Breakdown], list[Breakdown]]:
    """One cycle's rates per unit kind and per parent unit, within the tree's scope."""
    rows = session.execute(
        sa.select(UnitDeadline.unit_id, UnitDeadline.status).where(
            UnitDeadline.cycle_id == cycle_id
        )
    )
    by_kind: dict[str, Counter[DeadlineStatus]] = defaultdict(Counter)
    by_parent: dict[int | None, Counter[DeadlineStatus]] = defaultdict(Counter)
    for unit_id, status in rows:
        node = tree.by_id.get(unit_id)
        if node is None:
            continue
        by_kind[node.kind][status] += 1
        by_parent[node.parent_id][status] += 1
    kinds = [Breakdown(kind, rates_of(c)) for kind, c in sorted(by_kind.items())]
    parents = [
        Breakdown(tree.by_id[p].name if p in tree.by_id else "(ngoài phạm vi)", rates_of(c))
        for p, c in by_parent.items()
    ]
    return kinds, sorted(parents, key=lambda b: b.label)


# --- the compliance matrix -----------------------------------------------------------------


class Cell(NamedTuple):
    """A tuple, not a frozen dataclass: the matrix makes one per deadline (60,000 at
    10,000 units), and a frozen dataclass pays a setattr per field for each."""

    status: DeadlineStatus
    due_at: datetime
    """The legal end in force (the extension's when one was granted)."""


@dataclass(frozen=True, slots=True)
class Rollup:
    """What the units below a row did in one column (and the columns feeding it)."""

    rates: Rates
    late: int
    at_risk: bool


@dataclass
class MatrixRow:
    node: UnitNode
    cells: list[Cell | None]
    rollups: list[Rollup | None]

    @property
    def at_risk(self) -> bool:
        return any(r is not None and r.at_risk for r in self.rollups)

    @property
    def is_parent(self) -> bool:
        """Units below it count in at least one column (its row shows their roll-up)."""
        return any(r is not None for r in self.rollups)


@dataclass
class Matrix:
    columns: list[CycleInfo]
    rows: list[MatrixRow]
    """The rows that pass the filters, in tree order."""
    total_units: int
    kinds: list[str] = field(default_factory=list)


def matrix_cells(
    session: Session, cycle_ids: list[int], scope: Scope
) -> list[tuple[int, int, DeadlineStatus, datetime]]:
    """The bare query behind the matrix: (unit, cycle, status, due) of every deadline of
    the columns within scope. Only what a cell shows: at 60,000 cells, each column more
    is 60,000 more values to convert."""
    if not cycle_ids:
        return []
    due = sa.type_coerce(
        sa.func.coalesce(UnitDeadline.extended_until, UnitDeadline.legal_end_at),
        UnitDeadline.legal_end_at.type,
    )
    query = sa.select(UnitDeadline.unit_id, UnitDeadline.cycle_id, UnitDeadline.status, due).where(
        UnitDeadline.cycle_id.in_(cycle_ids), scope.units_clause(UnitDeadline.unit_id)
    )
    # Core execution on the session's connection: the ORM's row loading would double
    # the time of this query, and these are plain values.
    return [(u, c, st, d) for u, c, st, d in session.connection().execute(query)]


def matrix(
    session: Session,
    calendar_id: int,
    tree: UnitTree,
    scope: Scope,
    year: int | None,
    *,
    kind: str | None = None,
    parent_id: int | None = None,
    status: str | None = None,
) -> Matrix:
    """Units × the year's cycles; parent rows roll up everything below them.

    The roll-up of a column counts the descendants' deadlines in that cycle and in the
    cycles of obligations that feed it (`feeds`) for the same period: a district's
    report is at risk while it is still owed and communes under it are overdue or
    missing on theirs. A row that owes nothing in a column (the province over its
    communes' reports) shows the counts without the flag.
    """
    columns = cycles_of(session, calendar_id, year)
    index = {c.id: j for j, c in enumerate(columns)}
    own: dict[int, list[Cell | None]] = {}
    in_tree, width = tree.by_id, len(columns)
    for unit_id, cycle_id, st, due in matrix_cells(session, list(index), scope):
        if unit_id not in in_tree:
            continue
        cells = own.get(unit_id)
        if cells is None:
            cells = own[unit_id] = [None] * width
        cells[index[cycle_id]] = Cell(st, due)
    rollups = _roll_up(tree, columns, own)
    rows = []
    keep = set(tree.subtree(parent_id)) if parent_id in tree.by_id else None
    empty: list[Cell | None] = [None] * len(columns)
    for node in tree.nodes:
        if keep is not None and node.id not in keep:
            continue
        if kind and node.kind != kind:
            continue
        row = MatrixRow(node, own.get(node.id, empty), rollups.get(node.id, [None] * len(columns)))
        if status and not _has_status(row, status):
            continue
        rows.append(row)
    return Matrix(columns, rows, len(tree), tree.kinds())


def _has_status(row: MatrixRow, status: str) -> bool:
    if status == AT_RISK:
        return row.at_risk
    return any(c is not None and c.status.value == status for c in row.cells)


def _feeding(columns: list[CycleInfo]) -> list[list[int]]:
    """For each column, the columns whose deadlines count in its roll-up: itself and the
    same period of every obligation that feeds it."""
    out = []
    for c in columns:
        calendar = c.workflow_id.split("/")[1]
        names = {c.obligation_key, f"{calendar}/{c.obligation_key}"}
        out.append(
            [
                j
                for j, other in enumerate(columns)
                if other.id == c.id or (other.feeds in names and other.period == c.period)
            ]
        )
    return out


# expected, submitted, on time, excused, late
_WIDTH = 5


def _tally(cell: Cell | None, into: list[int]) -> None:
    if cell is None:
        return
    st = cell.status
    if st is DeadlineStatus.EXCUSED:
        into[3] += 1
        return
    into[0] += 1
    if st.submitted:
        into[1] += 1
    if st is DeadlineStatus.SUBMITTED_ON_TIME:
        into[2] += 1
    if st in LATE:
        into[4] += 1


def _roll_up(
    tree: UnitTree, columns: list[CycleInfo], own: dict[int, list[Cell | None]]
) -> dict[int, list[Rollup | None]]:
    """Children before parents (reverse depth-first order): each parent adds its children's
    own cells and their totals, so the whole tree is one pass."""
    feeding = _feeding(columns)
    width = len(columns)
    totals: dict[int, list[list[int]]] = {}
    for node in reversed(tree.nodes):
        kids = tree.children.get(node.id)
        if not kids:
            continue
        acc = [[0] * _WIDTH for _ in range(width)]
        for kid in kids:
            cells = own.get(kid)
            if cells is not None:
                for j in range(width):
                    for source in feeding[j]:
                        if columns[source].counted:
                            _tally(cells[source], acc[j])
            below = totals.get(kid)
            if below is not None:
                for j in range(width):
                    a, b = acc[j], below[j]
                    for k in range(_WIDTH):
                        a[k] += b[k]
        totals[node.id] = acc
    out: dict[int, list[Rollup | None]] = {}
    for uid, acc in totals.items():
        cells = own.get(uid)
        row: list[Rollup | None] = []
        for j, (expected, submitted, on_time, excused, late) in enumerate(acc):
            if expected + excused == 0:
                row.append(None)
                continue
            mine = cells[j] if cells is not None else None
            owes = mine is not None and not mine.status.is_settled
            rates = Rates(expected, submitted, on_time, excused)
            row.append(Rollup(rates, late, late > 0 and owes))
        out[uid] = row
    return out


# --- rates over periods --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    cycle: CycleInfo
    rates: Rates


@dataclass(frozen=True, slots=True)
class Series:
    obligation_key: str
    obligation_name: str
    points: list[SeriesPoint]


def rate_series(session: Session, calendar_id: int, scope: Scope) -> list[Series]:
    """Each obligation's reporting and on-time rates, period after period."""
    by_obligation: dict[str, list[SeriesPoint]] = defaultdict(list)
    names: dict[str, str] = {}
    for summary in overview(session, calendar_id, scope):
        c = summary.cycle
        names[c.obligation_key] = c.obligation_name
        by_obligation[c.obligation_key].append(SeriesPoint(c, summary.rates))
    return [
        Series(key, names[key], sorted(points, key=lambda p: p.cycle.period))
        for key, points in by_obligation.items()
    ]

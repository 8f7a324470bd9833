"""The compliance matrix: units × the year's cycles, each cell the unit's status in colour
and in words, parent rows rolling up the units below them.

Filters (unit kind, parent unit, status) narrow the rows but never the roll-ups: a
district's row counts all its communes whichever of them are shown. Rows are paged for
the browser (a province has thousands of units); the export always has every row.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from deadlines import present
from deadlines.expected import DeadlineStatus
from store import dashboard, deadline_facts
from store.ids import parse_id
from store.scopes import unit_tree
from store.web_users import SessionUser
from web.deps import DB, UserScope, render, require
from web.params import PageNumber, PageSize, Year
from web.routes.common import export_or, select
from web.tables import Percent, Table, Value

router = APIRouter()
VIEW = Depends(require("view"))
PAGE_SIZES = (100, 500, 2000)
DEFAULT_PAGE_SIZE = 500
STATUS_CHOICES = [(s.value, s.label_vi()) for s in DeadlineStatus] + [
    (dashboard.AT_RISK, "Có nguy cơ trễ (đơn vị cấp dưới quá hạn)")
]


@router.get("/matrix", response_model=None)
def matrix_page(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str | None = None,
    year: Year = None,
    kind: str | None = None,
    parent: str | None = None,
    status: str | None = None,
    page: PageNumber = 1,
    size: PageSize = DEFAULT_PAGE_SIZE,
    format: str | None = None,
    user: SessionUser = VIEW,
) -> Response:
    sel = select(session, scope, calendar, year)
    parent_id = parse_id(parent)
    status = status if status in {v for v, _ in STATUS_CHOICES} else None
    if sel.calendar is None:
        return render(request, "matrix.html", sel=sel, m=None, filters={}, pages=1, page=1)
    tree = unit_tree(session, sel.calendar.id, scope)
    m = dashboard.matrix(
        session,
        sel.calendar.id,
        tree,
        scope,
        sel.year,
        kind=kind or None,
        parent_id=parent_id,
        status=status,
    )
    export = export_or(format, lambda: matrix_table(m, sel.year, session))
    if export is not None:
        return export
    size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    pages = max(1, -(-len(m.rows) // size))
    page = min(max(page, 1), pages)
    shown = m.rows[(page - 1) * size : page * size]
    parents = [n for n in tree.nodes if n.id in tree.children]
    filters = {"kind": kind or "", "parent": parent_id, "status": status or "", "size": size}
    template = "matrix_table.html" if request.headers.get("hx-request") else "matrix.html"
    return render(
        request,
        template,
        sel=sel,
        m=m,
        rows=shown,
        page=page,
        pages=pages,
        filters=filters,
        parents=parents,
        statuses=STATUS_CHOICES,
        sizes=PAGE_SIZES,
    )


def matrix_table(m: dashboard.Matrix, year: int | None, session: Session) -> Table:
    """Every filtered row: the unit, its focal points, then per column its status, the last
    day in force (a date), when it was submitted and under which document number, and, for
    parent rows, what the units below it did."""
    handed = deadline_facts.latest_submissions(session, [c.id for c in m.columns])
    focal = deadline_facts.focal_points(session, [r.node.id for r in m.rows])
    headers = ["Mã đơn vị", "Đơn vị", "Loại đơn vị", "Cấp", "Cán bộ đầu mối"]
    for c in m.columns:
        title = f"{c.obligation_name} — {c.period_label}"
        headers += [
            f"{title}: trạng thái",
            f"{title}: hạn cuối (hết ngày)",
            f"{title}: ngày nộp",
            f"{title}: số văn bản",
            f"{title}: tỷ lệ cấp dưới đã nộp",
            f"{title}: số cấp dưới nộp trễ",
        ]
    t = Table(f"ma-tran-{year}", f"Ma trận {year}", headers)
    for row in m.rows:
        people = "; ".join(deadline_facts.contact_text(p) for p in focal.get(row.node.id, []))
        values: list[Value] = [
            row.node.key,
            row.node.name,
            present.kind_text(row.node.kind),
            row.node.depth,
            people or None,
        ]
        for column, cell, roll in zip(m.columns, row.cells, row.rollups, strict=True):
            got = handed.get((row.node.id, column.id)) if cell else None
            values += [
                cell.status.label_vi() if cell else None,
                present.last_day(cell.due_at) if cell else None,
                got.submitted_at if got else None,
                got.document_number if got else None,
                Percent(roll.rates.reporting_rate) if roll else None,
                roll.late if roll else None,
            ]
        t.add(*values)
    return t

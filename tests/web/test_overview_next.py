"""The overview says what happens next to the units still owing: the cycle's first
reminder or escalation to come, from its frozen timeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from store import db
from store.base import utcnow
from store.models import Cycle
from tests.web.conftest import Site

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _row(page: str, text: str) -> str:
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    [found] = [r for r in rows if text in r]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())


def test_the_overview_says_what_happens_next(any_site: Site) -> None:
    now = utcnow()
    soon = (now + timedelta(days=2)).replace(microsecond=0)
    engine = db.create_engine(any_site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            cycle = session.scalars(
                sa.select(Cycle).where(Cycle.workflow_id.like("%/bc-xa/2025-H1"))
            ).one()
            snapshot = dict(cycle.snapshot)
            timeline = dict(snapshot["cycle"]["timeline"])
            timeline["steps"] = [
                {
                    "key": "remind:-1d",
                    "kind": "remind",
                    "at": (now - timedelta(days=1)).isoformat(),
                },
                {"key": "escalate:1:head", "kind": "escalate", "at": soon.isoformat()},
                {
                    "key": "escalate:2:head",
                    "kind": "escalate",
                    "at": (soon + timedelta(days=3)).isoformat(),
                },
            ]
            snapshot["cycle"] = {**snapshot["cycle"], "timeline": timeline}
            cycle.snapshot = snapshot
    finally:
        engine.dispose()
    page = any_site.client("coordinator").get("/?year=2025").text
    assert "Việc tiếp theo" in page
    local = soon.astimezone(VN)
    row = _row(page, "Báo cáo 6 tháng cấp xã")
    assert f"Đôn đốc 2 đơn vị chưa nộp lúc {local:%d/%m/%Y %H:%M}" in row, row
    # A cycle with nothing planned says so plainly.
    assert "—" in _row(page, "Báo cáo năm")


def test_a_cycle_whose_owing_units_are_all_overdue_never_reads_open(site: Site) -> None:
    client = site.client("coordinator")
    overview = client.get("/?year=2025").text
    row = _row(overview, "Báo cáo 6 tháng cấp xã")
    assert "Quá hạn — mọi đơn vị chưa nộp đều đã quá hạn" in row and "Đang mở" not in row, row
    engine = db.create_engine(site.settings.database_url)
    try:
        with engine.connect() as conn:
            cycle_id = conn.scalar(
                sa.select(Cycle.id).where(Cycle.workflow_id.like("%/bc-xa/2025-H1"))
            )
    finally:
        engine.dispose()
    page = " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", client.get(f"/cycles/{cycle_id}").text)).split()
    )
    assert "Quá hạn — mọi đơn vị chưa nộp đều đã quá hạn" in page
    assert "đang mở" not in page.lower(), page

"""The quarantine listing in pages of 100, newest first, by keyset (`?before=` the last
reply shown): every reply reached once and in order, replies arriving between page loads
never repeating one, the filter kept across pages, the filter's total shown as Vietnamese
write numbers, a district coordinator kept to his district whatever cursor he crafts, an
unreadable cursor answered with the first page and a notice. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from store import quarantine as store_quarantine
from store.enums import InboundChannel, InboundOutcome
from store.models import InboundMessage, UnitDeadline
from tests.web.conftest import Site
from tests.web.support import csrf
from tests.web.test_quarantine import rows_of
from tests.web.test_record_submission import XA_A2, unit_id
from web.routes.quarantine import BAD_CURSOR

XA_B1 = ("bc-xa", "2025-H1", "xa-b1")
BASE = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
OLDER = re.compile(r'<a href="([^"]+)" rel="next">Cũ hơn »</a>')
NEWEST = re.compile(r'<a href="([^"]+)" rel="first">« Mới nhất</a>')


def add(
    site: Site,
    count: int,
    *,
    tag: str,
    at: Any = None,
    resolved: bool = False,
    deadline: tuple[str, str, str] | None = None,
) -> list[int]:
    """`count` quarantined replies, received at `at(i)` (default: three to a minute from
    BASE, so ties on received_at are broken by id); their ids."""
    at = at or (lambda i: BASE + timedelta(minutes=i // 3))
    with site.app.state.hanchot.writer() as session, session.begin():  # type: ignore[attr-defined]
        deadline_id = None
        if deadline is not None:
            deadline_id = session.scalar(
                sa.select(UnitDeadline.id).where(
                    UnitDeadline.workflow_id == site.filled.deadlines[deadline]
                )
            )
        rows = [
            {
                "channel": InboundChannel.EMAIL,
                "sender": f"la-{tag}-{i}@gmail.example",
                "raw_ref": f"<{tag}-{i}@x>",
                "deadline_id": deadline_id,
                "outcome": InboundOutcome.QUARANTINED,
                "reason": "người gửi không phải đầu mối của đơn vị",
                "received_at": at(i),
                "resolved_at": at(i) + timedelta(days=1) if resolved else None,
                "resolved_by": "web:khac@thu.example" if resolved else None,
                "resolution": "Bỏ qua: thư rác" if resolved else None,
            }
            for i in range(count)
        ]
        session.execute(sa.insert(InboundMessage), rows)
        return list(
            session.scalars(
                sa.select(InboundMessage.id).where(InboundMessage.raw_ref.like(f"<{tag}-%"))
            )
        )


def newest_first(site: Site, ids: set[int]) -> list[int]:
    """`ids` in the listing's order, from the database."""
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        rows = session.execute(
            sa.select(InboundMessage.id)
            .where(InboundMessage.id.in_(ids))
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        )
        return [mid for (mid,) in rows]


def link(pattern: re.Pattern[str], page: str) -> str | None:
    found = pattern.findall(page)
    assert len(set(found)) <= 1, found  # the pager above and below the table agree
    return html.unescape(found[0]) if found else None


def summary(page: str) -> str:
    found = re.search(r'<p class="hint" id="quarantine-count">([^<]*)</p>', page)
    assert found is not None
    return found[1]


def walk(site: Site, who: str, start: str, between: Any = None) -> tuple[list[int], list[str]]:
    """Follow "Cũ hơn" from `start` to the last page: the ids seen, in order, and each
    page's summary. `between(n)` runs after the n-th page is read."""
    client = site.client(who)
    seen: list[int] = []
    summaries: list[str] = []
    url: str | None = start
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert BAD_CURSOR not in answer.text
        rows = [int(r) for r in rows_of(answer.text)]
        assert 0 < len(rows) <= store_quarantine.PAGE_SIZE
        seen += rows
        summaries.append(summary(answer.text))
        if url != start:
            assert link(NEWEST, answer.text) == start
        else:
            assert link(NEWEST, answer.text) is None
        if between is not None:
            between(len(summaries))
        url = link(OLDER, answer.text)
        if url is not None:
            assert url.startswith(start + "&before=") or url.startswith(start + "?before=")
    return seen, summaries


def test_every_reply_once_in_order_while_new_ones_arrive(any_site: Site) -> None:
    site = any_site
    opened = set(add(site, 2343, tag="open"))
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        factory = (
            set(
                session.scalars(
                    sa.select(InboundMessage.id).where(
                        InboundMessage.outcome == InboundOutcome.QUARANTINED
                    )
                )
            )
            - opened
        )
    assert len(factory) == 2  # tests/web/factory.py's two open replies
    expected = newest_first(site, opened | factory)
    assert len(expected) == 2345
    done = set(add(site, 250, tag="done", resolved=True, at=lambda i: BASE + timedelta(seconds=i)))
    new: list[int] = []
    late: list[int] = []

    def more_mail(n: int) -> None:
        """After some pages: a reply newer than everything, and one received long ago
        (a mailbox read late) that sorts among the pages not read yet."""
        if n in (1, 7, 19):
            now = datetime.now(UTC) + timedelta(minutes=n)
            new.extend(add(site, 1, tag=f"new-{n}", at=lambda i: now))
            late.extend(add(site, 1, tag=f"late-{n}", at=lambda i: BASE + timedelta(hours=1)))

    seen, summaries = walk(site, "coordinator", "/quarantine?show=open", more_mail)
    assert len(seen) == len(set(seen)), "a reply shown twice"
    assert set(seen) & set(new) == set()  # newer than the pages read: never shifts them
    assert set(seen) & set(late) == set(late)  # older: met in its place
    assert [mid for mid in seen if mid not in late] == expected  # all, in order, once
    assert len(summaries) == 24
    assert summaries[0] == "Hiển thị 1–100 trong 2.345 thư"
    # two arrive after the first page, one of them newer: the second page starts at 102
    assert summaries[1] == "Hiển thị 102–201 trong 2.347 thư"
    assert summaries[-1] == "Hiển thị 2.304–2.351 trong 2.351 thư"
    arrived = new + late
    # the other filters page the same way, each keeping its own filter
    resolved, pages = walk(site, "coordinator", "/quarantine?show=resolved")
    assert resolved == newest_first(site, done)
    assert pages == [
        "Hiển thị 1–100 trong 250 thư",
        "Hiển thị 101–200 trong 250 thư",
        "Hiển thị 201–250 trong 250 thư",
    ]
    everything, pages = walk(site, "coordinator", "/quarantine?show=all")
    assert set(everything) == opened | factory | done | set(arrived)
    assert len(everything) == len(set(everything)) == 2601
    assert pages[0] == "Hiển thị 1–100 trong 2.601 thư" and len(pages) == 27
    # an export is the whole filter, not one page
    csv = site.client("coordinator").get("/quarantine?show=all&format=csv").text
    assert csv.count("\r\n") == 1 + 2601


def test_a_district_coordinator_pages_through_his_district_only(any_site: Site) -> None:
    site = any_site
    mine = set(add(site, 150, tag="b1", deadline=XA_B1))
    theirs = add(site, 150, tag="a2", deadline=XA_A2, at=lambda i: BASE + timedelta(seconds=i))
    strangers = add(site, 20, tag="x")
    seen, pages = walk(site, "district_coordinator", "/quarantine?show=open")
    assert seen == newest_first(site, mine)
    assert pages == ["Hiển thị 1–100 trong 150 thư", "Hiển thị 101–150 trong 150 thư"]
    # a cursor made by hand (another district's reply, the far future, the distant past)
    # moves the page, never the scope
    client = site.client("district_coordinator")
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        other = session.get(InboundMessage, theirs[75])
        assert other is not None
        crafted = store_quarantine.Cursor(other.received_at, other.id).encode()
    for before in (crafted, "99991231T235959.999999Z_999999999", "00010101T000000.000000Z_1"):
        answer = client.get(f"/quarantine?show=all&before={before}")
        assert answer.status_code == 200 and BAD_CURSOR not in answer.text
        assert {int(r) for r in rows_of(answer.text)} <= mine
    far = client.get("/quarantine?show=all&before=99991231T235959.999999Z_999999999").text
    assert [int(r) for r in rows_of(far)] == newest_first(site, mine)[:100]
    past = client.get("/quarantine?show=all&before=00010101T000000.000000Z_1").text
    assert rows_of(past) == [] and "Không còn thư nào cũ hơn (cả thảy 150 thư)." in past
    assert link(NEWEST, past) == "/quarantine?show=all" and link(OLDER, past) is None
    everyone, _ = walk(site, "coordinator", "/quarantine?show=open")
    assert mine | set(theirs) | set(strangers) <= set(everyone)


@pytest.mark.parametrize(
    "before",
    [
        "abc",
        "20250608T0200",  # cut short
        "20251399T000000.000000Z_5",  # the right shape, not a date
        "20250608T020000.000000Z_0",
        "20250608T020000.000000Z_-3",
        "20250608T020000.000000Z_12345678901234567890",
        "2025-06-08T02:00:00Z_5",
        "20250608T020000.000000Z_5' OR 1=1 --",
    ],
)
def test_an_unreadable_cursor_shows_the_first_page_with_a_notice(site: Site, before: str) -> None:
    add(site, 120, tag="open")
    add(site, 3, tag="done", resolved=True)
    client = site.client("coordinator")
    first = client.get("/quarantine?show=open").text
    answer = client.get("/quarantine", params={"show": "open", "before": before})
    assert answer.status_code == 200
    assert f'<p class="error" role="alert">{BAD_CURSOR}</p>' in answer.text
    assert rows_of(answer.text) == rows_of(first)
    assert summary(answer.text) == "Hiển thị 1–100 trong 122 thư"
    assert link(OLDER, answer.text) == link(OLDER, first)  # the filter is kept
    resolved = client.get("/quarantine", params={"show": "resolved", "before": before}).text
    assert BAD_CURSOR in resolved and len(rows_of(resolved)) == 3


def test_dismissing_on_a_later_page_comes_back_to_that_page(any_site: Site) -> None:
    site = any_site
    add(site, 230, tag="open")
    client = site.client("coordinator")
    first = client.get("/quarantine?show=open").text
    second_url = link(OLDER, first)
    assert second_url is not None
    second = client.get(second_url).text
    rows = rows_of(second)
    before = second_url.split("before=", 1)[1]
    assert f'<input type="hidden" name="before" value="{before}">' in second
    token = csrf(client, "/units/%d" % unit_id(site, "xa-b1"))  # noqa: UP031
    done = client.post(
        f"/quarantine/{rows[0]}/dismiss",
        data={"reason": "thư rác", "csrf_token": token, "show": "open", "before": before},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/quarantine?before={before}&msg=dismissed"
    back = client.get(done.headers["location"]).text
    assert rows_of(back) == rows[1:] + rows_of(client.get(link(OLDER, second) or "").text)[:1]
    assert "Đã bỏ qua tin" in back and summary(back) == "Hiển thị 101–200 trong 231 thư"
    refused = client.post(
        f"/quarantine/{rows[1]}/dismiss",
        data={"reason": " ", "csrf_token": token, "show": "all", "before": before},
        follow_redirects=False,
    )
    assert refused.status_code == 400 and "Hãy ghi lý do bỏ qua tin này." in refused.text
    assert rows[1] in rows_of(refused.text) and rows[0] in rows_of(refused.text)  # "all"


def test_the_cursor_reads_back_what_it_wrote() -> None:
    at = datetime(2025, 6, 8, 9, 0, 0, 123456, tzinfo=UTC)
    cursor = store_quarantine.Cursor(at, 42)
    assert cursor.encode() == "20250608T090000.123456Z_42"
    assert store_quarantine.Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(store_quarantine.BadCursor):
        store_quarantine.Cursor.decode("20250608T090000.123456Z_42x")

"""A coordinator acts in one click: resend a message, remind every overdue unit of a cycle.
The rows are queued for the notifier's sweep to send at once, in the words of a reminder
with the deadline in force; scope and permissions hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from activities.store_access import StoreAccess
from notifier.compose import Row, compose
from notifier.relay import sweepable
from notifier.settings import NotifierSettings, Secret
from store import db
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.web.conftest import Site
from tests.web.support import csrf


@contextmanager
def _store(site: Site) -> Iterator[StoreAccess]:
    engine = db.create_engine(site.settings.database_url)
    try:
        yield StoreAccess(engine)
    finally:
        engine.dispose()


def _rows(site: Site, step_prefix: str) -> list[OutboxMessage]:
    with _store(site) as store, store.read() as session:
        rows = session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.step.startswith(step_prefix))
            .order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            _ = row.recipient.name, row.recipient.language
        return list(rows)


def _post(site: Site, who: str, path: str):  # type: ignore[no-untyped-def]
    client = site.client(who)
    return client.post(path, data={"csrf_token": csrf(client, "/")}, follow_redirects=False)


def _reminder_id(site: Site) -> int:
    [row, *_] = _rows(site, "remind:-1d")
    return row.id


def test_a_coordinator_resends_a_message_as_it_was(site: Site) -> None:
    original = _reminder_id(site)
    page = site.client("coordinator").get(f"/outbox/{original}").text
    assert f'action="/outbox/{original}/resend"' in page
    first = _post(site, "coordinator", f"/outbox/{original}/resend")
    again = _post(site, "coordinator", f"/outbox/{original}/resend")
    assert first.status_code == again.status_code == 303
    copies = _rows(site, "resend:")
    assert [c.step for c in copies] == ["resend:1:remind:-1d", "resend:2:remind:-1d"]
    [source] = [r for r in _rows(site, "remind:-1d") if r.id == original]
    for copy in copies:
        assert copy.status is OutboxStatus.PENDING and copy.payload == source.payload
        assert (copy.recipient_id, copy.channel) == (source.recipient_id, source.channel)
    with _store(site) as store:  # the sweep takes them at once, whatever its grace
        due = sweepable(store, [Channel.EMAIL, Channel.TELEGRAM], timedelta(hours=1))
    assert {c.id for c in copies} <= set(due)


def test_resending_keeps_to_scope_and_role(site: Site) -> None:
    original = _reminder_id(site)  # a commune of huyện A
    assert _post(site, "district_coordinator", f"/outbox/{original}/resend").status_code == 404
    assert _post(site, "viewer", f"/outbox/{original}/resend").status_code == 403
    assert _rows(site, "resend:") == []


def test_every_overdue_unit_of_a_cycle_is_reminded_in_one_click(site: Site) -> None:
    client = site.client("coordinator")
    overview = client.get("/?year=2025").text
    cycle = re.search(r'href="/cycles/(\d+)">Báo cáo 6 tháng cấp xã<', overview).group(1)
    assert f'action="/cycles/{cycle}/remind-overdue"' in client.get(f"/cycles/{cycle}").text
    answer = _post(site, "coordinator", f"/cycles/{cycle}/remind-overdue")
    assert answer.status_code == 303 and answer.headers["location"].endswith("reminded=2")
    assert "Đã xếp hàng nhắc 2 đơn vị quá hạn" in client.get(answer.headers["location"]).text
    rows = _rows(site, "manual:")
    assert sorted(r.recipient.key for r in rows) == ["fp-xa-a2", "fp-xa-xss"]
    again = _post(site, "coordinator", f"/cycles/{cycle}/remind-overdue")  # a double click
    assert again.headers["location"].endswith("reminded=0") and len(_rows(site, "manual:")) == 2
    # In the words of a reminder, with the deadline in force and the way to act
    settings = NotifierSettings(secret=Secret("s" * 40), data_dir=site.settings.data_dir)
    row = next(r for r in rows if r.recipient.key == "fp-xa-a2")
    message = compose(
        settings,
        Row(
            row.id,
            row.workflow_id,
            row.step,
            row.channel,
            row.recipient_id,
            row.recipient.key,
            row.recipient.name,
            "vi",
            "Asia/Ho_Chi_Minh",
            row.address,
            row.deadline_id,
            dict(row.payload),
            1,
        ),
    )
    assert "Nhắc hạn nộp" in message.subject
    assert "Hạn cuối:          hết ngày Thứ Hai, 09/06/2025" in message.text
    assert "Xin gia hạn tại:" in message.text


def test_a_district_coordinator_reminds_only_his_units(site: Site) -> None:
    client = site.client("coordinator")
    overview = client.get("/?year=2025").text
    cycle = re.search(r'href="/cycles/(\d+)">Báo cáo 6 tháng cấp xã<', overview).group(1)
    answer = _post(site, "district_coordinator", f"/cycles/{cycle}/remind-overdue")
    assert answer.headers["location"].endswith("reminded=1")  # xã A2 is in huyện A
    assert [r.recipient.key for r in _rows(site, "manual:")] == ["fp-xa-xss"]
    assert _post(site, "supervisor", f"/cycles/{cycle}/remind-overdue").status_code == 403

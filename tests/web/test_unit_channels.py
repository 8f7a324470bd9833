"""The unit page says how each contact is reached: the preferred channel order from the
calendar and whether the person is linked on Zalo."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from store import channels, db
from store.base import utcnow
from store.enums import Channel
from store.models import Person, Unit
from tests.web.conftest import Site


def test_the_unit_page_shows_the_channel_order_and_the_zalo_link(site: Site) -> None:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        person = session.scalar(sa.select(Person).where(Person.key == "fp-xa-a1"))
        assert person is not None
        person.channels = ["zalo", "email"]
        channels.bind(session, person.id, Channel.ZALO, "8001", None, utcnow())
    engine.dispose()
    client = site.client("coordinator")
    matrix = client.get("/matrix?year=2025").text
    unit = re.search(r'href="/units/(\d+)">UBND xã A1<', matrix)
    assert unit is not None
    page = client.get(f"/units/{unit.group(1)}").text
    contacts = page.split('class="contacts"', 1)[1].split("</ul>", 1)[0]
    assert "Zalo đã liên kết" in contacts
    assert "Nhận nhắc việc qua: Zalo, rồi Email" in contacts


def test_the_unit_page_says_who_reports_for_a_closed_unit(site: Site) -> None:
    """Rows keep no successor: the page reads the revision in force, as the engine does.
    langson-2025 closes Sở LĐTBXH on 01/03/2025 into Sở Nội vụ (the 2025 reform)."""
    from activities.publishing import publish_files

    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_files(session, [Path("config/examples/langson-2025.yaml")], "kiểm thử")
    with db.session_factory(engine)() as session:
        ids = dict(session.execute(sa.select(Unit.key, Unit.id).where(Unit.key.like("so-%"))).all())
    engine.dispose()
    client = site.client("coordinator")

    closed = client.get(f"/units/{ids['so-ldtbxh']}").text
    line = closed.split('id="sap-nhap">', 1)[1].split("</p>", 1)[0]
    assert line.startswith("Giải thể từ 01/03/2025; báo cáo từ ngày đó do ")
    assert f'<a href="/units/{ids["so-noi-vu"]}">Sở Nội vụ</a> nộp thay.' in line

    heir = client.get(f"/units/{ids['so-noi-vu']}").text
    line = heir.split('id="sap-nhap">', 1)[1].split("</p>", 1)[0]
    assert line.startswith("Nộp thay cho ")
    assert (
        f'<a href="/units/{ids["so-ldtbxh"]}">Sở Lao động - Thương binh và Xã hội</a>'
        " (giải thể từ 01/03/2025)" in line
    )

    gone = client.get(f"/units/{ids['so-tttt']}").text  # its work split among others
    line = gone.split('id="sap-nhap">', 1)[1].split("</p>", 1)[0]
    assert line == "Giải thể từ 01/03/2025; không có đơn vị kế thừa."
    assert 'id="sap-nhap"' not in client.get(f"/units/{ids['so-vhttdl']}").text

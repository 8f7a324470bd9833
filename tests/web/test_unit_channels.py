"""The unit page says how each contact is reached: the preferred channel order from the
calendar and whether the person is linked on Zalo."""

from __future__ import annotations

import re

import sqlalchemy as sa

from store import channels, db
from store.base import utcnow
from store.enums import Channel
from store.models import Person
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
    assert "Nhận tin qua: Zalo → Email" in contacts

"""A person's preferred channel order in the editor (TestClient, on SQLite and PostgreSQL):
chosen in words in the person form, judged by the loader like every field, said in the
draft's changes and the history, warned about while Zalo is not linked; and the units'
focal points shown by name."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from activities.publishing import publish_document
from store import channels, db
from store.base import utcnow
from store.changes import Action, Change, Entity, FieldChange
from store.enums import Channel
from store.models import Person
from tests.web.conftest import Site
from tests.web.editor.conftest import CAL, document, draft_document, form
from tests.web.support import post
from web.routes.editor_words import change_lines

FIELD = "kênh nhận nhắc việc, theo thứ tự ưu tiên"


def beside(page: str, field: str) -> str:
    """The text of one field's block of the form (its errors and notes)."""
    block = page[page.index(f'id="f-{field}"') :]
    return html.unescape(
        block[: block.index('<div class="field')] if '<div class="field' in block else block
    )


def link_zalo(site: Site, key: str) -> None:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        person = session.scalar(sa.select(Person).where(Person.key == key))
        assert person is not None
        channels.bind(session, person.id, Channel.ZALO, "8413567890123456789", None, utcnow())
    engine.dispose()


def test_the_order_is_chosen_in_words_and_said_in_the_changes_and_history(
    editor_site: Site,
) -> None:
    client = editor_site.client("coordinator")
    path = f"/editor/{CAL}/people/fp-xa-a1"
    page = client.get(path).text
    assert '<option value="zalo, email">Zalo, rồi Email</option>' in page
    assert "Kênh nhận nhắc việc, theo thứ tự ưu tiên" in page
    note = beside(page, "channels")
    assert "Hiện tại: Email có địa chỉ; Zalo chưa liên kết; Telegram chưa liên kết." in note
    values = form(client, path)
    assert values["channels"] == ""  # no order: every channel at once
    saved = post(client, path, {**values, "channels": "zalo, email"}, f"/editor/{CAL}")
    assert saved.status_code == 303, saved.text
    person = next(p for p in draft_document(editor_site)["people"] if p["id"] == "fp-xa-a1")
    assert person["channels"] == ["zalo", "email"]
    assert form(client, path)["channels"] == "zalo, email"

    draft = html.unescape(client.get(f"/editor/{CAL}").text)
    said = f"{FIELD}: mọi kênh người này có, cùng lúc → Zalo, rồi Email"
    assert said in draft
    warned = draft[draft.index('id="kenh-chua-lien-ket"') :]
    assert (
        f"Đầu mối xa-a1 (fp-xa-a1) › {FIELD}: Zalo chưa liên kết; "
        "cho tới khi liên kết, nhắc việc đi qua Email." in warned
    )
    people = draft[draft.index('id="nguoi"') :]
    assert re.search(r"Đầu mối xa-a1 .*?Zalo, rồi Email", people, re.S)

    published = post(client, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}")
    assert published.status_code == 303, published.text
    history = html.unescape(client.get(f"/history/{CAL}").text)
    assert said in history
    engine = db.create_engine(editor_site.settings.database_url)
    with engine.connect() as connection:
        unit_id = connection.execute(sa.text("SELECT id FROM units WHERE key = 'xa-a1'")).scalar()
    engine.dispose()
    lines = html.unescape(client.get(f"/history/units/{unit_id}").text)
    assert (
        f"Đầu mối xa-a1 (fp-xa-a1) — {FIELD}: mọi kênh người này có, cùng lúc → Zalo, rồi Email"
        in lines
    )


def test_a_wrong_order_is_refused_beside_the_field(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    path = f"/editor/{CAL}/people/fp-xa-a1"
    values = form(client, path)
    for typed, says in [
        ("zalo, sms", "kênh 'sms' không có"),
        ("zalo, zalo", "kênh 'zalo' ghi hai lần"),
    ]:
        refused = post(client, path, {**values, "channels": typed}, f"/editor/{CAL}")
        assert refused.status_code == 422
        block = beside(refused.text, "channels")
        assert says in block and "email, telegram, zalo" in block
        assert f'<option value="{typed}" selected>' in html.unescape(refused.text)  # as typed
    nobody = form(client, f"/editor/{CAL}/people/fp-huyen-a")  # no email in the calendar
    refused = post(
        client,
        f"/editor/{CAL}/people/fp-huyen-a",
        {**nobody, "channels": "zalo, email"},
        f"/editor/{CAL}",
    )
    assert refused.status_code == 422
    assert "kênh 'email' nhưng người này không có email" in beside(refused.text, "channels")
    assert "channels" not in str(draft_document(editor_site)["people"])  # nothing half-saved


def test_an_order_nothing_reaches_is_said_until_the_person_links(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    path = f"/editor/{CAL}/people/fp-xa-b1"
    values = form(client, path)
    assert post(client, path, {**values, "channels": "zalo"}, f"/editor/{CAL}").status_code == 303
    draft = html.unescape(client.get(f"/editor/{CAL}").text)
    assert (
        f"Đầu mối xa-b1 (fp-xa-b1) › {FIELD}: không kênh nào trong “Chỉ Zalo” tới được "
        "người này lúc này (Zalo chưa liên kết): sẽ không nhận được nhắc việc" in draft
    )
    link_zalo(editor_site, "fp-xa-b1")
    draft = client.get(f"/editor/{CAL}").text
    assert "Chỉ Zalo" in draft and 'id="kenh-chua-lien-ket"' not in draft
    assert "Zalo đã liên kết" in beside(client.get(path).text, "channels")


def test_the_units_show_their_focal_points_by_name(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    page = client.get(f"/editor/{CAL}").text
    units = page[page.index('id="don-vi"') : page.index('id="nguoi"')]
    cell = re.search(
        r'<td data-label="Đầu mối"[^>]*>(.*?)</td>', units.split("UBND xã A1")[1], re.S
    )
    assert cell is not None
    assert '<span class="named" title="fp-xa-a1">Đầu mối xa-a1</span>' in cell.group(1)
    assert (
        '<td data-label="Cấp trên"><span class="named" title="huyen-a">UBND huyen-a</span>' in units
    )
    assert not re.search(r'data-label="Đầu mối"[^>]*>fp-', units)  # never a bare id


def test_an_order_written_as_text_in_the_file_survives_other_edits(editor_site: Site) -> None:
    """`channels: "Zalo, email"` in the YAML is the order the form shows selected; saving
    the person for another field keeps it, and neither the draft nor the unit's history
    calls the rewritten form a change."""
    engine = db.create_engine(editor_site.settings.database_url)
    doc = document()
    fp = next(p for p in doc["people"] if p["id"] == "fp-xa-a1")
    fp["channels"] = "Zalo, email"
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, doc, source="yaml", author="cli:test")
    with engine.connect() as connection:
        unit_id = connection.execute(sa.text("SELECT id FROM units WHERE key = 'xa-a1'")).scalar()
    engine.dispose()
    client = editor_site.client("coordinator")
    path = f"/editor/{CAL}/people/fp-xa-a1"
    values = form(client, path)
    assert values["channels"] == "zalo, email"
    renamed = {**values, "name": "Đầu mối xã A1 mới"}
    assert post(client, path, renamed, f"/editor/{CAL}").status_code == 303
    draft = html.unescape(client.get(f"/editor/{CAL}").text)
    assert (
        "tên: Đầu mối xa-a1 → Đầu mối xã A1 mới" in draft
        and FIELD not in draft.split('id="thay-doi"')[1].split("</ul>")[0]
    )
    assert post(client, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    lines = html.unescape(client.get(f"/history/units/{unit_id}").text)
    assert "tên: Đầu mối xa-a1 → Đầu mối xã A1 mới" in lines
    assert f"{FIELD}: Zalo, rồi Email → Zalo, rồi Email" not in lines
    assert f"{FIELD}: mọi kênh người này có, cùng lúc → Zalo, rồi Email" in lines  # revision 2


def test_an_order_turned_around_is_one_change_said_whole(editor_site: Site) -> None:
    """[zalo, email] -> [email, zalo] is a new order, not two changed places; a summary
    saved before orders were compared whole still reads in channel names."""
    client = editor_site.client("coordinator")
    path = f"/editor/{CAL}/people/fp-xa-a1"
    for order in ("zalo, email", "email, zalo"):
        values = form(client, path)
        assert (
            post(client, path, {**values, "channels": order}, f"/editor/{CAL}").status_code == 303
        )
        assert post(client, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    history = html.unescape(client.get(f"/history/{CAL}").text)
    assert f"{FIELD}: Zalo, rồi Email → Email, rồi Zalo" in history
    assert "thứ 1" not in history
    old = Change(
        Entity.PERSON,
        "fp-xa-a1",
        Action.CHANGED,
        "Đầu mối xa-a1",
        (FieldChange("channels[0]", "zalo", "email"),),
    )
    assert change_lines(old) == [f"{FIELD} thứ 1: Zalo → Email"]

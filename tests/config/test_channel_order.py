"""A person's preferred channel order in the calendar (`people[].channels`): read in
order, and refused, with file, line, field and what is valid, in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import CalendarError
from config.loader import load_calendar_text
from tests.config.test_loader_errors import BASE

LAN = "{id: lan, name: Nguyễn Thị Lan, email: lan@thu.example}"


def with_lan(extra: str, email: str = ", email: lan@thu.example") -> str:
    return BASE.replace(LAN, "{id: lan, name: Nguyễn Thị Lan" + email + ", " + extra + "}", 1)


def test_the_order_is_kept_as_written() -> None:
    lan, minh = load_calendar_text(with_lan("channels: [zalo, email]"), "thu.yaml").people
    assert lan.channels == ("zalo", "email")
    assert minh.channels == ()


def test_a_comma_list_reads_the_same() -> None:
    [lan, _] = load_calendar_text(with_lan('channels: "Zalo, email"'), "thu.yaml").people
    assert lan.channels == ("zalo", "email")


@pytest.mark.parametrize(
    ("extra", "email", "says"),
    [
        ("channels: [zalo, sms]", ", email: lan@thu.example", "kênh 'sms' không có"),
        ("channels: [zalo, zalo]", ", email: lan@thu.example", "kênh 'zalo' ghi hai lần"),
        ("channels: []", ", email: lan@thu.example", "ít nhất một kênh"),
        ("channels: [zalo, email]", "", "kênh 'email' nhưng người này không có email"),
    ],
)
def test_a_wrong_order_is_one_clear_line(extra: str, email: str, says: str) -> None:
    with pytest.raises(CalendarError) as caught:
        load_calendar_text(with_lan(extra, email), "thu.yaml")
    [issue] = caught.value.errors
    line = str(issue)
    assert "thu.yaml:" in line and "people[0]" in line and says in line
    if "không có email" not in says:
        assert "email, telegram, zalo" in line


def test_simulate_names_the_order_for_a_person_who_has_one() -> None:
    from hanchot.commands.simulate import _channels

    lan, minh = load_calendar_text(with_lan("channels: [zalo, email]"), "thu.yaml").people
    assert _channels(lan) == ["Zalo → email"]
    assert _channels(minh) == ["email", "Telegram"]


def test_the_order_is_stored_and_a_change_to_it_is_a_change(tmp_path: Path) -> None:
    from store.calendar_model import calendar_model
    from store.calendars import save_calendar
    from tests.workflows.support import sqlite_store

    store = sqlite_store(tmp_path)
    first = load_calendar_text(with_lan("channels: [zalo, email]"), "thu.yaml")
    second = load_calendar_text(with_lan("channels: [email]"), "thu.yaml")
    with store.write() as session:
        save_calendar(session, first, "thu.yaml")
    with store.write() as session:
        assert calendar_model(session, first.id).people[0].channels == ("zalo", "email")
        changes = save_calendar(session, second, "thu.yaml")
    changed = [c for c in changes.changes if c.key == "lan"]
    assert [(f.field, f.old, f.new) for c in changed for f in c.fields] == [
        ("channels", ["zalo", "email"], ["email"])
    ]
    with store.write() as session:
        assert not save_calendar(session, second, "thu.yaml")

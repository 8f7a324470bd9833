"""Drafts of calendars (store.drafts) on SQLite and PostgreSQL: one per calendar and
author, started from the latest revision, kept whole; and `rebase`, which carries an
author's own changes onto a newer revision without undoing anyone else's."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from activities.publishing import publish_document
from store import drafts
from store.models import CalendarDraft

DOC: dict[str, Any] = {
    "calendar": {"id": "lich", "name": "Lịch"},
    "organisation": {"id": "ubnd", "name": "UBND"},
    "people": [{"id": "an", "name": "An"}, {"id": "binh", "name": "Bình"}],
    "units": [
        {"id": "tinh", "name": "Tỉnh", "kind": "province"},
        {"id": "xa-a", "name": "Xã A", "kind": "commune", "parent": "tinh", "focal_point": "an"},
        {"id": "xa-b", "name": "Xã B", "kind": "commune", "parent": "tinh", "focal_point": "binh"},
    ],
    "obligations": [
        {
            "id": "bc",
            "name": "Báo cáo năm",
            "period": "annual",
            "due": "before 15/12",
            "submitters": {"kinds": ["commune"]},
            "receiver": "tinh",
        }
    ],
}


def test_a_draft_starts_from_the_latest_revision_and_is_one_per_author(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        publish_document(session, copy.deepcopy(DOC), source="yaml", author="cli:test")
    with sessions() as session, session.begin():
        draft = drafts.open_draft(session, "lich", "web:a@x.example")
        assert draft.base_revision == 1 and draft.document == DOC
        changed = {**draft.document, "days_off": ["02/09/2026"]}
        drafts.save(session, draft, changed)
        changed["days_off"].append("03/09/2026")  # the stored copy is not aliased
    with sessions() as session, session.begin():
        again = drafts.open_draft(session, "lich", "web:a@x.example")
        assert again.id == draft.id and again.document["days_off"] == ["02/09/2026"]
        other = drafts.open_draft(session, "lich", "web:b@x.example")
        assert other.id != again.id and "days_off" not in other.document
        drafts.discard(session, other)
    with sessions() as session:
        assert drafts.get(session, "lich", "web:b@x.example") is None
        with pytest.raises(LookupError):
            drafts.open_draft(session, "khong-co", "web:a@x.example")
    with sessions() as session, pytest.raises(IntegrityError), session.begin():
        session.add(
            CalendarDraft(
                calendar_id=draft.calendar_id,
                author="web:a@x.example",
                base_revision=1,
                document={},
            )
        )


def _unit(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(u for u in document["units"] if u["id"] == key)


def test_rebase_keeps_both_sides_changes_and_names_the_overlap() -> None:
    base = copy.deepcopy(DOC)
    mine = copy.deepcopy(DOC)
    _unit(mine, "xa-a")["name"] = "Xã A (của tôi)"
    _unit(mine, "xa-b")["closed"] = "01/07/2025"
    mine["units"].append({"id": "xa-c", "name": "Xã C", "kind": "commune", "parent": "tinh"})
    mine["people"] = [p for p in mine["people"] if p["id"] != "an"] + [{"id": "an", "name": "An"}]
    theirs = copy.deepcopy(DOC)
    _unit(theirs, "xa-a")["name"] = "Xã A (của họ)"
    _unit(theirs, "xa-b")["focal_point"] = "an"
    theirs["days_off"] = ["02/09/2026"]
    theirs["people"].append({"id": "chi", "name": "Chi"})

    out = drafts.rebase(base, mine, theirs, 2)

    assert out.base == 2
    assert _unit(out.document, "xa-a")["name"] == "Xã A (của tôi)"  # mine, and overlapping
    assert out.overlapping == [("units", "xa-a")]
    # xa-b: each side changed another field of it: both changes are kept
    assert _unit(out.document, "xa-b")["closed"] == "01/07/2025"
    assert _unit(out.document, "xa-b")["focal_point"] == "an"
    assert [u["id"] for u in out.document["units"]] == ["tinh", "xa-a", "xa-b", "xa-c"]
    assert out.document["days_off"] == ["02/09/2026"]  # theirs, untouched by me
    assert {p["id"] for p in out.document["people"]} == {"an", "binh", "chi"}


def test_rebase_removes_what_the_author_removed_and_keeps_their_additions() -> None:
    mine = copy.deepcopy(DOC)
    mine["obligations"] = []
    theirs = copy.deepcopy(DOC)
    theirs["units"].append({"id": "xa-d", "name": "Xã D", "kind": "commune", "parent": "tinh"})
    out = drafts.rebase(copy.deepcopy(DOC), mine, theirs, 3)
    assert out.document["obligations"] == []
    assert [u["id"] for u in out.document["units"]][-1] == "xa-d"
    assert out.overlapping == []

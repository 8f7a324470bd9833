"""Field-level differences between two states."""

from __future__ import annotations

import pytest

from store.changes import Action, Change, ChangeSet, Entity, FieldChange, diff_states


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"name": "A"}, {"name": "A"}, ()),
        ({"name": "A"}, {"name": "B"}, (FieldChange("name", "A", "B"),)),
        ({"head": None}, {"head": "nam"}, (FieldChange("head", None, "nam"),)),
        ({}, {"email": "x@y"}, (FieldChange("email", None, "x@y"),)),
        ({"telegram": "@a"}, {}, (FieldChange("telegram", "@a", None),)),
        (
            {"submitters": {"kinds": ["ward"], "units": []}},
            {"submitters": {"kinds": ["ward", "commune"], "units": []}},
            (FieldChange("submitters.kinds", ["ward"], ["ward", "commune"]),),
        ),
        (
            {"due": [{"text": "before 15/06", "on": {"day": 15}}]},
            {"due": [{"text": "by 20/06", "on": {"day": 20}}]},
            (
                FieldChange("due[0].text", "before 15/06", "by 20/06"),
                FieldChange("due[0].on.day", 15, 20),
            ),
        ),
        ({"open_before": 30}, {"open_before": 30.0}, (FieldChange("open_before", 30, 30.0),)),
        ({"inclusive": 1}, {"inclusive": True}, (FieldChange("inclusive", 1, True),)),
    ],
)
def test_diff_states(old: dict, new: dict, expected: tuple[FieldChange, ...]) -> None:
    assert diff_states(old, new) == expected


def test_a_changeset_is_false_when_empty_and_counts_by_kind() -> None:
    assert not ChangeSet("c", created=False)
    changes = ChangeSet(
        "c",
        created=False,
        changes=(
            Change(Entity.UNIT, "a", Action.ADDED, "A"),
            Change(Entity.UNIT, "b", Action.REMOVED, "B"),
            Change(Entity.UNIT, "c", Action.REMOVED, "C"),
        ),
    )
    assert changes
    assert changes.counts()[Entity.UNIT, Action.REMOVED] == 2
    assert [c.key for c in changes.of(Entity.UNIT, Action.REMOVED)] == ["b", "c"]
    assert changes.of(Entity.PERSON) == []

"""What loading a calendar changed: a ChangeSet of entities added, changed, removed.

Entities are compared as flat dicts of JSON values ("states"), so every kind of row is
diffed by the same code and each change names its field, the old value and the new one.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from store.serialize import JSON


class Entity(enum.StrEnum):
    CALENDAR = "calendar"
    PERSON = "person"
    UNIT = "unit"
    OBLIGATION = "obligation"
    SUPERVISOR = "supervisor"


class Action(enum.StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    """Left the config; the row stays (marked `removed_at`) with all its history."""
    RESTORED = "restored"
    """Back in the config after having been removed; may carry field changes too."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    """Dotted path into the entity's state, e.g. `name`, `submitters.kinds`, `due[0].text`."""
    old: JSON
    new: JSON


@dataclass(frozen=True, slots=True)
class Change:
    entity: Entity
    key: str
    """The id written in the config."""
    action: Action
    label: str
    """What a person calls it (the unit's or person's name), verbatim."""
    fields: tuple[FieldChange, ...] = ()
    open_deadlines: int = 0
    """For a removed unit: its deadlines not yet settled, which the engine still tracks."""


@dataclass(frozen=True, slots=True)
class ChangeSet:
    calendar: str
    created: bool
    """True when the calendar was not in the store before."""
    changes: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def counts(self) -> Counter[tuple[Entity, Action]]:
        return Counter((c.entity, c.action) for c in self.changes)

    def of(self, entity: Entity, action: Action | None = None) -> list[Change]:
        return [
            c for c in self.changes if c.entity is entity and (action is None or c.action is action)
        ]


WHOLE = frozenset({"channels"})
"""Fields that are one value though written as a list: a person's channel order changes as
a whole ("zalo, email" -> "email, zalo"), never as its first and second elements."""


def diff_states(old: Mapping[str, JSON], new: Mapping[str, JSON]) -> tuple[FieldChange, ...]:
    """Field-level differences between two states, descending into dicts and into lists
    of equal length (a list that grew or shrank, or a WHOLE field, is reported whole)."""
    return tuple(_diff(old, new, ""))


def _diff(old: JSON, new: JSON, path: str) -> Iterable[FieldChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _union_keys(old, new):
            yield from _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key)
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and path not in WHOLE
    ):
        for i, (o, n) in enumerate(zip(old, new, strict=True)):
            yield from _diff(o, n, f"{path}[{i}]")
    elif old != new or type(old) is not type(new):
        yield FieldChange(path, old, new)


def _union_keys(old: Mapping[str, JSON], new: Mapping[str, JSON]) -> list[str]:
    """Keys of both, in the order of `new` first (config order), then the dropped ones."""
    return list(new) + [k for k in old if k not in new]

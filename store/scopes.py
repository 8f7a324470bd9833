"""Which units a dashboard user sees: a calendar's tree, or one subtree of it.

A scope is a root unit (its whole subtree) or, for an installation-wide coordinator,
nothing at all. Queries restrict rows with `Scope.units_clause(column)`: a recursive
CTE that SQLite and PostgreSQL both run, so a 10,000-unit province never ships its unit
ids back and forth as bound parameters.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.models import Calendar, Unit

_names = itertools.count()


@dataclass(frozen=True, slots=True)
class Scope:
    root_unit_id: int | None = None
    """None: every unit of every calendar."""
    calendar_id: int | None = None
    """The calendar of the root unit (None with no root)."""

    @property
    def everything(self) -> bool:
        return self.root_unit_id is None

    def units_clause(
        self, column: sa.ColumnElement[int] | InstrumentedAttribute[int]
    ) -> sa.ColumnElement[bool]:
        """A condition true when `column` (a unit id) lies in this scope."""
        if self.root_unit_id is None:
            return sa.true()
        name = f"scope_{next(_names)}"  # one query may restrict several columns
        tree = sa.select(Unit.id).where(Unit.id == self.root_unit_id).cte(name, recursive=True)
        tree = tree.union_all(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
        return column.in_(sa.select(tree.c.id))

    def allows_calendar(self, calendar_id: int) -> bool:
        return self.calendar_id is None or self.calendar_id == calendar_id


def scope_of(session: Session, root_unit_id: int | None) -> Scope:
    if root_unit_id is None:
        return Scope()
    calendar_id = session.scalar(sa.select(Unit.calendar_id).where(Unit.id == root_unit_id))
    return Scope(root_unit_id, calendar_id)


def visible_calendars(session: Session, scope: Scope) -> list[Calendar]:
    query = sa.select(Calendar).order_by(Calendar.key)
    if scope.calendar_id is not None:
        query = query.where(Calendar.id == scope.calendar_id)
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class UnitNode:
    id: int
    key: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    removed: bool


@dataclass
class UnitTree:
    """Units of one calendar within a scope, depth first (the order a person reads a tree),
    children in the order the config lists them."""

    nodes: list[UnitNode]
    children: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {n.id: n for n in self.nodes}

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.by_id

    def __len__(self) -> int:
        return len(self.nodes)

    def subtree(self, root: int) -> Iterator[int]:
        """`root` and every unit below it (within the scope), depth first."""
        stack = [root]
        while stack:
            uid = stack.pop()
            yield uid
            stack.extend(reversed(self.children.get(uid, ())))

    def ancestors(self, unit_id: int) -> list[UnitNode]:
        """From the scope's root down to the parent of `unit_id`."""
        out = []
        node = self.by_id.get(unit_id)
        while node is not None and node.parent_id in self.by_id:
            node = self.by_id[node.parent_id]
            out.append(node)
        return out[::-1]

    def kinds(self) -> list[str]:
        return sorted({n.kind for n in self.nodes})


def unit_tree(session: Session, calendar_id: int, scope: Scope) -> UnitTree:
    """The calendar's units inside `scope`, as a tree (one query, built in memory)."""
    rows = session.execute(
        sa.select(Unit.id, Unit.key, Unit.name, Unit.kind, Unit.parent_id, Unit.removed_at)
        .where(Unit.calendar_id == calendar_id)
        .order_by(Unit.id)
    ).all()
    children: dict[int | None, list[int]] = {}
    info = {}
    for uid, key, name, kind, parent_id, removed_at in rows:
        info[uid] = (key, name, kind, parent_id, removed_at is not None)
        children.setdefault(parent_id, []).append(uid)
    if scope.root_unit_id is not None:
        roots = [scope.root_unit_id] if scope.root_unit_id in info else []
    else:
        roots = [uid for uid, (_, _, _, parent, _) in info.items() if parent not in info]
    nodes: list[UnitNode] = []
    stack = [(uid, 0) for uid in reversed(roots)]
    while stack:
        uid, depth = stack.pop()
        key, name, kind, parent_id, removed = info[uid]
        nodes.append(UnitNode(uid, key, name, kind, parent_id, depth, removed))
        stack.extend((child, depth + 1) for child in reversed(children.get(uid, ())))
    kept = {n.id for n in nodes}
    tree_children: dict[int, list[int]] = {
        parent: kids for parent, kids in children.items() if parent in kept and kids
    }
    return UnitTree(nodes, tree_children)

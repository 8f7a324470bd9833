"""What a coordinator limited to a subtree may see and change in the editor.

An account scoped to a unit edits the units of its subtree (adding units under it,
closing them, moving them within it or out of it) and the people who answer only for
units of its subtree (or for none yet: a new focal point); the calendar-wide parts
(obligations, days off, supervisors, the calendar's header) and the people who also
answer for other units belong to the coordinators above. The checks compare the
documents before and after an edit, so no form can slip past them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store.models import Unit
from store.scopes import Scope
from web.routes.editor_forms import Document, entries, show

PEOPLE_LINKS = ("focal_point", "head")


def scope_root(session: Session, scope: Scope) -> str | None:
    """The key of the account's root unit (None: the whole calendar)."""
    unit = session.get(Unit, scope.root_unit_id) if scope.root_unit_id else None
    return unit.key if unit is not None else None


def subtree(document: Document, root: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for unit in entries(document, "units"):
        children.setdefault(str(unit.get("parent")), []).append(str(unit.get("id")))
    out: set[str] = set()
    todo = [root]
    while todo:
        key = todo.pop()
        if key not in out:
            out.add(key)
            todo.extend(children.get(key, []))
    return out


def linked(document: Document, person: str) -> set[str]:
    """The units whose focal point or head `person` is."""
    return {
        str(u.get("id"))
        for u in entries(document, "units")
        if person in show(u.get("focal_point")).replace(",", " ").split() or u.get("head") == person
    }


def outside_scope(before: Document, after: Document, root: str | None) -> list[str]:
    """What an account limited to the subtree of `root` changed outside it (None: all)."""
    if root is None:
        return []
    was_mine, now_mine = subtree(before, root), subtree(after, root)
    mine = was_mine | now_mine
    old = {str(u.get("id")): u for u in entries(before, "units")}
    new = {str(u.get("id")): u for u in entries(after, "units")}
    # An existing unit is his if it was in his subtree (he may move it out, never pull
    # another's in); a new one if it is placed in his subtree.
    out = [
        k
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k) and k not in (was_mine if k in old else now_mine)
    ]
    if root in old and root in new and old[root].get("parent") != new[root].get("parent"):
        out.append(root)
    was = {str(p.get("id")): p for p in entries(before, "people")}
    now = {str(p.get("id")): p for p in entries(after, "people")}
    for pid in sorted(set(was) | set(now)):
        if was.get(pid) != now.get(pid) and (linked(before, pid) | linked(after, pid)) - mine:
            out.append(pid)
    for name in sorted(set(before) | set(after)):
        if name not in ("units", "people") and before.get(name) != after.get(name):
            out.append(name)
    return out


def tree_order(units: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """Units in tree order (each under its parent), with their depth; a unit whose parent
    is not among them starts a tree of its own."""
    ids = {str(u.get("id")) for u in units}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for unit in units:
        parent = str(unit.get("parent")) if unit.get("parent") else None
        children.setdefault(parent if parent in ids else None, []).append(unit)
    out: list[tuple[dict[str, Any], int]] = []
    seen: set[str] = set()
    todo = [(u, 0) for u in reversed(children.get(None, []))]
    while todo:
        unit, depth = todo.pop()
        key = str(unit.get("id"))
        if key in seen:
            continue
        seen.add(key)
        out.append((unit, depth))
        todo.extend((c, depth + 1) for c in reversed(children.get(key, [])))
    out.extend((u, 0) for u in units if str(u.get("id")) not in seen)  # a cycle: still listed
    return out


def visible(document: Document, root: str | None) -> tuple[list[Any], list[Any]]:
    """(units, people) of the document that an account scoped to `root` works with."""
    units, people = entries(document, "units"), entries(document, "people")
    if root is None:
        return units, people
    mine = subtree(document, root)
    return (
        [u for u in units if str(u.get("id")) in mine],
        [p for p in people if linked(document, str(p.get("id"))) <= mine],
    )

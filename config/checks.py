"""The checks that span sections: duplicate ids, references to people and units that must
exist, the unit tree without loops, what an obligation's receiver, submitters and feeds
name; and `id_list`, the reader of the id lists those references are made of.

Reading one obligation's own fields is in `obligations`, which records each obligation's
node in the `Context` so these checks can name the line.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from config.source import Node, Report, read
from config.values import ID_HINT, check_id
from deadlines.model import PARENT, Obligation, Person, Supervisor, Unit


def id_list(node: Node | None, report: Report) -> list[str]:
    if node is None or node.value is None:
        return []
    items = list(node.items()) if node.is_list else [node]
    return [v for item in items if (v := read(item, check_id, report, ID_HINT))]


@dataclass
class Context:
    """What cross-section checks need: the report and what has been read so far."""

    report: Report
    people: list[Person]
    units: list[Unit]

    def __post_init__(self) -> None:
        self.person_ids = {p.id for p in self.people}
        self.unit_ids = {u.id for u in self.units}
        self.kinds = sorted({u.kind for u in self.units})
        self.obligation_nodes: dict[str, Node] = {}

    def _duplicates(self, section: Node | None, label: str) -> None:
        first: dict[str, int | None] = {}
        for item in section.items() if section is not None and section.is_list else []:
            idn = item.child("id") if item.is_map else None
            if idn is None or not isinstance(idn.value, str):
                continue
            if idn.value in first:
                self.report.error(
                    idn, f"mã {label} '{idn.value}' bị trùng (đã có ở dòng {first[idn.value]})"
                )
            else:
                first[idn.value] = idn.line

    def _unit_nodes(self, root: Node) -> dict[str, Node]:
        section = root.child("units")
        out: dict[str, Node] = {}
        for item in section.items() if section is not None and section.is_list else []:
            idn = item.child("id") if item.is_map else None
            if idn is not None and isinstance(idn.value, str):
                out.setdefault(idn.value, item)
        return out

    def check_people_and_units(self, root: Node) -> None:
        self._duplicates(root.child("people"), "người")
        self._duplicates(root.child("units"), "đơn vị")
        nodes = self._unit_nodes(root)
        parents = {u.id: u.parent for u in self.units}
        for unit in self.units:
            node = nodes.get(unit.id)
            if unit.successor is not None and unit.successor not in self.unit_ids:
                self.report.error(
                    node and node.child("successor"),
                    f"đơn vị kế thừa '{unit.successor}' không có trong units",
                    self._some(self.unit_ids),
                )
            if unit.parent is not None and unit.parent not in self.unit_ids:
                self.report.error(
                    node and node.child("parent"),
                    f"đơn vị cấp trên '{unit.parent}' không có trong units",
                    self._some(self.unit_ids),
                )
            for pid in (*unit.focal_points, *([unit.head] if unit.head else [])):
                if pid not in self.person_ids:
                    field = "focal_point" if pid in unit.focal_points else "head"
                    self.report.error(
                        node and node.child(field),
                        f"người '{pid}' không có trong people",
                        self._some(self.person_ids),
                    )
        reported: set[str] = set()
        for unit in self.units:
            path, cur = [unit.id], parents.get(unit.id)
            while cur is not None and cur in parents and cur not in path:
                path.append(cur)
                cur = parents.get(cur)
            if cur is not None and cur in path and not reported & set(path):
                loop = [*path[path.index(cur) :], cur]
                reported.update(loop)
                node = nodes.get(cur)
                self.report.error(
                    node and node.child("parent"),
                    "cây đơn vị có vòng lặp: " + " → ".join(loop),
                    "mỗi đơn vị chỉ có một cấp trên và không quay lại chính nó",
                )

    def check_supervisors(self, sups: list[Supervisor], section: Node | None) -> None:
        items = list(section.items()) if section is not None and section.is_list else []
        for sup, node in zip(sups, [i for i in items if i.is_map], strict=False):
            if sup.person not in self.person_ids:
                self.report.error(
                    node.child("person"),
                    f"người '{sup.person}' không có trong people",
                    self._some(self.person_ids),
                )
            for root in sup.units:
                if root not in self.unit_ids:
                    self.report.error(
                        node.child("units"),
                        f"đơn vị '{root}' không có trong units",
                        self._some(self.unit_ids),
                    )

    def check_obligations(self, obligations: list[Obligation], section: Node | None) -> None:
        self._duplicates(section, "nghĩa vụ")
        ids = {o.id for o in obligations}
        counts = {i: sum(o.id == i for o in obligations) for i in ids}
        for ob in obligations:
            if counts[ob.id] > 1:  # already reported; its node is ambiguous
                continue
            node = self.obligation_nodes[ob.id]
            for receiver in ob.all_receivers():
                if receiver != PARENT and receiver not in self.unit_ids:
                    self.report.error(
                        node.child("receiver"),
                        f"đơn vị nhận '{receiver}' không có trong units",
                        self._some(self.unit_ids) + ", hoặc parent",
                    )
            subs = node.child("submitters")
            assert subs is not None
            for kind in ob.submitters.kinds:
                if kind not in self.kinds:
                    self.report.error(
                        subs.child("kinds"),
                        f"không có đơn vị nào thuộc loại '{kind}'",
                        ", ".join(self.kinds),
                    )
            for field, refs in (
                ("units", ob.submitters.units),
                ("subtrees", ob.submitters.subtrees),
                ("exclude", ob.submitters.exclude),
            ):
                for ref in refs:
                    if ref not in self.unit_ids:
                        self.report.error(
                            subs.child(field),
                            f"đơn vị '{ref}' không có trong units",
                            self._some(self.unit_ids),
                        )
            if ob.feeds is not None and "/" not in ob.feeds:
                if ob.feeds not in ids:
                    self.report.error(
                        node.child("feeds"),
                        f"nghĩa vụ '{ob.feeds}' không có trong obligations",
                        ", ".join(sorted(ids)),
                    )
                elif ob.feeds == ob.id:
                    self.report.error(
                        node.child("feeds"), "một nghĩa vụ không thể tổng hợp vào chính nó"
                    )

    def _some(self, ids: set[str]) -> str:
        """A few valid ids as an error's hint; one per set, or a file of 20,000 wrong
        references sorted 20,000 ids for each of them (minutes in `check`)."""
        hints: dict[int, str] = self.__dict__.setdefault("_hints", {})
        if id(ids) not in hints:
            shown = heapq.nsmallest(6, ids)
            more = "" if len(ids) <= 6 else f", … ({len(ids)} mã)"
            hints[id(ids)] = ", ".join(shown) + more if shown else "(chưa có mã nào)"
        return hints[id(ids)]

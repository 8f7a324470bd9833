"""YAML read with positions: every value knows its line, so every error can name it.

ruamel.yaml (YAML 1.2) is used rather than PyYAML, which reads `NO` as false and `0123`
as 83; duplicate keys are errors, not silently overwritten. Every parser event is seen by
`_Shape` before the composer acts on it, bounding the file's nesting and aliases: a short
file of aliases can expand to billions of values, and deep nesting would exhaust the
composer's recursion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)
from ruamel.yaml.parser import RoundTripParser

from config.errors import ConfigIssue
from config.yaml_vi import problem_vi
from deadlines import bounds
from deadlines.bounds import shown

T = TypeVar("T")


@dataclass
class Report:
    """Collects issues for one file; the loader fails if any were recorded."""

    file: str
    issues: list[ConfigIssue] = field(default_factory=list)

    def error(self, node: Node | None, message: str, hint: str | None = None) -> None:
        self.issues.append(
            ConfigIssue(
                self.file,
                node.line if node else None,
                node.path if node else "",
                message,
                hint,
            )
        )


@dataclass
class Node:
    value: Any
    path: str
    line: int | None

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def child(self, key: str) -> Node | None:
        if not self.is_map or key not in self.value:
            return None
        line = self.line
        if isinstance(self.value, CommentedMap):
            # The key's line: for a block value the value itself starts a line later,
            # but the person looks for the field's name.
            with contextlib.suppress(KeyError):  # a key merged in by `<<:` has no line here
                line = self.value.lc.key(key)[0] + 1
        name = key_text(key)
        path = f"{self.path}.{name}" if self.path else name
        return Node(self.value[key], path, line)

    def items(self) -> Iterator[Node]:
        for i, item in enumerate(self.value if self.is_list else []):
            line = self.line
            if isinstance(self.value, CommentedSeq):
                line = self.value.lc.item(i)[0] + 1
            if isinstance(item, CommentedMap) and item.lc.line is not None:
                line = item.lc.line + 1
            yield Node(item, f"{self.path}[{i}]", line)

    def entries(self) -> Iterator[tuple[str, Node]]:
        for key in self.value if self.is_map else []:
            node = self.child(key)
            assert node is not None
            yield key_text(key), node


def key_text(key: Any, limit: int = 80) -> str:
    """A mapping key as a field name: a table or list used as a key is not expanded."""
    text = str(key) if isinstance(key, (str, int, float)) or key is None else type(key).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


SHAPE = {
    "size": "tệp lịch quá lớn ({size} byte); tối đa {max} byte",
    "depth": "lồng quá {max} cấp",
    "recursive": "bí danh *{name} nằm trong chính giá trị nó trỏ tới",
    "anchor": "nhãn &{name} đã đặt ở dòng {line}; mỗi nhãn chỉ đặt một lần",
    "key": "khóa phải là một giá trị đơn, không phải bảng, danh sách hay bí danh",
    "nodes": "tệp lịch có quá {max} giá trị",
    "expanded": "bí danh *{name} làm tệp lịch quá lớn khi mở rộng (quá {max} giá trị)",
}


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


class _Shape:
    """Refuses nesting deeper than YAML_MAX_DEPTH, an anchor set twice, a recursive alias,
    and aliases that expand past YAML_MAX_NODES, one parser event at a time: before the
    composer recurses or anything is built."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}  # expanded values under each anchor
        self.lines: dict[str, int] = {}  # where each anchor was set
        self.open: list[tuple[str | None, int]] = []  # (anchor, count when it opened)
        self.children: list[int] = []  # per open mapping, nodes so far; -1 for a list
        self.total = 0

    def see(self, event: Any) -> None:
        line = event.start_mark.line + 1
        anchor = getattr(event, "anchor", None)
        if isinstance(event, (AliasEvent, CollectionStartEvent, ScalarEvent)):
            self._child(event, line)
        if isinstance(event, AliasEvent):
            name = str(anchor)
            if any(name == a for a, _ in self.open):
                raise _Refused(line, SHAPE["recursive"].format(name=name[:40]))
            self._grow(self.sizes.get(name, 1), line, name[:40])
            return
        if anchor is not None:
            if anchor in self.lines:  # ruamel would warn and silently use the second
                first = self.lines[anchor]
                raise _Refused(line, SHAPE["anchor"].format(name=str(anchor)[:40], line=first))
            self.lines[anchor] = line
        if isinstance(event, CollectionStartEvent):
            self._grow(1, line, None)
            self.open.append((anchor, self.total))
            self.children.append(0 if isinstance(event, MappingStartEvent) else -1)
            if len(self.open) > bounds.YAML_MAX_DEPTH:
                raise _Refused(line, SHAPE["depth"].format(max=bounds.YAML_MAX_DEPTH))
        elif isinstance(event, CollectionEndEvent):
            opened, start = self.open.pop()
            self.children.pop()
            if opened is not None:
                self.sizes[opened] = self.total - start + 1
        elif isinstance(event, ScalarEvent):
            self._grow(1, line, None)
            if anchor is not None:
                self.sizes[anchor] = 1

    def _child(self, event: Any, line: int) -> None:
        """A mapping's key must be a plain value: a table or list as a key (which no
        calendar needs) can even break ruamel's constructor with a TypeError."""
        if not self.children or self.children[-1] < 0:
            return
        if self.children[-1] % 2 == 0 and not isinstance(event, ScalarEvent):
            raise _Refused(line, SHAPE["key"])
        self.children[-1] += 1

    def _grow(self, size: int, line: int, alias: str | None) -> None:
        self.total += size
        if self.total > bounds.YAML_MAX_NODES:
            limit = _count(bounds.YAML_MAX_NODES)
            if alias is None:  # plain values only: the file's own size bound
                raise _Refused(line, SHAPE["nodes"].format(max=limit))
            raise _Refused(line, SHAPE["expanded"].format(name=alias, max=limit))


class _Composer(Composer):
    """Quiet about an anchor set twice: `_Shape` refuses it as an error with its line."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False


class _BoundedParser(RoundTripParser):
    """ruamel's own parser, every event it hands the composer seen by `_Shape` first."""

    def get_event(self) -> Any:
        event = super().get_event()
        shape = self.__dict__.setdefault("_shape", _Shape())
        shape.see(event)
        return event


def parse_yaml(text: str, report: Report) -> Node | None:
    size = len(text.encode("utf-8", "replace"))
    if size > bounds.CALENDAR_MAX_BYTES:
        report.issues.append(ConfigIssue(report.file, 1, "", too_big(size)))
        return None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.Parser, yaml.Composer = _BoundedParser, _Composer
    try:
        data = yaml.load(text)
    except _Refused as exc:
        report.issues.append(ConfigIssue(report.file, exc.line, "", exc.message))
        return None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = problem_vi(exc.problem or exc.context or "") or "lỗi cú pháp"
        problem = problem if len(problem) <= 200 else problem[:199] + "…"
        report.issues.append(ConfigIssue(report.file, line, "", f"lỗi cú pháp YAML: {problem}"))
        return None
    except YAMLError as exc:
        problem = str(exc) if len(str(exc)) <= 200 else str(exc)[:199] + "…"
        report.issues.append(ConfigIssue(report.file, 1, "", f"lỗi cú pháp YAML: {problem}"))
        return None
    if not isinstance(data, dict):
        report.issues.append(
            ConfigIssue(report.file, 1, "", "tệp lịch phải là một bảng YAML (calendar, units, ...)")
        )
        return None
    return Node(data, "", 1)


def too_big(size: int) -> str:
    return SHAPE["size"].format(size=_count(size), max=_count(bounds.CALENDAR_MAX_BYTES))


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check_keys(node: Node, allowed: set[str], required: set[str], report: Report) -> bool:
    """Report unknown and missing keys; False if `node` is not a mapping at all."""
    if not node.is_map:
        report.error(node, "phải là một bảng khóa: giá trị", ", ".join(sorted(allowed)))
        return False
    for key, child in node.entries():
        if key not in allowed:
            report.error(child, f"khóa {shown(key)} không được hỗ trợ", ", ".join(sorted(allowed)))
    for key in sorted(required - set(node.value)):
        report.error(node, f"thiếu khóa bắt buộc '{key}'")
    return True


def read(
    node: Node | None, parse: Callable[[Any], T], report: Report, hint: str | None = None
) -> T | None:
    """Parse `node.value`; on failure record the error and return None."""
    if node is None:
        return None
    if node.value is None:
        report.error(node, "không được để trống", hint)
        return None
    value = node.value
    try:
        if isinstance(parse, type) and issubclass(parse, Enum):  # its error repr()s the value
            value = scalar(value)
        return parse(value)
    except ValueError as exc:
        report.error(node, str(exc), hint)
        return None


def scalar(value: Any, limit: int = bounds.NAME_MAX) -> str:
    """A scalar's text, for every value parser: an alias of a list or a table used where one
    value belongs is refused here, before str() could expand it, and so is a giant value."""
    if isinstance(value, (dict, list, set)):
        raise ValueError("phải là một giá trị đơn, không phải bảng hay danh sách")
    return bounds.check_text(str(value), limit)


def text(value: Any, limit: int = bounds.NAME_MAX) -> str:
    out = scalar(value, limit).strip()
    if not out:
        raise ValueError("không được để trống")
    return out


def long_text(value: Any) -> str:
    """A sentence quoted from a document (`source:`): a paragraph, not a name."""
    return text(value, bounds.TEXT_MAX)

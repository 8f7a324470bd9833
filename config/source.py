"""YAML read with positions: every value knows its line, so every error can name it.

ruamel.yaml (YAML 1.2) is used rather than PyYAML, which reads `NO` as false and `0123`
as 83; duplicate keys are errors, not silently overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from config.errors import ConfigIssue
from config.yaml_vi import problem_vi

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
            line = self.value.lc.key(key)[0] + 1
        path = f"{self.path}.{key}" if self.path else key
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
            yield str(key), node


def parse_yaml(text: str, report: Report) -> Node | None:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = problem_vi(exc.problem or exc.context or "") or "lỗi cú pháp"
        report.issues.append(ConfigIssue(report.file, line, "", f"lỗi cú pháp YAML: {problem}"))
        return None
    except YAMLError as exc:
        report.issues.append(ConfigIssue(report.file, None, "", f"lỗi cú pháp YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        report.issues.append(
            ConfigIssue(report.file, 1, "", "tệp lịch phải là một bảng YAML (calendar, units, ...)")
        )
        return None
    return Node(data, "", 1)


def check_keys(node: Node, allowed: set[str], required: set[str], report: Report) -> bool:
    """Report unknown and missing keys; False if `node` is not a mapping at all."""
    if not node.is_map:
        report.error(node, "phải là một bảng khóa: giá trị", ", ".join(sorted(allowed)))
        return False
    for key, child in node.entries():
        if key not in allowed:
            report.error(child, f"khóa '{key}' không được hỗ trợ", ", ".join(sorted(allowed)))
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
    try:
        return parse(node.value)
    except ValueError as exc:
        report.error(node, str(exc), hint)
        return None


def text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError("phải là một chuỗi, không phải bảng hay danh sách")
    out = str(value).strip()
    if not out:
        raise ValueError("không được để trống")
    return out

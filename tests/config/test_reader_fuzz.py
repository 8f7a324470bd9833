"""Fuzzing the calendar reader (hypothesis, bounded budget, runs in CI).

Whatever a file holds, `check` ends in exactly one of two ways: a valid calendar that
`plan` can lay out for any year it accepts, or CalendarError whose every line names the
file (and the line when there is one). Never a traceback: no RecursionError, no
OverflowError, no TypeError from a value of the wrong shape.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import CalendarError
from config.loader import load_calendar_text
from deadlines import bounds
from deadlines.plan import year_plan
from tests.config.test_loader_errors import BASE

EXAMPLES = sorted((Path(__file__).parents[2] / "config" / "examples").glob("*.yaml"))
TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
_WHERE = re.compile(r"^fuzz\.yaml:\d+: \S")

# Values a person (or an attacker) could put anywhere in a calendar.
NASTY = [
    "*a",
    "&a [x, x, x]",
    "&b {a: 1}",
    "&m {id: m, name: M, kind: commune}",
    "{<<: *m, id: n}",
    "{<<: [*m, *b], id: n}",
    "[*a, *a, *a, *a]",
    "-99999999999d",
    "-" + "9" * 5000 + "d",
    "99999999999d",
    "9000h",
    "53w",
    "31/12/9999",
    "01/01/0001",
    "9999-12-31",
    "2025-06-15 10:00:00",
    "29/02",
    "before 31/12/9999",
    "before day 99",
    "by 15/01 next year",
    '"xa-a\\n"',
    "'Xã A'",
    "[" * 60 + "]" * 60,
    "{a: " * 60 + "1" + "}" * 60,
    "null",
    "~",
    "true",
    "0x1F",
    "1e400",
    ".nan",
    "-0",
    "[]",
    "{}",
    "''",
    "!!binary aGVsbG8=",
    "!custom x",
    "? [a, b]\n  : c",
    "? [{x: 1}]\n  : c",
    "{? [*m]\n  : c}",
    "|\n  nhiều\n  dòng",
    "@minh_thu",
    "Asia/Ho_Chi_Minh",
    "nd09",
    "15/12 - 14/06",
    "07:30-17:00",
    "25:99",
    "supervisor",
]
_KEY_VALUE = re.compile(r"^(\s*(?:- )?[A-Za-z_0-9]+:)\s*(.*)$")


def check(text: str) -> None:
    try:
        calendar = load_calendar_text(text, "fuzz.yaml")
    except CalendarError as exc:
        assert exc.errors
        for issue in exc.errors:
            assert _WHERE.match(str(issue)), str(issue)
            assert len(str(issue)) < 2000
        return
    for year in (bounds.FIRST_YEAR, 2025, bounds.LAST_YEAR):
        year_plan(calendar, year, None)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """An example calendar with a few lines' values replaced, lines dropped or repeated,
    or characters spliced in."""
    lines = draw(st.sampled_from(TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "value", "drop", "repeat", "splice"]))
        if action == "value" and (m := _KEY_VALUE.match(lines[i])):
            value = draw(st.sampled_from(NASTY) | st.text(max_size=12))
            lines[i] = f"{m.group(1)} {value}"
        elif action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        else:
            at = draw(st.integers(0, len(lines[i])))
            bit = draw(st.sampled_from(["*", "&a ", "[", "{", ":", "- ", "\t", "#", '"', "\\"]))
            lines[i] = lines[i][:at] + bit + lines[i][at:]
        if not lines:
            break
    return "\n".join(lines) + "\n"


_SCALARS = st.one_of(
    st.sampled_from(NASTY), st.text(max_size=20), st.integers(), st.floats(), st.booleans()
)
_KEYS = st.sampled_from(
    [
        "calendar",
        "organisation",
        "units",
        "people",
        "obligations",
        "defaults",
        "id",
        "name",
        "kind",
        "parent",
        "due",
        "period",
        "reminders",
        "escalation",
        "after",
        "to",
        "opened",
        "submitters",
        "kinds",
        "receiver",
        "open_before",
        "days_off",
        "date",
        "x",
    ]
)


def _yaml(value: object, indent: str = "") -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        return "".join(f"\n{inner}{k}: {_yaml(v, inner)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v, indent) for v in value) + "]" if value else "[]"
    if isinstance(value, str) and value in NASTY:
        return value if "\n" not in value else '"x"'
    return repr(value) if isinstance(value, str) else str(value)


documents = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=30,
).map(lambda doc: _yaml(doc).lstrip("\n") + "\n")


def test_examples_are_valid_and_plan() -> None:
    assert len(TEXTS) >= 5
    for text in TEXTS:
        check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_examples_are_a_calendar_or_file_line_errors(text: str) -> None:
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_are_a_calendar_or_file_line_errors(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_calendar_or_file_line_errors(text: str) -> None:
    check(text)


@st.composite
def extreme(draw: st.DrawFn) -> str:
    """A valid calendar whose day counts and dates sit anywhere within deadlines.bounds,
    the edges included: whatever check accepts, plan must lay out."""
    most = bounds.MAX_SPAN_DAYS
    offsets = sorted(draw(st.lists(st.integers(-most, 0), min_size=1, max_size=4, unique=True)))
    afters = sorted(draw(st.lists(st.integers(1, most * 24), min_size=1, max_size=3, unique=True)))
    day = draw(st.dates(bounds.EARLIEST_DATE, bounds.LATEST_DATE))
    due = draw(st.sampled_from(["before 01/01", "by 31/12", "before 15/06", "by 29/12"]))
    one_off = draw(st.dates(bounds.EARLIEST_DATE, bounds.LATEST_DATE))
    return (
        BASE.replace(
            "reminders: [-7d, -1d, 0d]", f"reminders: [{', '.join(f'{o}d' for o in offsets)}]"
        )
        .replace(
            "defaults:\n",
            "defaults:\n  escalation: ["
            + ", ".join(f"{{after: {a}h, to: head}}" for a in afters)
            + f"]\n  open_before: {draw(st.integers(1, most))}d\n",
        )
        .replace("opened: 01/01/2020", f"opened: {day:%d/%m/%Y}")
        .replace("due: before 15/12", f"due: {due}")
        .replace(
            "days_off:\n",
            "  - {id: dot-xuat, name: Đột xuất, period: one_off, "
            f"due: 'by {one_off:%d/%m/%Y}', submitters: {{kinds: [commune]}}, "
            "receiver: phong-ld}\n"
            "days_off:\n",
        )
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extreme())
def test_values_at_the_bounds_plan_for_every_year(text: str) -> None:
    check(text)

"""Canonical JSON of domain values: what the store compares, hashes and freezes.

The same value always gives the same text (keys sorted, tuples as lists, dates in ISO
8601), so a hash says whether anything changed and a cycle's frozen snapshot can be
compared field by field with today's calendar.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from datetime import date, datetime, time, timedelta
from typing import Any

JSON = Any
"""A value made only of dict, list, str, int, float, bool and None."""


def to_json(value: object) -> JSON:
    """`value` (dataclasses of `deadlines.model`, enums, dates, durations...) as plain JSON."""
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no canonical form")
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [to_json(v) for v in value]
        return sorted(items, key=canonical) if isinstance(value, frozenset | set) else items
    raise TypeError(f"no canonical JSON for {type(value).__name__}")


def iso_duration(delta: timedelta) -> str:
    """ISO 8601 duration, e.g. `P3D`, `PT36H` -> `P1DT12H`, `-P1D`."""
    sign, delta = ("-", -delta) if delta < timedelta(0) else ("", delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if delta.microseconds:
        clock = clock.removesuffix(f"{seconds}S") + f"{seconds}.{delta.microseconds:06d}S"
    body = (f"{delta.days}D" if delta.days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{body or '0D'}"


def canonical(value: JSON) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8 kept readable."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: JSON) -> str:
    """sha256 (hex) of the canonical text of a JSON value."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()

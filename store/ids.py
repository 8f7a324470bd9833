"""Row ids as they arrive from outside (a URL, a form, a cursor): only values an id
column can hold, so a 25-digit number is "no such row", never a driver's overflow.

Ids are `Integer` columns: 32-bit on PostgreSQL; SQLite's driver overflows at 2**63.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1


def parse_id(text: object) -> int | None:
    """The id written in `text` (ASCII digits only), or None when it cannot be one."""
    value = str(text or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None

"""Telegram's HTML rules for `parse_mode=HTML`, minimally, as the fake Bot API applies
them: the tags Telegram knows, each closed in order, entities it knows, and the 4,096
character limit counted on the parsed text in UTF-16 units. What Telegram refuses is
answered with its 400 "can't parse entities" description, so a sender that cuts inside a
tag or an entity fails here as it would there.

Kept apart from the fake's server and rate limits (tests/fakes/telegram_api.py)."""

# ruff: noqa: E501

from __future__ import annotations

import html
import re

LIMIT = 4096
TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
ENTITIES = {"lt", "gt", "amp", "quot"}
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


class _Offset:
    """The byte offset of character i, worked out only when an error names it."""

    def __init__(self, text: str, i: int) -> None:
        self.text, self.i = text, i

    def __str__(self) -> str:
        return str(len(self.text[: self.i].encode("utf-8")))


def check(text: str) -> str | None:
    """The Bad Request description Telegram would give, or None when accepted."""
    stack: list[str] = []
    plain: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        offset = _Offset(text, i)
        if ch == "<":
            tag = _TAG.match(text, i)
            if tag is None:
                return f"Bad Request: can't parse entities: Unexpected character at byte offset {offset}"
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in TAGS:
                kind = "end" if closing else "start"
                return f'Bad Request: can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'expected "</{stack[-1]}>", ' if stack else ""
                    return (
                        "Bad Request: can't parse entities: Unmatched end tag at byte offset "
                        f'{offset}, {expected}found "</{name}>"'
                    )
                stack.pop()
            else:
                stack.append(name)
            i = tag.end()
            continue
        if ch == "&":
            entity = _ENTITY.match(text, i)
            if entity is not None:
                value = entity.group(1)
                if not value.startswith("#") and value.lower() not in ENTITIES:
                    return f"Bad Request: can't parse entities: Unsupported HTML entity at byte offset {offset}"
                plain.append(html.unescape(entity.group(0)))
                i = entity.end()
                continue
        plain.append(ch)
        i += 1
    if stack:
        return f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
    parsed = "".join(plain)
    if not parsed.strip():
        return "Bad Request: message text is empty"
    if len(parsed.encode("utf-16-le")) // 2 > LIMIT:
        return "Bad Request: message is too long"
    return None

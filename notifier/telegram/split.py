"""Telegram texts cut into messages Telegram accepts: at most `LIMIT` characters each,
cut between paragraphs, else lines, else words, never inside a tag or an entity, every
part's HTML balanced (tags open at the cut are closed there and opened again at the
start of the next part).

A digest of 300 overdue units is some 40,000 characters: cut once at 4,096 it broke a
`<b>`, Telegram refused it ("can't parse entities"), the refusal was permanent and the
digest never arrived. Now it arrives whole, in as many messages as it needs.

Lengths are counted in UTF-16 code units of the markup, as Telegram counts (an emoji is
two) and never less than the text Telegram measures after parsing.
"""

from __future__ import annotations

import html
import re

LIMIT = 4096
MAX_PARTS = 40
"""A text longer than this many messages is cut, its last part saying so (`CUT_NOTE`)."""
CUT_NOTE = "\n…"
_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|\n|[^<&\n ]{1,200}| +|[<&]")
_TEXT_TOKEN = re.compile(r"\n|[^\n ]{1,200}| +")
_OPEN = re.compile(r"<([A-Za-z][\w-]*)\b[^<>]*>")
_CLOSE = re.compile(r"</([A-Za-z][\w-]*)\s*>")


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _closers(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _step(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    if (close := _CLOSE.fullmatch(token)) is not None:
        name = close.group(1).lower()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                return stack[:i] + stack[i + 1 :]
        return stack
    if (opened := _OPEN.fullmatch(token)) is not None:
        return [*stack, (opened.group(1).lower(), token)]
    return stack


def _cut(tokens: list[str], start: int, end: int) -> int:
    """Where to end a part holding tokens[start:end]: after the last blank line, else
    line break, else space in its second half; at `end` when there is none."""
    middle = start + (end - start) // 2
    for blank_line in (True, False):
        for i in range(end - 1, middle, -1):
            if tokens[i] == "\n" and (not blank_line or tokens[i - 1] == "\n"):
                return i + 1
    for i in range(end - 1, middle, -1):
        if tokens[i].startswith(" "):
            return i + 1
    return end


def split(text: str, limit: int = LIMIT, markup: bool = True) -> list[str]:
    """`text` as parts of at most `limit` units; one part when it fits."""
    if units(text) <= limit:
        return [text]
    tokens = (_TOKEN if markup else _TEXT_TOKEN).findall(text)
    stacks: list[list[tuple[str, str]]] = []  # the open tags after each token
    stack: list[tuple[str, str]] = []
    for token in tokens:
        stack = _step(stack, token) if markup else stack
        stacks.append(stack)
    parts: list[str] = []
    start = 0
    while start < len(tokens):
        before = stacks[start - 1] if start else []
        size = units(_openers(before))
        end = start
        while end < len(tokens):
            grown = size + units(tokens[end])
            if grown + units(_closers(stacks[end])) > limit:
                break
            size = grown
            end += 1
        cut = end if end == len(tokens) else max(_cut(tokens, start, end), start + 1)
        body = _openers(before) + "".join(tokens[start:cut]) + _closers(stacks[cut - 1])
        parts.append(body.strip("\n "))
        start = cut
        while start < len(tokens) and not tokens[start].strip():
            start += 1
    parts = [p for p in parts if p]
    if len(parts) > MAX_PARTS:
        parts = parts[:MAX_PARTS]
        last = parts[-1]
        parts[-1] = last if units(last) + len(CUT_NOTE) <= limit else split(last, limit - 2)[0]
        parts[-1] += CUT_NOTE
    return parts


def plain(markup: str) -> str:
    """The text of Telegram HTML without its tags: what to send when Telegram refuses
    the markup itself, so the message is never lost to a formatting error."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))

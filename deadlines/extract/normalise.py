"""Text normalisation for Vietnamese administrative documents, keeping every position.

Documents arrive as OCR output, Word paragraphs or PDF text: decomposed diacritics, odd
dashes and quotes, markdown emphasis, page numbers in the middle of sentences, lines
wrapped mid-phrase. `normalise()` cleans all that and keeps, for every character it
produces, the offset of the character it came from, so evidence can always point at the
original line and column. `fold()` gives the diacritic-free lower-case twin (same length)
that the rules match against, so "thâng" (OCR for "tháng") and "hàng năm"/"hằng năm" match
the same patterns.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

_CHAR_MAP = {
    "\u00a0": " ",
    "\t": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u2026": "...",
    "\f": "\n",
    "\v": "\n",
    "\u2028": "\n",
    "\u2029": "\n",
}
_DROP = {"\r", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"}

# Lines that carry no text of the document: page numbers, table rules, lone separators.
_NOISE_LINE = re.compile(r"^\s*(?:\d{1,3}|[|_=~*\-]+|-\s*\d{1,3}\s*-)\s*$")


@dataclass(frozen=True, slots=True)
class Position:
    """Where a character sits in the original text (line and column are 1-based)."""

    line: int
    column: int
    offset: int

    def label(self) -> str:
        return f"dòng {self.line}, cột {self.column}"


@dataclass(frozen=True)
class Normalised:
    """Cleaned text, its folded twin, and the way back to the original."""

    original: str
    text: str
    folded: str
    origin: tuple[int, ...]
    """origin[i] is the offset in `original` of text[i]; one extra entry for the end."""
    line_starts: tuple[int, ...]
    """Offsets in `original` where each line begins."""

    def position(self, index: int) -> Position:
        offset = self.origin[min(max(index, 0), len(self.origin) - 1)]
        line = bisect_right(self.line_starts, offset)
        return Position(line=line, column=offset - self.line_starts[line - 1] + 1, offset=offset)


def fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[:1] or char
    low = base.lower()
    return low if len(low) == 1 else base


def fold(text: str) -> str:
    """Lower case without diacritics; one character out for every character in."""
    return "".join(fold_char(c) for c in text)


def _clusters(original: str) -> list[tuple[str, int]]:
    """NFC per base character + combining marks, each result tagged with its origin."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(original)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(original[j]):
            j += 1
        for c in unicodedata.normalize("NFC", original[i:j]):
            out.append((c, i))
        i = j
    return out


def _map_chars(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    k = 0
    while k < len(chars):
        c, o = chars[k]
        if c == "*" and k + 1 < len(chars) and chars[k + 1][0] == "*":
            k += 2  # markdown emphasis left by converters
            continue
        if c in _DROP:
            k += 1
            continue
        for m in _CHAR_MAP.get(c, c):
            out.append((m, o))
        k += 1
    return out


def _split_lines(chars: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    lines: list[list[tuple[str, int]]] = [[]]
    for item in chars:
        if item[0] == "\n":
            lines.append([])
        else:
            lines[-1].append(item)
    return lines


def _clean_line(line: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for c, o in line:
        if c == " " and (not out or out[-1][0] == " "):
            continue
        out.append((c, o))
    while out and out[-1][0] == " ":
        out.pop()
    return out


def normalise(original: str) -> Normalised:
    chars = _map_chars(_clusters(original))
    text_chars: list[tuple[str, int]] = []
    blank_pending = False
    for raw in _split_lines(chars):
        line = _clean_line(raw)
        content = "".join(c for c, _ in line)
        if not content:
            blank_pending = bool(text_chars)
            continue
        if _NOISE_LINE.match(content):
            continue  # dropped entirely: a page number often sits inside a sentence
        if text_chars:
            anchor = line[0][1]
            text_chars.append(("\n", anchor))
            if blank_pending:
                text_chars.append(("\n", anchor))
        blank_pending = False
        text_chars.extend(line)
    text = "".join(c for c, _ in text_chars)
    origin = (*(o for _, o in text_chars), len(original))
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", original)]
    return Normalised(
        original=original,
        text=text,
        folded=fold(text),
        origin=origin,
        line_starts=tuple(starts),
    )


# Domain phrases whose diacritics OCR often garbles ("Vi sự tiền bộ"). Multi-word phrases
# are distinctive enough to restore from their folded form; single words are not (OCR's
# "thâng" is "tháng", but "thắng" is a word too), except a count of months: "6 thâng".
_CANONICAL = (
    "vì sự tiến bộ của phụ nữ",
    "vì sự tiến bộ phụ nữ",
    "bình đẳng giới",
    "Lao động - Thương binh và Xã hội",
    "báo cáo",
    "sơ kết",
    "tổng kết",
    "kế hoạch",
    "kết quả",
    "công tác",
    "thực hiện",
)
_MONTHS_COUNT = re.compile(r"(?<!\w)(\d{1,2}) (thang)(?!\w)")


def restore_phrases(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Restore the diacritics of known domain phrases; return the text and the fixes made."""
    fixes: list[tuple[str, str]] = []
    for phrase in _CANONICAL:
        pattern = re.compile(r"(?<!\w)" + re.escape(fold(phrase)) + r"(?!\w)")
        text = _replace(text, pattern, _constant(phrase), fixes)
    return _replace(text, _MONTHS_COUNT, _months_count, fixes), fixes


def _constant(phrase: str) -> Callable[[str], str]:
    return lambda found: phrase


def _months_count(found: str) -> str:
    return found.split(" ")[0] + " tháng"


def _replace(
    text: str,
    pattern: re.Pattern[str],
    make: Callable[[str], str],
    fixes: list[tuple[str, str]],
) -> str:
    folded = fold(text)
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(folded):
        found = text[m.start() : m.end()]
        wanted = make(found)
        if found.lower() == wanted.lower():
            continue
        fixed = wanted if wanted[:1].isupper() else _match_case(found, wanted)
        pieces.append(text[last : m.start()] + fixed)
        last = m.end()
        fixes.append((found, fixed))
    return "".join(pieces) + text[last:] if pieces else text


def _match_case(found: str, phrase: str) -> str:
    return phrase[0].upper() + phrase[1:] if found[:1].isupper() else phrase

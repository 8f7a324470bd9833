"""Sentences of a normalised document, as spans that keep their place in the original.

Scans wrap lines in the middle of a phrase, so a line break alone ends nothing; a sentence
ends at a full stop followed by a capital, at "./.", at a blank line, or where the next
line opens a list item ("- ", "1. ", "II. ", "a) ").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from deadlines.extract.normalise import Normalised, fold

_ITEM = re.compile(r"\n(?=(?:[-+·•◦▪]\s|\d{1,2}[.)]\s|[IVX]{1,5}\.\s|[a-zđ]\)\s|[A-Z]\.\s))")
_BLANK = re.compile(r"\n\s*\n")
_STOP = re.compile(r"\./\.|[.!?](?=\s+[\"'(]?(\w))")
# "Sở Lao động\n- Thương binh và Xã hội" wraps at the dash of the name, not at a list item.
_WRAPPED_NAME = re.compile(r"lao dong\s*$")
_ABBREVIATIONS = ("tp", "tx", "đ/c", "v.v", "ths", "ts", "ks", "bs", "pgs", "gs", "st", "tt")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str
    """The sentence with line breaks turned into spaces (same length as the span)."""
    folded: str


def _cut_points(text: str) -> list[int]:
    cuts = {0, len(text)}
    cuts.update(m.start() for m in _BLANK.finditer(text))
    folded = fold(text)
    for m in _ITEM.finditer(text):
        if not _WRAPPED_NAME.search(folded, max(0, m.start() - 12), m.start()):
            cuts.add(m.start() + 1)
    for m in _STOP.finditer(text):
        if m.group(1) is not None and not m.group(1).isupper():
            continue  # a stop inside a sentence ("Chủ.\ntịch" in a scan, "TP. Thanh Hoá")
        word = re.search(r"(\S+)$", text[max(0, m.start() - 8) : m.start()])
        if word and word.group(1).lower().strip("(") in _ABBREVIATIONS:
            continue
        cuts.add(m.end())
    return sorted(cuts)


def sentences(doc: Normalised) -> list[Sentence]:
    text = doc.text
    out: list[Sentence] = []
    cuts = _cut_points(text)
    for a, b in itertools.pairwise(cuts):
        while a < b and text[a] in " \n":
            a += 1
        while b > a and text[b - 1] in " \n":
            b -= 1
        if b - a < 3:
            continue
        out.append(Sentence(a, b, text[a:b].replace("\n", " "), doc.folded[a:b].replace("\n", " ")))
    return out


def clause_bounds(folded: str, index: int) -> tuple[int, int]:
    """The clause around `index`: the text between the semicolons or colons that enclose it."""
    left = max(folded.rfind(";", 0, index), folded.rfind(":", 0, index))
    right_candidates = [p for p in (folded.find(";", index),) if p != -1]
    right = min(right_candidates) if right_candidates else len(folded)
    return left + 1, right

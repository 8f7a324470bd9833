"""Propose reporting obligations from the text of a Vietnamese guidance document.

`extract(text, source)` reads a kế hoạch, hướng dẫn or công văn and returns proposals:
obligations as the document states them, each field with the words and position it came
from, and flags for what is missing or ambiguous. Pure: text in, values out; no model,
no download, no I/O.
"""

from deadlines.extract.propose import extract
from deadlines.extract.types import DocumentInfo, Evidence, Extraction, Flag, Proposal

__all__ = ["DocumentInfo", "Evidence", "Extraction", "Flag", "Proposal", "extract"]

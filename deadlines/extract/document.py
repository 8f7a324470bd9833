"""What the header of a document says about it: number, date of issue, the issuer's level.

The date of issue is context (the year of the calendar, a distractor never proposed); the
level tells what "các địa phương" means: districts to a province, communes to a district.
"""

from __future__ import annotations

import re
from datetime import date

from deadlines.extract.normalise import Normalised
from deadlines.extract.types import DocumentInfo

_HEADER_CHARS = 1500
_NUMBER = re.compile(
    r"^so\s*:\s*(?P<n>\d{1,5})\s*/\s*(?P<k>[a-z0-9\-]+(?:/[a-z0-9\-]+)?)", re.MULTILINE
)
_NUMBER_BRACKET = re.compile(r"\((?P<n>\d{1,5})/(?P<k>[a-z0-9\-]+)\)")
_ISSUED = re.compile(r"ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s+nam\s+(?P<y>(?:19|20)\d\d)")
_TITLE_YEAR = re.compile(r"(?<!\w)nam\s+(?P<y>(?:19|20)\d\d)(?!\w)")
_ISSUER = re.compile(
    r"(?:uy\s+ban\s+nhan\s+dan|ubnd)\s+(?P<lvl>tinh|thanh\s+pho|huyen|thi\s+xa|quan|xa|phuong)(?!\w)"
)
_HEADER_LINE = re.compile(r"^(?P<lvl>tinh|huyen|thi\s+xa|quan|xa|phuong)\s+\w", re.MULTILINE)
_LEVELS = {
    "tinh": "province",
    "thanh pho": "province",
    "huyen": "district",
    "thi xa": "district",
    "quan": "district",
    "xa": "commune",
    "phuong": "commune",
}


def document_info(doc: Normalised) -> DocumentInfo:
    head = doc.folded[:_HEADER_CHARS]
    number = None
    m = _NUMBER.search(head) or _NUMBER_BRACKET.search(head)
    if m:
        number = doc.text[m.start("n") : m.end("k")].replace(" ", "")
    issued = None
    d = _ISSUED.search(head)
    if d:
        try:
            issued = date(int(d["y"]), int(d["m"]), int(d["d"]))
        except ValueError:
            issued = None
    year = issued.year if issued else None
    if year is None:
        t = _TITLE_YEAR.search(head)
        year = int(t["y"]) if t else None
    return DocumentInfo(number=number, issued=issued, year=year, level=_level(doc.folded))


def _level(folded: str) -> str | None:
    head = folded[:600]
    m = _ISSUER.search(head) or _HEADER_LINE.search(head)
    if m:
        return _LEVELS[re.sub(r"\s+", " ", m["lvl"])]
    # Who the document addresses tells its level: only a province writes to districts.
    if re.search(r"(?<!\w)(?:cac\s+huyen|so\s+lao\s+dong|ubnd\s+tinh|cac\s+so)(?!\w)", folded):
        return "province"
    if re.search(r"(?<!\w)cac\s+xa,?\s+(?:phuong|thi\s+tran)(?!\w)", folded):
        return "district"
    return None

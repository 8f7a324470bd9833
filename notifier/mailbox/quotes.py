"""What the person wrote, without what they quoted: the reply text of a message.

A reply carries our reminder below (or above) what the focal point typed, and the
reminder names other documents (`45/KH-UBND`, the plan the report answers): a number
must come from the person's own words. Pure text functions.

The quote starts at the first of:
- an attribution line, "On … wrote:" / "Vào … đã viết:" (Gmail, Thunderbird, Apple
  Mail, mobile clients), possibly wrapped over up to three lines; when `>` lines follow
  it, only those are the quote and what comes after them is the person's again (a reply
  written below the quote, or between its lines);
- an Outlook header block, "From:/Sent:/Subject:" or "Từ:/Đã gửi:/Chủ đề:" (also on one
  line, as Outlook for mobile writes it), or Outlook's line of underscores;
- a banner: "-----Original Message-----", "-----Thư gốc-----", Gmail's
  "---------- Forwarded message ---------" / "Thư đã chuyển tiếp", Apple Mail's "Begin
  forwarded message:" / "Bắt đầu thư được chuyển tiếp:";
and any line starting with `>` is quoted wherever it stands.
"""

from __future__ import annotations

import html
import re
import unicodedata

from notifier.mailbox.autoreply import fold

BANNER = re.compile(
    r"^(?:-{2,}|_{2,}|={2,})\s*(?:original message|forwarded message|thu goc|tin nhan goc"
    r"|thu da chuyen tiep|thu chuyen tiep|message d'origine|reply message)"
    r"\s*(?:-{2,}|_{2,}|={2,})?$"
    r"|^(?:begin forwarded message|bat dau thu (?:duoc )?chuyen tiep)\s*:?$"
    r"|^_{10,}$"
)
"""Folded (ASCII, lower case) lines that open a quoted or forwarded original."""
FIELD_FROM = re.compile(r"^\*?(?:from|tu|nguoi gui)\s*:\*?")
FIELD_OTHER = re.compile(
    r"(?:^|\s)\*?(?:sent|date|da gui|ngay gui|ngay|thoi gian|gui luc|subject|chu de|tieu de)\s*:"
)
ATTRIBUTION_END = re.compile(r"(?:wrote|da viet|a ecrit|schrieb)\s*:\s*$")
ATTRIBUTION_START = re.compile(r"^(?:on|vao|luc|ngay|thu|le|am|el|\d)")
HEADER_WINDOW = 6


def _attribution(folded: list[str], i: int) -> int:
    """Lines (1-3) of the attribution starting at line i; 0 if none starts there."""
    first = folded[i]
    if not first:
        return 0
    for k in (1, 2, 3):
        joined = " ".join(folded[i : i + k])
        if ATTRIBUTION_END.search(joined):
            if ATTRIBUTION_START.match(first) or (k == 1 and "@" in first):
                return k
            return 0
    return 0


def _header_block(folded: list[str], i: int) -> bool:
    start = FIELD_FROM.match(folded[i])
    if start is None:
        return False
    if FIELD_OTHER.search(folded[i][start.end() :]):
        return True  # all on one line (Outlook for mobile)
    window = folded[i + 1 : i + 1 + HEADER_WINDOW]
    return sum(1 for w in window if FIELD_OTHER.match(w)) >= 1


def new_text(body: str) -> str:
    """The part the sender wrote: above the quote, and below a `>` quote."""
    lines = unicodedata.normalize("NFC", body).splitlines()
    folded = [">" if line.lstrip().startswith(">") else fold(line) for line in lines]
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if folded[i] == ">":
            i += 1
            continue
        k = _attribution(folded, i)
        if k:
            rest = [f for f in folded[i + k :] if f]
            if rest and rest[0] == ">":
                i += k  # a `>` quote follows: the person may write below it
                continue
            break
        if BANNER.match(folded[i]) or _header_block(folded, i):
            break
        kept.append(lines[i])
        i += 1
    return "\n".join(kept).strip()


_DROP = re.compile(r"<(head|style|script|title)\b.*?</\1\s*>", re.I | re.S)
_QUOTE = re.compile(r"<blockquote\b[^>]*>(?:(?!<blockquote\b).)*?</blockquote\s*>", re.I | re.S)
_BREAK = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d|hr)\b[^>]*>", re.I)


def html_text(markup: str) -> str:
    """Text of an HTML body, its `<blockquote>`s (Gmail's, Apple Mail's and
    Thunderbird's quotes) given as `>` lines so `new_text` sets them apart."""
    markup = _DROP.sub("", markup)
    for _ in range(20):  # innermost quotes first; nesting beyond that stays as text
        replaced = _QUOTE.sub("\n>\n", markup)
        if replaced == markup:
            break
        markup = replaced
    markup = _BREAK.sub("\n", markup)
    markup = re.sub(r"<[^>]+>", "", markup)
    text = html.unescape(markup).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.splitlines())

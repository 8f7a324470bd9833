"""Who a reply is from: the From header read strictly, or not at all.

A reply is credited to the unit whose focal point's address is in From, and with
`IMAP_AUTHSERV_ID` to the domain the receiving server's DMARC check speaks for. Lenient
readers disagree about odd From headers, and the disagreement is the attack: for
`From: a@unit.example <evil@attacker.example>` Python's parser answers `a@unit.example`
while the receiving server checks (and a mail client shows) `attacker.example`. So a From
is accepted only when every reader must agree on it:

- exactly one From header holding exactly one mailbox (no list, no group);
- the mailbox is `addr-spec` or `display-name <addr-spec>`, nothing after it, no comments;
- the addr-spec is a dot-atom local part `@` a host name (ASCII letters, digits, hyphens;
  IDNs in their `xn--` form, as the sender's client writes them);
- the display name, once its quoted strings and encoded words are read, holds no `@`,
  `<` or `>`: `"a@unit.example" <evil@attacker.example>` shows the unit's address to a
  coordinator while coming from elsewhere.

Anything else is a reply from nobody: it is quarantined, saying why, never matched.
Pure and stdlib-only; it reads the header values as they stand (not RFC 2047-decoded,
so an encoded word cannot hide a `<` from the grammar) and never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.header import decode_header, make_header

MAX_FROM_CHARS = 998
"""RFC 5322's line limit: a longer From is nobody's."""

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = rf"{_ATOM}(?:\.{_ATOM})*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})+"
_ADDR = rf"(?P<local>{_LOCAL})@(?P<domain>{_HOST})"
_QUOTED = r'"(?:[^"\\\r\n]|\\[^\r\n])*"'
_WORD = rf"(?:{_QUOTED}|[^\s\"<>()@,;:\\\[\]]+)"
_PHRASE = rf"{_WORD}(?:\s+{_WORD})*"
_BARE = re.compile(rf"\s*{_ADDR}\s*")
_NAMED = re.compile(rf"\s*(?P<name>{_PHRASE})?\s*<{_ADDR}>\s*")
_UNSAFE_IN_NAME = re.compile(r"[@<>]")


@dataclass(frozen=True, slots=True)
class Sender:
    address: str
    """Lower case `local@domain`."""
    domain: str
    """Lower case; the one domain a DMARC verdict must name."""


@dataclass(frozen=True, slots=True)
class NoSender:
    why: str
    """`from_<why>` in the strings: none, many, long, unreadable, name."""
    shown: str = ""
    """The From as written (one line, shortened), or the number of From headers."""

    @property
    def reason(self) -> str:
        """Vietnamese, for the coordinator: why this From names nobody (the templates are
        loaded here, not at import: the parsing child never needs them)."""
        from notifier.render import text

        return text("vi", f"from_{self.why}", shown=self.shown)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def _display(name: str) -> str:
    """The display name a mail client shows: quoted strings unquoted, encoded words read."""
    text = re.sub(r'"((?:[^"\\]|\\.)*)"', lambda m: re.sub(r"\\(.)", r"\1", m.group(1)), name)
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError):  # an undecodable word: as written
        return text


def read_from(values: list[str]) -> Sender | NoSender:
    """The one sender of a message whose From header(s) are `values` (raw, in order)."""
    if not values:
        return NoSender("none")
    if len(values) > 1:
        return NoSender("many", str(len(values)))
    value = _unfold(values[0])
    if len(value) > MAX_FROM_CHARS:
        return NoSender("long")
    shown = " ".join(value.split())[:120]
    match = _BARE.fullmatch(value) or _NAMED.fullmatch(value)
    if match is None:
        return NoSender("unreadable", shown)
    name = match.groupdict().get("name") or ""
    if _UNSAFE_IN_NAME.search(_display(name)):
        return NoSender("name", shown)
    domain = match.group("domain").lower()
    return Sender(f"{match.group('local').lower()}@{domain}", domain)

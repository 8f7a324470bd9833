"""Authentication-Results (RFC 8601): did the receiving server authenticate the sender?

A reply is matched to a unit by its From address, and From is whatever the sender typed.
What cannot be typed is the verdict of the organisation's own receiving server, which
checks SPF, DKIM and DMARC on arrival and writes the results into `Authentication-Results`
headers. Only that server's headers count: anybody can add an Authentication-Results
header to the message he sends, with any authserv-id and any verdict, so a header whose
authserv-id is not ours (`IMAP_AUTHSERV_ID`) is ignored whatever it says and wherever it
stands. The server in turn must remove incoming headers that bear its own id (RFC 8601
§5); that is a requirement on its configuration, not something a reader can check.

A sender is authenticated when a trusted header says

- `dmarc=pass` naming the From domain itself as `header.from` (a verdict that names no
  domain may be about another reading of From than ours, see `notifier.mailbox.sender`), or
- `dkim=pass` for a signer (`header.d`, else the domain of `header.i`) aligned with the
  From domain, or
- `spf=pass` for an `smtp.mailfrom` domain aligned with the From domain,

and no trusted header says `dmarc=fail`: the server's own DMARC verdict wins over any
single check, so a header carrying our id that slipped through cannot outvote it.

Aligned means the From domain itself or one of its subdomains: whoever runs a subdomain
was given it by the From domain's owner. The other direction (a parent domain signing
for `syt.thu.gov.vn`) is not accepted: telling `thu.gov.vn` from `gov.vn` needs the
public suffix list, which the receiving server's DMARC check has, so such mail is
authenticated by its `dmarc=pass` instead.

Pure and stdlib-only. It parses header values as they stand in the message, never
RFC 2047-decoded, so an encoded word cannot spell our authserv-id past the server's
filter. Nothing here raises on hostile input: what cannot be read is not trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHECKED = ("dmarc", "dkim", "spf")
"""The methods that can authenticate a sender; others (iprev, arc, auth, ...) are read
but never credited."""

_KEYWORD = r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_VALUE = r'"(?:[^"\\]|\\.)*"?[^\s";]*|[^\s";]+'
"""A token, a quoted string, or a quoted local part with its domain (`"a;b"@example.org`)."""
_ID = re.compile(rf"\s*({_VALUE})\s*(?:(\d+)\s*)?$")
_METHOD = re.compile(rf"\s*({_KEYWORD})\s*(?:/\s*(\d+)\s*)?=\s*({_KEYWORD})")
_REASON = re.compile(rf"\s+reason\s*=\s*({_VALUE})", re.I)
_PROPERTY = re.compile(rf"\s+({_KEYWORD})\s*\.\s*({_KEYWORD})\s*=\s*({_VALUE})")
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


@dataclass(frozen=True, slots=True)
class Result:
    """One `method=result` with its properties (`header.d`, `smtp.mailfrom`, ...)."""

    method: str
    """Lower case: dmarc, dkim, spf, iprev, ..."""
    result: str
    """Lower case: pass, fail, softfail, none, neutral, temperror, permerror, policy, ..."""
    properties: tuple[tuple[str, str], ...] = ()
    """(`ptype.property` in lower case, value as written, unquoted)."""

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.properties if k == name), None)

    def __str__(self) -> str:
        return f"{self.method}={self.result}"


@dataclass(frozen=True, slots=True)
class Header:
    authserv_id: str
    results: tuple[Result, ...]


@dataclass(frozen=True, slots=True)
class Check:
    """Whether the sender is authenticated, and what the coordinator is told if not."""

    ok: bool
    detail: str
    """Vietnamese: what passed when ok (for the log), what failed otherwise."""

    @property
    def reason(self) -> str:
        return f"không xác thực được người gửi: {self.detail}"


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n", "", value).replace("\r", "").replace("\t", " ")


def _strip_comments(value: str) -> str:
    """Comments (nested, with quoted pairs) become a space; quoted strings are kept, so a
    parenthesis inside quotes is text. An unclosed comment runs to the end."""
    out: list[str] = []
    depth = 0
    quoted = False
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and (quoted or depth):
            if not depth:
                out.append(value[i : i + 2])
            i += 2
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(c, 0)
            if not depth:
                out.append(" ")
        elif c == '"':
            quoted = not quoted
            out.append(c)
        elif c == "(" and not quoted:
            depth = 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _split(value: str) -> list[str]:
    """Split at semicolons outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for c in value:
        if escaped:
            escaped = False
        elif c == "\\" and quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(c)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    """A whole quoted string's content; anything else as written."""
    if len(value) > 1 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _resinfo(segment: str) -> Result | None:
    """`method[/version]=result [reason=...] [ptype.property=value ...]`; None unless the
    whole segment reads so (a result half understood is not credited)."""
    match = _METHOD.match(segment)
    if match is None:
        return None
    pos = match.end()
    reason = _REASON.match(segment, pos)
    if reason is not None:
        pos = reason.end()
    properties = []
    while (prop := _PROPERTY.match(segment, pos)) is not None:
        key = f"{prop.group(1)}.{prop.group(2)}".lower()
        properties.append((key, _unquote(prop.group(3))))
        pos = prop.end()
    if segment[pos:].strip():
        return None
    return Result(match.group(1).lower(), match.group(3).lower(), tuple(properties))


def parse_header(value: str) -> Header | None:
    """One Authentication-Results value; None when its authserv-id cannot be read or its
    version is not 1 (RFC 8601 §2.2: such a header is ignored). Results that cannot be
    read are left out; `none` (no checks done) is a header without results."""
    segments = _split(_strip_comments(_unfold(value)))
    first = _ID.match(segments[0])
    if first is None or (first.group(2) is not None and first.group(2).lstrip("0") != "1"):
        return None
    authserv_id = _unquote(first.group(1)).strip()
    if not authserv_id:
        return None
    results = []
    for segment in segments[1:]:
        if not segment.strip() or segment.strip().lower() == "none":
            continue
        result = _resinfo(segment)
        if result is not None:
            results.append(result)
    return Header(authserv_id, tuple(results))


def trusted(values: Iterable[str], authserv_id: str) -> list[Header]:
    """The headers written by the server named `authserv_id` (compared case-insensitively);
    everything else (other ids, unreadable headers) is dropped."""
    wanted = authserv_id.strip().lower()
    headers = (parse_header(v) for v in values)
    return [h for h in headers if h is not None and h.authserv_id.lower() == wanted]


def normalise_domain(domain: str) -> str:
    """Lower case, no trailing dot, IDNA (A-label) form; "" when it is not a domain name."""
    d = domain.strip().strip("<>").rstrip(".").lower()
    if "@" in d:
        d = d.rsplit("@", 1)[1]
    if not d.isascii():
        try:
            d = d.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    return d if len(d) <= 253 and _DOMAIN.fullmatch(d) else ""


def aligned(domain: str, from_domain: str) -> bool:
    """`domain` (a DKIM signer, an SPF MAIL FROM) may speak for `from_domain`: it is that
    domain or one of its subdomains (see the module's docstring for why not a parent)."""
    d, f = normalise_domain(domain), normalise_domain(from_domain)
    return bool(d and f) and (d == f or d.endswith("." + f))


def _credit(result: Result, from_domain: str) -> tuple[bool, str]:
    """(counts, how to describe it): only a pass can count, and only for the From domain."""
    if result.result != "pass":
        return False, str(result)
    if result.method == "dmarc":
        header_from = result.get("header.from")
        if header_from is None:
            return False, f"{result} (không ghi header.from)"
        if normalise_domain(header_from) == normalise_domain(from_domain):
            return True, f"{result} (header.from={header_from})"
        return False, f"{result} (header.from={header_from}, không phải miền {from_domain})"
    if result.method == "dkim":
        signer = result.get("header.d") or result.get("header.i")
        name = "header.i" if signer and not result.get("header.d") else "header.d"
    else:
        signer = result.get("smtp.mailfrom")
        name = "smtp.mailfrom"
    if not signer:
        return False, f"{result} (không có {name})"
    if aligned(signer, from_domain):
        return True, f"{result} ({name}={signer})"
    return False, f"{result} ({name}={signer}, không thuộc miền {from_domain})"


def authenticate(values: Sequence[str], from_domains: Sequence[str], authserv_id: str) -> Check:
    """Whether the trusted Authentication-Results authenticate the (single) From domain.

    `values` are the raw Authentication-Results values, `from_domains` the domains of
    every address in the From header(s): a message with none or several has no one
    sender a DMARC verdict could be about, and one without a domain nothing to align."""
    if len(from_domains) != 1:
        many = f"thư có {len(from_domains)} địa chỉ người gửi (From)"
        return Check(False, many if from_domains else "thư không có địa chỉ người gửi (From)")
    from_domain = normalise_domain(from_domains[0])
    if not from_domain:
        return Check(False, f"địa chỉ người gửi không có tên miền hợp lệ ({from_domains[0]!r})")
    headers = trusted(values, authserv_id)
    if not headers:
        others = len(values)
        tail = f" (bỏ qua {others} tiêu đề của máy chủ khác hoặc không đọc được)" if others else ""
        return Check(False, f"không có Authentication-Results của {authserv_id}{tail}")
    results = [r for h in headers for r in h.results if r.method in CHECKED]
    if not results:
        return Check(
            False, f"Authentication-Results của {authserv_id} không có kết quả dmarc, dkim, spf"
        )
    credited = [_credit(r, from_domain) for r in results]
    failed = Check(
        False,
        f"{authserv_id} ghi nhận " + ", ".join(dict.fromkeys(text for _, text in credited)),
    )
    if any(r.method == "dmarc" and r.result == "fail" for r in results):
        return failed
    passed = list(dict.fromkeys(text for ok, text in credited if ok))
    return Check(True, ", ".join(passed)) if passed else failed

"""Sender trust: From is read strictly (one mailbox, no display-name tricks) and a DMARC
pass counts only when it names the From domain (issue 12)."""

from __future__ import annotations

import pytest

from notifier.mailbox.apply import judge
from notifier.mailbox.parse import parse
from notifier.mailbox.sender import NoSender, Sender, read_from
from tests.notifier.test_reply_auth import OURS
from tests.notifier.test_reply_parse import TARGET, TOKEN


def as_received(from_line: bytes, authentication: bytes) -> bytes:
    """Bytes exactly as the receiving server stored them (no library re-encodes From)."""
    return (
        b"Authentication-Results: " + authentication + b"\r\n"
        b"From: " + from_line + b"\r\n"
        b"To: hanchot@tinh-thu.example\r\n"
        b"Subject: Re: Nhac han nop [HC-" + TOKEN.encode() + b"]\r\n"
        b"Message-ID: <forged-1@attacker.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Da nop, so 45/BC-SYT.\r\n"
    )


@pytest.mark.parametrize(
    "from_line",
    [
        b"a@thu.example <evil@attacker.example>",  # the issue's: Python read a@thu.example
        b'"a@thu.example" <evil@attacker.example>',
        b"=?utf-8?q?a=40thu=2Eexample?= <evil@attacker.example>",
        b"evil@attacker.example <a@thu.example>",
        b"a@thu.example, evil@attacker.example",
        b"Team: a@thu.example;",
        b"a@thu.example (evil@attacker.example)",
        b"<a@thu.example> evil@attacker.example",
        b"a@thu.example\r\nFrom: evil@attacker.example",
    ],
    ids=[
        "bare-address-as-name",
        "quoted-address-as-name",
        "encoded-address-as-name",
        "reversed",
        "two-mailboxes",
        "group",
        "comment",
        "trailing-address",
        "two-from-headers",
    ],
)
def test_a_from_that_is_not_exactly_one_plain_mailbox_is_credited_to_nobody(
    from_line: bytes,
) -> None:
    reply = parse(as_received(from_line, f"{OURS}; dmarc=pass".encode()))
    assert (reply.sender, reply.from_domains) == ("", ())
    assert reply.from_error
    for authserv_id in (OURS, ""):
        verdict = judge(reply, TARGET, authserv_id)
        assert (verdict.outcome.value, verdict.why) == ("quarantined", "bad_from")
        assert verdict.person is None and verdict.reason == reply.from_error


def test_a_dmarc_pass_naming_no_header_from_is_not_credited_to_the_unit() -> None:
    reply = parse(as_received(b"A <a@thu.example>", f"{OURS}; dmarc=pass".encode()))
    assert reply.sender == "a@thu.example"
    verdict = judge(reply, TARGET, OURS)
    assert (verdict.outcome.value, verdict.why) == ("quarantined", "unauthenticated")
    assert "không ghi header.from" in verdict.reason
    named = parse(
        as_received(b"A <a@thu.example>", f"{OURS}; dmarc=pass header.from=thu.example".encode())
    )
    assert judge(named, TARGET, OURS).outcome.value == "applied"


@pytest.mark.parametrize(
    ("values", "address"),
    [
        (["a@thu.example"], "a@thu.example"),
        (["A@Thu.Example"], "a@thu.example"),
        (["Trần Văn A <a@thu.example>"], "a@thu.example"),
        (['"Trần, Văn A" <a@thu.example>'], "a@thu.example"),
        (["=?utf-8?b?VHLhuqduIFbEg24gQQ==?= <a@thu.example>"], "a@thu.example"),
        (["Nguyen A.\r\n <a.b+c@mail.thu.example>"], "a.b+c@mail.thu.example"),
        (["<a@xn--th-e0a.example>"], "a@xn--th-e0a.example"),
    ],
)
def test_what_mail_clients_write_is_read(values: list[str], address: str) -> None:
    found = read_from(values)
    assert isinstance(found, Sender)
    assert found.address == address and found.domain == address.split("@")[1]


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([], "không có địa chỉ"),
        (["a@thu.example", "b@thu.example"], "2 tiêu đề"),
        (["x" * 2000 + "@thu.example"], "quá dài"),
        (["a@localhost"], "đúng một địa chỉ"),
        (['"a"@thu.example'], "đúng một địa chỉ"),
        (['"x@y" <a@thu.example>'], "chứa địa chỉ khác"),
        (["=?utf-8?q?=3Ca=40thu=2Eexample=3E?= <e@attacker.example>"], "chứa địa chỉ khác"),
    ],
)
def test_a_refusal_says_why_in_vietnamese(values: list[str], said: str) -> None:
    found = read_from(values)
    assert isinstance(found, NoSender) and said in found.reason

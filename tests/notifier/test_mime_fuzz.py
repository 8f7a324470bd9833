"""Property tests of the MIME parsing surface (issue 12): whatever bytes arrive, the
bounded parser answers a Reply or a Poison, never raises; well-formed mail within the
bounds is always read; mail beyond them is always poison. Bounded budget, run in CI."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.mailbox.bounds import Limits, Poison
from notifier.mailbox.isolate import parse_bounded
from notifier.mailbox.parse import Reply

LIMITS = Limits(max_bytes=200_000, max_header_bytes=8_000, max_containers=6, max_parts=12)


@dataclass(frozen=True)
class Leaf:
    content_type: bytes
    encoding: bytes
    body: bytes


@dataclass(frozen=True)
class Node:
    subtype: bytes
    children: tuple[Leaf | Node, ...]


_text = st.binary(max_size=200).map(lambda b: b"x" + b.replace(b"\r", b"").replace(b"\n-", b"\n -"))
leaves = st.builds(
    Leaf,
    st.sampled_from(
        [b"text/plain; charset=utf-8", b"text/html", b"application/pdf", b"text/calendar", b"x/y"]
    ),
    st.sampled_from([b"7bit", b"base64", b"quoted-printable", b"8bit", b"x-unknown"]),
    _text,
)
trees = st.recursive(
    leaves,
    lambda inner: st.builds(
        Node,
        st.sampled_from([b"mixed", b"alternative", b"related", b"digest"]),
        st.lists(inner, max_size=4).map(tuple),
    ),
    max_leaves=10,
)


def containers(tree: Leaf | Node) -> int:
    return 0 if isinstance(tree, Leaf) else 1 + sum(containers(c) for c in tree.children)


def parts(tree: Leaf | Node) -> int:
    """Parts inside multiparts (the message itself is not one)."""
    return 0 if isinstance(tree, Leaf) else sum(1 + parts(c) for c in tree.children)


def render(tree: Leaf | Node, serial: list[int]) -> bytes:
    if isinstance(tree, Leaf):
        return (
            b"Content-Type: " + tree.content_type + b"\r\n"
            b"Content-Transfer-Encoding: " + tree.encoding + b"\r\n"
            b'Content-Disposition: attachment; filename="t.pdf"\r\n\r\n' + tree.body + b"\r\n"
        )
    serial[0] += 1
    boundary = b"=_b%d" % serial[0]
    out = b"Content-Type: multipart/" + tree.subtype + b'; boundary="' + boundary + b'"\r\n\r\n'
    for child in tree.children:
        out += b"--" + boundary + b"\r\n" + render(child, serial)
    return out + b"--" + boundary + b"--\r\n"


def message(tree: Leaf | Node, subject: bytes = b"Re: [HC-ABCDEFGHJK]") -> bytes:
    head = (
        b"From: A <a@thu.example>\r\nTo: h@tinh.example\r\nSubject: " + subject + b"\r\n"
        b"Message-ID: <m@thu.example>\r\nMIME-Version: 1.0\r\n"
    )
    return head + render(tree, [0])


def mutate(raw: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for at, cut, insert in edits:
        at %= len(raw) + 1
        raw = raw[:at] + insert + raw[at + cut :]
    return raw


_edits = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        st.integers(0, 40),
        st.sampled_from(
            [b"", b"\r\n", b"--", b"\r\n\r\n", b"(", b"=?utf-8?b?", b"boundary=", b"\x00", b"\xff"]
        )
        | st.binary(max_size=20),
    ),
    max_size=6,
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(trees, _edits, st.binary(max_size=60))
def test_whatever_arrives_the_answer_is_a_reply_or_poison(
    tree: Leaf | Node, edits: list[tuple[int, int, bytes]], subject: bytes
) -> None:
    raw = mutate(message(tree, subject.replace(b"\n", b" ")), edits)
    result = parse_bounded(raw, LIMITS)
    assert isinstance(result, Reply | Poison)
    if isinstance(result, Poison):
        assert result.reason  # a Vietnamese reason renders for every class
    else:
        assert all(isinstance(p.data, bytes) for p in result.attachments)


@SETTINGS
@given(trees)
def test_well_formed_mail_within_the_bounds_is_read(tree: Leaf | Node) -> None:
    within = containers(tree) <= LIMITS.max_containers and parts(tree) <= LIMITS.max_parts
    result = parse_bounded(message(tree), LIMITS)
    assert isinstance(result, Reply) == within
    if isinstance(result, Reply):
        assert result.sender == "a@thu.example" and result.token == "ABCDEFGHJK"


@SETTINGS
@given(st.integers(LIMITS.max_containers + 1, 3000), st.sampled_from([b"mixed", b"digest"]))
def test_nesting_beyond_the_bound_is_poison_however_deep(depth: int, subtype: bytes) -> None:
    head = b"From: a@thu.example\r\nSubject: x\r\n"
    raw = head + b"".join(
        b"Content-Type: multipart/" + subtype + b"; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    result = parse_bounded(raw, LIMITS)
    assert isinstance(result, Poison) and result.why == "too_deep"

"""Authentication-Results parsing and the alignment rule: pure, on header values.

The hostile cases matter most: a sender writes whatever headers he likes, so only our
server's id counts, a verdict half understood is not credited, and a header that cannot
be read is not trusted.
"""

from __future__ import annotations

import pytest

from notifier.mailbox.authresults import (
    Header,
    Result,
    aligned,
    authenticate,
    normalise_domain,
    parse_header,
    trusted,
)

OURS = "mx.soldtbxh.example"


def test_a_typical_header_with_comments_and_several_results() -> None:
    header = parse_header(
        f"{OURS};\r\n"
        "\tdkim=pass (2048-bit key; unprotected) header.d=thu.example header.i=@thu.example\r\n"
        '\t header.s=mail header.b="Ab+/cd=";\r\n'
        "\tspf=pass (sender SPF authorized) smtp.mailfrom=bounce@thu.example;\r\n"
        "\tdmarc=pass (p=quarantine dis=none) header.from=thu.example"
    )
    assert header == Header(
        OURS,
        (
            Result(
                "dkim",
                "pass",
                (
                    ("header.d", "thu.example"),
                    ("header.i", "@thu.example"),
                    ("header.s", "mail"),
                    ("header.b", "Ab+/cd="),
                ),
            ),
            Result("spf", "pass", (("smtp.mailfrom", "bounce@thu.example"),)),
            Result("dmarc", "pass", (("header.from", "thu.example"),)),
        ),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{OURS} 1; none", Header(OURS, ())),
        (f"{OURS}; none", Header(OURS, ())),
        (
            f'"{OURS}"; spf=none smtp.mailfrom=x.example',
            Header(OURS, (Result("spf", "none", (("smtp.mailfrom", "x.example"),)),)),
        ),
        (
            "MX.SoLdtbxh.Example; dkim=NEUTRAL",
            Header("MX.SoLdtbxh.Example", (Result("dkim", "neutral"),)),
        ),
        (
            f"{OURS}; spf=temperror; dkim=permerror",
            Header(OURS, (Result("spf", "temperror"), Result("dkim", "permerror"))),
        ),
        (
            f"{OURS}; dkim/1 = pass header . d = thu.example",
            Header(OURS, (Result("dkim", "pass", (("header.d", "thu.example"),)),)),
        ),
        (
            f'{OURS}; dkim=fail reason="signature; (not) verified" header.d=thu.example',
            Header(OURS, (Result("dkim", "fail", (("header.d", "thu.example"),)),)),
        ),
        (
            f'{OURS}; spf=pass smtp.mailfrom="a;b"@thu.example',
            Header(OURS, (Result("spf", "pass", (("smtp.mailfrom", '"a;b"@thu.example'),)),)),
        ),
        (
            f"{OURS} (a comment; with) (nested (comments)); dmarc=pass",
            Header(OURS, (Result("dmarc", "pass"),)),
        ),
        (f"{OURS};;; dmarc=pass;", Header(OURS, (Result("dmarc", "pass"),))),
    ],
    ids=[
        "none-v1",
        "none",
        "quoted-id",
        "case",
        "errors",
        "spaces",
        "reason",
        "quoted-local",
        "comments",
        "empty-parts",
    ],
)
def test_the_grammar_of_rfc_8601(value: str, expected: Header) -> None:
    assert parse_header(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "; dmarc=pass",
        f"{OURS} 2; dmarc=pass",
        f"{OURS} extra words; dmarc=pass",
        "(only a comment); dmarc=pass",
    ],
    ids=["empty", "blank", "no-id", "version-2", "junk-after-id", "comment-id"],
)
def test_a_header_whose_authserv_id_cannot_be_read_is_no_header(value: str) -> None:
    assert parse_header(value) is None


@pytest.mark.parametrize(
    "value",
    [
        f"{OURS}; dmarc=pass header.from=thu.example trailing-garbage",
        f"{OURS}; =pass",
        f"{OURS}; dmarc pass",
        f"{OURS}; dkim=pass (unclosed comment header.d=thu.example",
        f"{OURS}; dkim=pass header.d",
    ],
    ids=["garbage", "no-method", "no-equals", "unclosed-comment", "property-without-value"],
)
def test_a_result_half_understood_is_not_credited(value: str) -> None:
    header = parse_header(value)
    assert header is not None and header.authserv_id == OURS
    assert not authenticate([value], ["thu.example"], OURS).ok


def test_hostile_sizes_are_read_in_linear_time() -> None:
    huge = 200_000
    for value in (
        "a" * huge + " x y",
        f"{OURS}; " + "(" * huge,
        f"{OURS}; dkim=pass " + "h.d=x " * (huge // 6) + "!",
        f"{OURS}; dkim=pass reason=" + '"\\' * huge,
        f"{OURS}; dkim=pass header.d=" + "a-" * huge + "!",
    ):
        assert not authenticate([value], ["thu.example"], OURS).ok


def test_only_our_servers_headers_are_trusted_case_insensitively() -> None:
    values = [
        "mx.evil.example; dmarc=pass header.from=thu.example",
        f"{OURS.upper()}; spf=fail smtp.mailfrom=thu.example",
        "not a header at all ;;; (",
        f"{OURS}.evil.example; dmarc=pass",
    ]
    assert [h.authserv_id for h in trusted(values, OURS)] == [OURS.upper()]
    assert trusted(values, "") == []


@pytest.mark.parametrize(
    ("domain", "from_domain", "ok"),
    [
        ("thu.example", "thu.example", True),
        ("THU.Example.", "thu.example", True),
        ("mail.thu.example", "thu.example", True),
        ("bounce@mail.thu.example", "thu.example", True),
        ("@thu.example", "thu.example", True),
        ("thu.example", "syt.thu.example", False),  # a parent: needs the public suffix list
        ("evilthu.example", "thu.example", False),
        ("thu.example.evil.example", "thu.example", False),
        ("gmail.example", "thu.example", False),
        ("", "thu.example", False),
        ("thu.example", "", False),
        ("thu..example", "thu.example", False),
        ("sởyt.example", "xn--syt-vnz.example", True),
    ],
)
def test_alignment_is_the_from_domain_or_a_subdomain(
    domain: str, from_domain: str, ok: bool
) -> None:
    assert aligned(domain, from_domain) is ok


def test_domains_are_normalised_or_refused() -> None:
    assert normalise_domain(" <Thu.Example.> ") == "thu.example"
    assert normalise_domain('"a@b"@thu.example') == "thu.example"
    assert normalise_domain("thu example") == ""
    assert normalise_domain("a" * 300 + ".example") == ""


def _ours(results: str) -> str:
    return f"{OURS}; {results}"


@pytest.mark.parametrize(
    ("values", "passed"),
    [
        ([_ours("dmarc=pass header.from=thu.example")], "dmarc=pass"),
        ([_ours("dkim=pass header.d=thu.example; dmarc=none")], "dkim=pass (header.d=thu.example)"),
        ([_ours("dkim=pass header.i=@mail.thu.example")], "dkim=pass (header.i=@mail.thu.example)"),
        ([_ours("dkim=fail header.d=thu.example; dkim=pass header.d=thu.example")], "dkim=pass"),
        ([_ours("spf=pass smtp.mailfrom=bounce@mail.thu.example")], "spf=pass"),
        (
            [
                _ours("spf=softfail smtp.mailfrom=x@thu.example"),
                _ours("dkim=pass header.d=thu.example"),
            ],
            "dkim=pass",
        ),
        (
            ["mx.evil.example; dmarc=fail", _ours("dmarc=pass header.from=thu.example")],
            "dmarc=pass",
        ),
    ],
    ids=[
        "dmarc",
        "dkim-d",
        "dkim-i",
        "second-signature",
        "spf",
        "two-headers",
        "other-fail-ignored",
    ],
)
def test_a_pass_for_the_from_domain_authenticates(values: list[str], passed: str) -> None:
    check = authenticate(values, ["thu.example"], OURS)
    assert check.ok and passed in check.detail


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([], f"không có Authentication-Results của {OURS}"),
        (
            ["mx.evil.example; dmarc=pass header.from=thu.example; dkim=pass header.d=thu.example"],
            "bỏ qua 1 tiêu đề của máy chủ khác",
        ),
        (
            [  # a forged pass placed above our real verdict
                "mx.evil.example; dmarc=pass; dkim=pass header.d=thu.example",
                _ours("dmarc=fail header.from=thu.example; spf=fail smtp.mailfrom=thu.example"),
            ],
            f"{OURS} ghi nhận dmarc=fail, spf=fail",
        ),
        (
            [  # the real verdict fails DMARC: an extra header with our id cannot outvote it
                _ours("dmarc=pass header.from=thu.example"),
                _ours("dmarc=fail header.from=thu.example"),
            ],
            "dmarc=fail",
        ),
        ([_ours("dmarc=fail; dkim=pass header.d=thu.example")], "dmarc=fail"),
        (
            [_ours("dkim=pass header.d=gmail.example; spf=pass smtp.mailfrom=x@gmail.example")],
            "dkim=pass (header.d=gmail.example, không thuộc miền thu.example)",
        ),
        ([_ours("dkim=pass")], "dkim=pass (không có header.d)"),
        ([_ours("spf=pass smtp.helo=mx.thu.example")], "spf=pass (không có smtp.mailfrom)"),
        (
            [_ours("dmarc=pass header.from=gmail.example")],
            "header.from=gmail.example, không phải miền thu.example",
        ),
        # a verdict naming no domain may be about another reading of From than ours
        ([_ours("dmarc=pass")], "dmarc=pass (không ghi header.from)"),
        (
            [_ours("spf=neutral; dkim=none; dmarc=temperror")],
            "spf=neutral, dkim=none, dmarc=temperror",
        ),
        ([_ours("none")], "không có kết quả dmarc, dkim, spf"),
        (
            [_ours("iprev=pass policy.iprev=192.0.2.1; auth=pass smtp.auth=a@thu.example")],
            "không có kết quả",
        ),
        ([f"{OURS} 2; dmarc=pass"], "không có Authentication-Results"),
        (["=?us-ascii?q?mx=2Esoldtbxh=2Eexample?=; dmarc=pass"], "không có Authentication-Results"),
    ],
    ids=[
        "no-header",
        "forged-only",
        "forged-above-ours",
        "fail-wins",
        "dmarc-fail-over-dkim",
        "unaligned",
        "dkim-without-domain",
        "spf-helo-only",
        "dmarc-other-from",
        "dmarc-no-header-from",
        "nothing-passes",
        "none",
        "other-methods",
        "unknown-version",
        "encoded-word-id",
    ],
)
def test_anything_else_is_not_authenticated_and_says_why(values: list[str], said: str) -> None:
    check = authenticate(values, ["thu.example"], OURS)
    assert not check.ok
    assert check.reason.startswith("không xác thực được người gửi: ")
    assert said in check.reason


@pytest.mark.parametrize(
    ("from_domains", "said"),
    [
        ((), "không có địa chỉ người gửi"),
        (("thu.example", "gmail.example"), "có 2 địa chỉ người gửi"),
        (("",), "không có tên miền hợp lệ"),
    ],
)
def test_no_single_from_domain_is_nothing_to_authenticate(
    from_domains: tuple[str, ...], said: str
) -> None:
    check = authenticate([_ours("dmarc=pass header.from=thu.example")], from_domains, OURS)
    assert not check.ok and said in check.detail

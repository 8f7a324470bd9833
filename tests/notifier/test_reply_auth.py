"""Authenticating a reply's sender: the setting, what parsing keeps, the judge, and the
start-up line. Pure except the settings' file; the mailbox path is in test_mailbox."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from notifier.mailbox.apply import judge
from notifier.mailbox.parse import parse
from notifier.mailbox.poller import Mailbox, MailboxPoller
from notifier.settings import ImapSettings, NotifierSettings, SettingsError
from store.enums import InboundOutcome
from tests.notifier.test_reply_parse import TARGET, raw

OURS = "mx.soldtbxh.example"


def received(*authentication: str, **kwargs: Any) -> bytes:
    """A reply as our server stores it: its Authentication-Results added on top, in order."""
    lines = b"".join(f"Authentication-Results: {v}\n".encode() for v in authentication)
    return lines + raw(**kwargs)


def test_the_setting_is_read_from_the_environment_or_a_file(tmp_path: Path) -> None:
    base = {"HANCHOT_DATA_DIR": str(tmp_path), "HANCHOT_SECRET": "k" * 32}
    assert NotifierSettings.from_env(base).imap.authserv_id == ""
    env = {**base, "IMAP_AUTHSERV_ID": f" {OURS} "}
    assert NotifierSettings.from_env(env).imap.authserv_id == OURS
    (tmp_path / "authserv").write_text(OURS + "\n")
    env = {**base, "IMAP_AUTHSERV_ID_FILE": str(tmp_path / "authserv")}
    assert NotifierSettings.from_env(env).imap.authserv_id == OURS


@pytest.mark.parametrize("value", ["mx.soldtbxh.example; dmarc=pass", "mx one", "mx(x)"])
def test_an_authserv_id_that_could_never_match_is_refused(tmp_path: Path, value: str) -> None:
    env = {"HANCHOT_DATA_DIR": str(tmp_path), "HANCHOT_SECRET": "k" * 32, "IMAP_AUTHSERV_ID": value}
    with pytest.raises(SettingsError, match="IMAP_AUTHSERV_ID"):
        NotifierSettings.from_env(env)


def test_parsing_keeps_the_headers_as_received_and_the_from_domain() -> None:
    reply = parse(
        received(
            f"{OURS};\n dkim=pass header.d=thu.example",
            "=?us-ascii?q?mx=2Esoldtbxh=2Eexample?=; dmarc=pass",
        )
    )
    assert reply.authentication == (
        f"{OURS};\n dkim=pass header.d=thu.example",
        "=?us-ascii?q?mx=2Esoldtbxh=2Eexample?=; dmarc=pass",
    )
    assert reply.from_domains == ("thu.example",)
    both = parse(raw(sender="A <a@thu.example>, B <b@gmail.example>"))
    assert (both.sender, both.from_domains) == ("", ())
    assert "đúng một địa chỉ người gửi" in both.from_error
    assert parse(raw()).authentication == ()


@pytest.mark.parametrize(
    ("message", "authserv_id", "outcome", "why"),
    [
        (received(f"{OURS}; dmarc=pass header.from=thu.example"), OURS, "applied", ""),
        (received(f"{OURS}; dkim=pass header.d=thu.example"), OURS, "applied", ""),
        (received("mx.evil.example; dmarc=pass"), OURS, "quarantined", "unauthenticated"),
        (raw(), OURS, "quarantined", "unauthenticated"),
        (received(f"{OURS}; dmarc=fail"), OURS, "quarantined", "unauthenticated"),
        (received("mx.evil.example; dmarc=pass"), "", "applied", ""),
        (raw(), "", "applied", ""),
        (
            received(f"{OURS}; dmarc=pass header.from=thu.example", sender="b@thu.example"),
            OURS,
            "quarantined",
            "not_focal_point",
        ),
    ],
    ids=[
        "ours-dmarc",
        "ours-dkim",
        "forged-only",
        "no-header",
        "ours-fail",
        "unset-forged",
        "unset-none",
        "stranger-stays-stranger",
    ],
)
def test_with_an_authserv_id_the_focal_point_must_be_authenticated(
    message: bytes, authserv_id: str, outcome: str, why: str
) -> None:
    verdict = judge(parse(message), TARGET, authserv_id)
    assert (verdict.outcome.value, verdict.why) == (outcome, why)
    if why == "unauthenticated":
        assert verdict.reason.startswith("không xác thực được người gửi: ")
        assert verdict.person is None and verdict.target is TARGET
    if verdict.outcome is InboundOutcome.APPLIED:
        assert verdict.person == (2, "fp-a")


def test_the_reason_names_the_missing_header_and_the_failed_checks() -> None:
    missing = judge(parse(received("mx.evil.example; dmarc=pass")), TARGET, OURS)
    assert f"không có Authentication-Results của {OURS}" in missing.reason
    failed = judge(
        parse(received(f"{OURS}; spf=softfail smtp.mailfrom=x@thu.example; dmarc=fail")),
        TARGET,
        OURS,
    )
    assert "spf=softfail" in failed.reason and "dmarc=fail" in failed.reason


class Scheduler:
    def __init__(self) -> None:
        self.jobs: list[str] = []

    def add_job(self, func: object, trigger: str, **kwargs: Any) -> None:
        self.jobs.append(kwargs["id"])


@pytest.mark.parametrize(
    ("authserv_id", "said"),
    [
        ("", "trusted by their From address and deadline token only"),
        (OURS, f"Authentication-Results from {OURS}"),
    ],
)
def test_start_up_says_once_how_senders_are_trusted(
    caplog: pytest.LogCaptureFixture, authserv_id: str, said: str
) -> None:
    poller = MailboxPoller(Mailbox(ImapSettings(authserv_id=authserv_id)), handler=None)  # type: ignore[arg-type]
    scheduler = Scheduler()
    with caplog.at_level(logging.INFO, logger="notifier.mailbox.poller"):
        poller.schedule(scheduler, 60)  # type: ignore[arg-type]
    assert scheduler.jobs == ["mailbox-poll"]
    lines = [r for r in caplog.records if r.name == "notifier.mailbox.poller"]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert said in lines[0].getMessage()

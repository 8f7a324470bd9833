"""The mailbox's Vietnamese words (`templates/vi/mail.toml`): why a file was not taken,
and the lines of `hanchot mail explain`. Apart from strings.toml, which the bots and
templates share: only the mailbox reads these."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from deadlines.vi import fmt_count
from notifier.mailbox.attachments import SIGNATURE_IMAGE_BYTES, Left
from notifier.mailbox.parse import Reply

STRINGS = Path(__file__).parents[1] / "templates" / "vi" / "mail.toml"


@cache
def strings() -> dict[str, dict[str, str]]:
    return tomllib.loads(STRINGS.read_text(encoding="utf-8"))


def left_reason(item: Left) -> str:
    """Why a file was not taken, in Vietnamese."""
    return strings()["left"][item.why].format(
        limit=fmt_count(SIGNATURE_IMAGE_BYTES), detail=item.detail
    )


def left_summary(reply: Reply) -> str:
    """One line listing the files not taken, for the inbound record and the note."""
    if not reply.left:
        return ""
    return "Không nhận: " + "; ".join(f"{i.file_name} ({left_reason(i)})" for i in reply.left)

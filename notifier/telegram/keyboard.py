"""Inline buttons and their callback data: short, signed, and naming store rows.

Telegram gives a button at most 64 bytes of callback data, and anyone can send a bot any
data they like, so the data is `action:row:signature` (e.g. `s:412:Zk3u_9Qa`) with an
HMAC signature; a forged or altered button is refused before anything is looked up,
and even a genuine one is then checked against who pressed it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from notifier import tokens
from notifier.base import Button
from notifier.render import text


class Action(enum.StrEnum):
    SUBMIT = "s"
    EXTEND = "x"
    SNOOZE = "z"
    PICK = "p"
    """Attach the file or number just sent to this deadline."""
    APPROVE = "a"
    REFUSE = "r"

    @property
    def on_outbox(self) -> bool:
        """Decisions name the outbox row of the request they answer; the rest a deadline."""
        return self in (Action.APPROVE, Action.REFUSE)


@dataclass(frozen=True, slots=True)
class Press:
    action: Action
    row_id: int


def encode(secret: str, action: Action, row_id: int) -> str:
    data = f"{action.value}:{row_id}"
    return f"{data}:{tokens.sign(secret, data)}"


def decode(secret: str, data: str | None) -> Press | None:
    """The press, or None when the data is malformed or its signature is wrong."""
    if not data or len(data) > 64:
        return None
    parts = data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    action, row, signature = parts
    if not tokens.verify(secret, f"{action}:{row}", signature):
        return None
    try:
        return Press(Action(action), int(row))
    except ValueError:
        return None


def reminder_buttons(secret: str, deadline_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(text(lang, "btn_submitted"), encode(secret, Action.SUBMIT, deadline_id)),
            Button(text(lang, "btn_extension"), encode(secret, Action.EXTEND, deadline_id)),
        ),
        (Button(text(lang, "btn_snooze"), encode(secret, Action.SNOOZE, deadline_id)),),
    )


def decision_buttons(secret: str, outbox_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(text(lang, "btn_approve"), encode(secret, Action.APPROVE, outbox_id)),
            Button(text(lang, "btn_refuse"), encode(secret, Action.REFUSE, outbox_id)),
        ),
    )

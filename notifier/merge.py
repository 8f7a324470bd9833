"""Several messages to one chat that piled up, as one: a person with four reminders due
at 08:00 gets one message listing them, not four messages a second apart.

Only consecutive messages of the same kind are joined (the relay decides), each numbered,
and each's buttons carry its number ("2. Đã nộp"), so a press still names one deadline.
A joined message stays within the channel's length and button limits; what does not fit
starts the next one.
"""

from __future__ import annotations

import html
from dataclasses import replace

from notifier.base import Outgoing

MAX_BUTTONS = 100
"""Telegram's limit of buttons in one inline keyboard."""


def _chat(message: Outgoing) -> str:
    return message.chat_html if message.chat_html is not None else html.escape(message.text)


def _numbered(number: int, message: Outgoing) -> str:
    return f"<b>{number}.</b> {_chat(message)}"


def _buttons(message: Outgoing) -> int:
    return sum(len(row) for row in message.buttons)


def joined(messages: list[Outgoing]) -> Outgoing:
    if len(messages) == 1:
        return messages[0]
    first = messages[0]
    return replace(
        first,
        text="\n\n".join(f"{n}. {m.text}" for n, m in enumerate(messages, 1)),
        chat_html="\n\n".join(_numbered(n, m) for n, m in enumerate(messages, 1)),
        buttons=tuple(
            tuple(replace(button, text=f"{n}. {button.text}") for button in row)
            for n, m in enumerate(messages, 1)
            for row in m.buttons
        ),
        reference=", ".join(m.reference for m in messages if m.reference),
    )


def batches(messages: list[Outgoing], limit: int) -> list[list[int]]:
    """The messages' indexes, grouped into as few joined messages as fit `limit`."""
    groups: list[list[int]] = []
    size = buttons = 0
    for index, message in enumerate(messages):
        number = len(groups[-1]) + 1 if groups else 1
        grown = size + len("\n\n") + len(_numbered(number, message))
        more = buttons + _buttons(message)
        if groups and grown <= limit and more <= MAX_BUTTONS:
            groups[-1].append(index)
            size, buttons = grown, more
        else:
            groups.append([index])
            size, buttons = len(_numbered(1, message)), _buttons(message)
    return groups

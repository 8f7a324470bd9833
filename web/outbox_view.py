"""An outbox row shown as the message its reader got: the email's subject and text, or
the Telegram message's text, rendered by the notifier's own templates from the row's
payload (the page used to show the payload as JSON, which no coordinator reads).

Rendered as of the moment it was sent (or created, while still waiting), so "còn 3 ngày"
reads as it did then. The person's private submit link is not shown: it is that person's
key to the submit page, and the coordinator has the unit page for the same actions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import jinja2

from notifier import tokens
from notifier.render import Context, render
from store.enums import Channel
from store.queues import OutboxLine

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Shown:
    channel: str
    subject: str
    text: str


def shown(line: OutboxLine, secret: str) -> Shown | None:
    """The message as sent; None when the payload cannot be rendered (an unknown kind
    from an older or newer version), in which case the page shows the raw data."""
    key = tokens.outbox_key(line.workflow_id, line.step, line.channel.value, line.recipient_id)
    ctx = Context(
        person_name=line.recipient,
        token=(
            tokens.deadline_token(secret, line.workflow_id)
            if line.workflow_id.startswith("deadline/")
            else ""
        ),
        reference=tokens.reference(key),
        now=line.sent_at or line.created_at,
    )
    try:
        rendered = render(str(line.payload.get("kind", "")), line.payload, ctx)
    except (ValueError, KeyError, TypeError, jinja2.TemplateError):
        return None
    if line.channel is Channel.TELEGRAM:
        # Telegram's HTML subset shown as the text a reader sees (tags are formatting).
        return Shown(line.channel.value, "", html.unescape(_TAG.sub("", rendered.chat)))
    return Shown(line.channel.value, rendered.subject, rendered.text)

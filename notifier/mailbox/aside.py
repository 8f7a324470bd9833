"""Setting a reply aside once: what can be kept of it, under a reference no other
message can take.

A reply that is not applied is quarantined for the coordinator with its original. The
original goes to the evidence store, which refuses what is over its limit, so keeping a
25 MB reply used to raise `TooLarge` again, leave the message unread and try it on every
poll. Now what does not fit is kept as its header section, and the reason says so.

A Message-ID is whatever the sender wrote: a stranger's mail carrying the Message-ID a
focal point's reply will have made that genuine reply look already processed, and it
was dropped without a trace. So a message counts as processed only when the record
under its Message-ID is an applied reply or holds the same bytes (`processed`); another
message reusing the Message-ID is processed and recorded under the Message-ID and its
own hash (`aside_ref`).

Poison (`notifier.mailbox.bounds`) is recorded here too, under the hash alone, with no
notice to anyone: it names no deadline anyone can trust.
"""

from __future__ import annotations

import hashlib
import logging
import re

import sqlalchemy as sa

from notifier import inbound
from notifier.delivery import Store
from notifier.mailbox.bounds import Poison
from notifier.render import text
from store.enums import InboundChannel, InboundOutcome
from store.evidence import EvidenceStore, StoredFile, TooLarge
from store.models import InboundMessage

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
"""What is kept of an original too large for the evidence store: its header section."""
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def aside_ref(ref: str, digest: str) -> str:
    """The reference of a message whose Message-ID another took: it and what it holds."""
    return ref if ref.startswith("sha256:") else f"{ref[:400]} sha256:{digest}"


def processed(store: Store, ref: str, digest: str) -> bool:
    """Whether this very message was processed before (a mailbox read twice): applied
    under its Message-ID, or set aside with these bytes. Another message that reuses a
    Message-ID is processed on its own, and the log says so."""
    refs = {ref[:512], aside_ref(ref, digest)[:512]}
    with store.read() as session:
        rows = session.execute(
            sa.select(
                InboundMessage.raw_ref, InboundMessage.outcome, InboundMessage.original_path
            ).where(
                InboundMessage.channel == InboundChannel.EMAIL, InboundMessage.raw_ref.in_(refs)
            )
        ).all()
    for raw_ref, outcome, original in rows:
        if raw_ref != ref[:512] or ref.startswith("sha256:") or outcome is InboundOutcome.APPLIED:
            return True
        if original and original.endswith(digest):  # set aside under the Message-ID alone
            return True
    if rows:
        log.warning("reply %s reuses the Message-ID of a different message set aside", ref)
    return False


def head_of(raw: bytes) -> bytes:
    end = _HEADER_END.search(raw, 0, HEAD_BYTES)
    return raw[: end.end()] if end else raw[:HEAD_BYTES]


def keep_original(evidence: EvidenceStore, raw: bytes) -> tuple[StoredFile, bool]:
    """The original under `inbound/`: whole when the evidence store takes it, else its
    header section; (what was stored, whether it is whole)."""
    try:
        return evidence.put(raw, "reply.eml", "message/rfc822", kind="inbound"), True
    except TooLarge:
        return evidence.put(head_of(raw), "reply-headers.eml", "message/rfc822", "inbound"), False


def where_kept(stored: StoredFile, whole: bool) -> str:
    said = "bản gốc" if whole else text("vi", "reason_original_head")
    return f"{said}: {stored.storage_path}"


def set_aside(store: Store, evidence: EvidenceStore, raw: bytes, poison: Poison) -> None:
    """Quarantine a message that cannot be processed, once: what was fetched of it (the
    header section only, when it was too large to fetch), with why."""
    stored, whole = keep_original(evidence, raw)
    ref = "sha256:" + digest_of(raw)
    reason = f"{poison.reason} — {where_kept(stored, whole)}"
    inbound.record(
        store,
        channel=InboundChannel.EMAIL,
        sender=poison.sender,
        raw_ref=ref,
        outcome=InboundOutcome.QUARANTINED,
        reason=reason,
        reason_class=poison.why,
        original_path=stored.storage_path,
    )
    log.warning(
        "reply %s from %s set aside: %s",
        ref,
        poison.sender or "?",
        poison.why,
        extra={"channel": "email", "message_id": ref, "outcome": "quarantined"},
    )

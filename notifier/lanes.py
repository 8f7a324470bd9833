"""Delivering one recipient's rows on one channel, in order, for the relay's lanes.

On a channel that does not merge (email) each row is claimed just before its send, so a
crash leaves one row `sending` per lane; on one that merges, the lane's rows are claimed
in one transaction (hundreds of Telegram lanes start together).

On a channel that declares `merge_same_kind` (Telegram), rows of the same kind in a row
go as one message (`notifier.merge`): every row of it is recorded sent with the same
provider id, or every row gets the send's outcome (the channel switched off, and the
coordinators told, once).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from notifier import merge, metrics
from notifier.base import TransportError
from notifier.compose import Row, compose
from notifier.delivery import Deliverer, Outcome, tagged
from store.enums import Channel, OutboxStatus

log = logging.getLogger("notifier.delivery")


async def deliver_lane(
    deliverer: Deliverer, row_ids: list[int], claim: str, channel: Channel
) -> list[Outcome]:
    if not getattr(deliverer.registry.get(channel), "merge_same_kind", False):
        # One at a time, each claimed just before its send (email): a crash leaves at
        # most the one row in flight `sending`, the rest reserved and untouched.
        done: list[Outcome] = []
        for row_id in row_ids:
            done.extend(await _claimed_and_sent(deliverer, [row_id], claim))
        return done
    return await _claimed_and_sent(deliverer, row_ids, claim)


async def _claimed_and_sent(deliverer: Deliverer, row_ids: list[int], claim: str) -> list[Outcome]:
    claimed: list[Row] = []
    outcomes: list[Outcome] = []
    # One transaction for the lane's claims: hundreds of lanes starting together would
    # otherwise queue every claim of every lane, a commit each, before any lane's send.
    for row in await deliverer.db(deliverer.claim_many, row_ids, claim):
        if isinstance(row, Outcome):
            outcomes.append(row)
        else:
            claimed.append(row)
    runs: list[list[Row]] = []
    for row in claimed:
        last = runs[-1][0] if runs else None
        if (
            last is not None
            and _merges(deliverer, row)
            and (last.kind, last.address)
            == (
                row.kind,
                row.address,
            )
        ):
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in runs:
        outcomes.extend(await _send_run(deliverer, run))
    for outcome in outcomes:
        metrics.observe_delivery(outcome, log)
    return outcomes


def _merges(deliverer: Deliverer, row: Row) -> bool:
    return bool(getattr(deliverer.registry.get(row.channel), "merge_same_kind", False))


async def _send_run(deliverer: Deliverer, run: list[Row]) -> list[Outcome]:
    if len(run) == 1:
        return [tagged(await deliverer._send(run[0]), run[0])]
    channel = deliverer.registry.get(run[0].channel)
    messages = [compose(deliverer.settings, row) for row in run]
    outcomes = []
    for indexes in merge.batches(messages, int(getattr(channel, "body_maxlen", 4096))):
        rows = [run[i] for i in indexes]
        message = merge.joined([messages[i] for i in indexes])
        try:
            sent = await channel.send(message)
        except TransportError as exc:
            first = await deliverer.db(deliverer._record_error, rows[0], message, exc)
            outcomes.append(tagged(first, rows[0]))
            for row in rows[1:]:
                also = await deliverer.db(_also, deliverer, row, first)
                outcomes.append(tagged(also, row))
            continue
        for row in rows:
            done = await deliverer.db(deliverer._record_sent, row, sent)
            outcomes.append(tagged(done, row))
    return outcomes


def _also(deliverer: Deliverer, row: Row, first: Outcome) -> Outcome:
    """A row sent in the same message as one whose send failed: the same outcome."""
    if first.status == "retry" and first.retry_after is not None:
        return deliverer._slowed(row, first.error or "", first.retry_after)
    status = {"disabled": OutboxStatus.DISABLED, "failed": OutboxStatus.FAILED}.get(
        first.status, OutboxStatus.PENDING
    )
    with deliverer.store.write() as session:
        deliverer._update(session, row, status=status, last_error=first.error)
    return replace(first, row_id=row.id)

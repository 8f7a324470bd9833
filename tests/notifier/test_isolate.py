"""The parsing child (notifier.mailbox.isolate): what the bounds miss still cannot stall
or kill the reader; a lost child is replaced and the next message is read."""

from __future__ import annotations

import os
import signal
import threading
import time

from notifier.mailbox.bounds import Limits, Poison
from notifier.mailbox.isolate import ParserProcess
from notifier.mailbox.parse import Reply
from tests.notifier import poison
from tests.notifier.test_reply_parse import raw

UNBOUNDED = Limits(max_containers=10**6, max_parts=10**8)
"""As if the bounds had a hole: only the child's own limits stand."""


def test_a_message_that_overruns_is_poison_and_the_next_one_is_read() -> None:
    parser = ParserProcess(UNBOUNDED, timeout=1)
    try:
        slow = parser.parse(poison.many_parts(2_000_000, sender="y@attacker.example"))
        assert isinstance(slow, Poison) and slow.why == "timeout"
        assert slow.reason == "đọc thư quá 1 giây" and slow.sender == "y@attacker.example"
        assert parser.restarts == 1
        reply = parser.parse(raw())
        assert isinstance(reply, Reply) and reply.sender == "a@thu.example"
    finally:
        parser.close()


def test_recursion_in_the_child_is_poison_not_a_crash() -> None:
    parser = ParserProcess(UNBOUNDED)
    try:
        deep = parser.parse(poison.nested(3000))
        assert isinstance(deep, Poison) and deep.why == "too_deep"
        assert parser.restarts == 0
    finally:
        parser.close()


def test_a_child_that_died_meanwhile_is_replaced_before_the_next_message() -> None:
    parser = ParserProcess()
    try:
        assert isinstance(parser.parse(raw()), Reply)
        assert parser._process is not None
        os.kill(parser._process.pid, signal.SIGKILL)
        parser._process.wait()
        assert isinstance(parser.parse(raw()), Reply)
    finally:
        parser.close()


def test_a_child_out_of_memory_costs_one_message_only() -> None:
    limits = Limits(max_bytes=60_000_000, max_containers=10**6, max_parts=10**8)
    parser = ParserProcess(limits, timeout=60, memory_bytes=128 * 1024 * 1024)
    try:
        greedy = parser.parse(poison.oversized(20_000_000))
        assert isinstance(greedy, Poison) and greedy.why == "crashed"
        assert isinstance(parser.parse(raw()), Reply)
    finally:
        parser.close()


def test_stopping_the_parser_mid_message_is_no_verdict_on_the_message() -> None:
    """At shutdown the message being read stays unread (an outage), never poison."""
    parser = ParserProcess(UNBOUNDED, timeout=60)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(parser.parse(poison.many_parts(2_000_000)))
        except OSError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    while parser._process is None:
        time.sleep(0.01)
    time.sleep(0.3)
    parser.close()
    reader.join(30)
    [result] = outcome
    assert isinstance(result, OSError) and parser.restarts == 0

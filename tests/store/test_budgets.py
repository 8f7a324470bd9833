"""store.budgets on SQLite and PostgreSQL with explicit instants: a budget of `count` in
any `window`, several budgets taken at once, slots too far ahead refused, and several
processes (threads with their own connections here) never exceeding the budget."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store import budgets
from store.budgets import Budget

BOT = Budget("telegram:1:bot", window=1.0, count=3)
CHAT = Budget("telegram:1:chat:42", window=1.0, count=1)
T0 = 1_800_000_000.0


def _take(sessions: sessionmaker[Session], *b: Budget, now: float, ahead: float = 1.0):
    with sessions.begin() as session:
        return budgets.take(session, b, now, ahead)


def test_count_in_any_window_then_the_oldest_slot_plus_the_window(
    sessions: sessionmaker[Session],
) -> None:
    slots = [_take(sessions, BOT, now=T0 + i * 0.1) for i in range(3)]
    assert [s.at for s in slots] == [T0, T0 + 0.1, T0 + 0.2] and all(s.granted for s in slots)
    fourth = _take(sessions, BOT, now=T0 + 0.3)
    assert fourth.granted and fourth.at == T0 + 1.0  # the first slot's window, not before
    fifth = _take(sessions, BOT, now=T0 + 0.3, ahead=0.5)
    assert not fifth.granted and fifth.at == T0 + 1.1  # too far ahead: nothing taken
    assert _take(sessions, BOT, now=T0 + 1.1).at == T0 + 1.1


def test_budgets_taken_together_wait_for_the_strictest(sessions: sessionmaker[Session]) -> None:
    assert _take(sessions, BOT, CHAT, now=T0).at == T0
    other_chat = Budget("telegram:1:chat:43", window=1.0, count=1)
    assert _take(sessions, BOT, other_chat, now=T0 + 0.01).at == T0 + 0.01
    again = _take(sessions, BOT, CHAT, now=T0 + 0.02)
    assert again.at == T0 + 1.0  # the chat's second, though the bot had room


def test_budgets_not_taken_for_a_while_are_forgotten(sessions: sessionmaker[Session]) -> None:
    _take(sessions, CHAT, now=T0)
    with sessions.begin() as session:
        assert budgets.forget(session, timedelta(days=1), datetime.now(UTC)) == 0
        assert budgets.forget(session, timedelta(0), datetime.now(UTC) + timedelta(seconds=1)) == 1


def test_takers_in_parallel_never_exceed_the_budget(sessions: sessionmaker[Session]) -> None:
    """Four takers, 40 slots each, all asking at the same instant: every window of one
    second holds at most `count` slots, and no slot is given twice."""
    granted: list[float] = []
    lock = threading.Lock()

    def taker() -> None:
        for _ in range(40):
            slot = _take(sessions, BOT, now=T0, ahead=1e9)
            with lock:
                granted.append(slot.at)

    threads = [threading.Thread(target=taker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    granted.sort()
    assert len(granted) == 160
    worst = max(
        sum(1 for g in granted if start <= g < start + BOT.window - 1e-9) for start in granted
    )
    assert worst == BOT.count

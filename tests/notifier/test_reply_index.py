"""Replies matched to their deadline by the stored, indexed token (issue 20), on SQLite
and PostgreSQL: tokens in mail sent before the column existed still match; a lookup
signs one workflow id (to confirm its hit), not one per deadline; a value signed under
another secret never matches and is re-signed; `hanchot mail explain` writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from notifier import tokens
from notifier.mailbox import matching
from notifier.mailbox.apply import find_target
from store.models import UnitDeadline
from tests.notifier.world import World, make_world
from tests.store.conftest import BACKENDS

UNITS = ("unit-a", "unit-b")
SENT_BEFORE = ("hanchot-test-secret", "deadline/cal/bc-6-thang/2025-H1/xa-a", "VS3DRS3PC4")
"""A token as it was printed in subjects before the index (secret, workflow id, token):
the format must not change, or replies to mail already sent stop matching."""


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_database")
    made = make_world(tmp_path, url)
    for unit in UNITS:
        made.open(unit)
    try:
        yield made
    finally:
        made.store.engine.dispose()


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every workflow id the matching signs, in order."""
    calls: list[str] = []
    real = tokens.deadline_token

    def counting(secret: str, workflow_id: str) -> str:
        calls.append(workflow_id)
        return real(secret, workflow_id)

    monkeypatch.setattr(tokens, "deadline_token", counting)
    return calls


def wid(world: World, unit: str) -> str:
    return world.inputs[unit].cycle.deadline_id(unit)


def stored_tokens(world: World) -> dict[str, str | None]:
    with world.store.read() as session:
        rows = session.execute(sa.select(UnitDeadline.workflow_id, UnitDeadline.reply_token))
        return {w: t for w, t in rows}


def test_the_token_format_of_mail_already_sent_is_kept() -> None:
    secret, workflow_id, token = SENT_BEFORE
    assert tokens.subject_tag(secret, workflow_id) == f"[HC-{token}]"


def test_a_token_from_mail_sent_before_the_index_matches_and_fills_it(
    world: World, signed: list[str]
) -> None:
    secret = str(world.settings.secret)
    assert set(stored_tokens(world).values()) == {None}  # as the migration leaves them
    token = tokens.deadline_token(secret, wid(world, "unit-b"))
    signed.clear()

    target = find_target(world.store, secret, token)

    assert target is not None and target.workflow_id == wid(world, "unit-b")
    filled = stored_tokens(world)
    assert filled == {w: tokens.deadline_token(secret, w) for w in filled}


def test_a_lookup_signs_only_its_hit(world: World, signed: list[str]) -> None:
    secret = str(world.settings.secret)
    assert matching.fill(world.store, secret) == len(UNITS)
    token = tokens.deadline_token(secret, wid(world, "unit-b"))
    signed.clear()

    assert matching.deadline_of(world.store, secret, token) == world.deadline_id("unit-b")
    assert signed == [wid(world, "unit-b")]
    signed.clear()
    assert matching.deadline_of(world.store, secret, "AAAAAAAAAA") is None
    assert len(signed) == 1  # the stale check's one row, no scan


def test_a_deadline_opened_later_is_signed_when_a_reply_comes(world: World) -> None:
    secret = str(world.settings.secret)
    matching.fill(world.store, secret)
    with world.store.write() as session:
        session.execute(
            sa.update(UnitDeadline)
            .where(UnitDeadline.workflow_id == wid(world, "unit-a"))
            .values(reply_token=None)
        )
    token = tokens.deadline_token(secret, wid(world, "unit-a"))
    assert matching.deadline_of(world.store, secret, token) == world.deadline_id("unit-a")
    assert stored_tokens(world)[wid(world, "unit-a")] == token


def test_tokens_signed_under_another_secret_never_match_and_are_signed_again(
    world: World,
) -> None:
    matching.fill(world.store, "the secret of another deployment")
    secret = str(world.settings.secret)
    old_token = tokens.deadline_token("the secret of another deployment", wid(world, "unit-a"))
    assert matching.deadline_of(world.store, secret, old_token) is None

    token = tokens.deadline_token(secret, wid(world, "unit-a"))
    assert matching.deadline_of(world.store, secret, token) == world.deadline_id("unit-a")
    assert stored_tokens(world)[wid(world, "unit-b")] == tokens.deadline_token(
        secret, wid(world, "unit-b")
    )


def test_a_wrong_value_in_the_column_is_not_believed(world: World) -> None:
    """The column is a cache: a row holding another deadline's token is not its deadline."""
    secret = str(world.settings.secret)
    matching.fill(world.store, secret)
    token_b = tokens.deadline_token(secret, wid(world, "unit-b"))
    with world.store.write() as session:  # unit-a's row wrongly says unit-b's token
        session.execute(
            sa.update(UnitDeadline)
            .where(UnitDeadline.workflow_id == wid(world, "unit-a"))
            .values(reply_token=token_b)
        )
    assert matching.deadline_of(world.store, secret, token_b) == world.deadline_id("unit-b")


def test_explaining_a_reply_matches_without_writing(world: World) -> None:
    secret = str(world.settings.secret)
    token = tokens.deadline_token(secret, wid(world, "unit-b"))
    found = matching.deadline_of(world.store, secret, token, writes=False)
    assert found == world.deadline_id("unit-b")
    assert set(stored_tokens(world).values()) == {None}

    matching.fill(world.store, "the secret of another deployment")
    assert matching.deadline_of(world.store, secret, token, writes=False) == found
    assert tokens.deadline_token(secret, wid(world, "unit-b")) not in stored_tokens(world).values()

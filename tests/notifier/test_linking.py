"""Binding a Telegram account to a person with a one-time code (`/start CODE`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import channels, links
from store.enums import Channel
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.engine import bot_app, feed
from tests.notifier.world import World


def issue(world: World, person: str, **kw: object) -> str:
    with world.store.write() as session:
        row = links.find_person(session, f"test-cal/{person}")[0]
        return links.issue(session, row, "test", **kw).code  # type: ignore[arg-type]


def bound_chat(world: World, person: str) -> str | None:
    with world.store.read() as session:
        return channels.route(session, world.person(person), Channel.TELEGRAM).address


async def test_a_code_binds_the_chat_once_and_only_once(
    world: World, telegram: FakeTelegram
) -> None:
    code = issue(world, "fp-a")
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.message(1001, f"/start {code}"))
        await feed(app, telegram.message(1002, f"/start {code}"))
    assert "Đã liên kết Telegram với Trần Văn A" in telegram.texts(1001)[0]
    assert "đã được dùng" in telegram.texts(1002)[0]
    assert bound_chat(world, "fp-a") == "1001"


async def test_refused_codes_say_why_and_bind_nothing(world: World, telegram: FakeTelegram) -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    expired = issue(world, "fp-b", now=past)
    replaced = issue(world, "fp-c")
    issue(world, "fp-c")  # a newer code for the same person revokes the older one
    forged = "A" * links.CODE_LENGTH
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.message(2001, f"/start {expired}"))
        await feed(app, telegram.message(2002, f"/start {replaced}"))
        await feed(app, telegram.message(2003, f"/start {forged}"))
        await feed(app, telegram.message(2004, "/start"))
    assert "hết hạn" in telegram.texts(2001)[0]
    assert "mã mới hơn" in telegram.texts(2002)[0]
    assert "không hợp lệ" in telegram.texts(2003)[0]
    assert "Để liên kết tài khoản" in telegram.texts(2004)[0]
    assert bound_chat(world, "fp-b") is None and bound_chat(world, "fp-c") is None


async def test_one_chat_cannot_speak_for_two_people_of_a_calendar(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", "3001")
    code = issue(world, "fp-b")
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.message(3001, f"/start {code}"))
    assert "đã liên kết với Trần Văn A" in telegram.texts(3001)[0]
    assert bound_chat(world, "fp-b") is None


async def test_linking_again_enables_a_disabled_telegram(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", "4001")
    with world.store.write() as session:
        channels.disable(session, world.person("fp-a").id, Channel.TELEGRAM, "4001", "blocked")
    code = issue(world, "fp-a")
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.message(4002, f"/start {code}"))
    with world.store.read() as session:
        route = channels.route(session, world.person("fp-a"), Channel.TELEGRAM)
    assert route.usable and route.address == "4002"

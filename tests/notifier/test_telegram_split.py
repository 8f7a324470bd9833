"""Cutting Telegram texts: every part accepted by Telegram's HTML rules (the fake Bot
API's checker), nothing lost, cuts between lines where there are lines."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.base import Button, Outgoing, truncate
from notifier.telegram.split import LIMIT, MAX_PARTS, plain, split, units
from notifier.telegram.transport import TelegramChannel
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import check
from tests.notifier.world import World

WORDS = st.sampled_from(
    ["Sở", "Y", "tế", "quá", "hạn", "5", "ngày", "&amp;", "&lt;", "&#128203;", "📋", "Trạm"]
)


@st.composite
def markup(draw: st.DrawFn) -> str:
    """Telegram HTML: lines of words, some in nested tags, some links."""
    lines = []
    for _ in range(draw(st.integers(1, 400))):
        words = " ".join(draw(st.lists(WORDS, min_size=1, max_size=12)))
        tag = draw(st.sampled_from(["", "b", "i", "code", "a", "bi"]))
        if tag == "a":
            words = f'<a href="https://hanchot.example/d/1?x=1&amp;y=2">{words}</a>'
        elif tag == "bi":
            words = f"<b>{words} <i>{words}</i></b>"
        elif tag:
            words = f"<{tag}>{words}</{tag}>"
        lines.append("• " + words + draw(st.sampled_from(["", "\n"])))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = f"<b>{text}</b>"  # one tag around everything: every cut is inside it
    return text


def words(text: str) -> list[str]:
    return plain(text).split()


@settings(max_examples=60, deadline=None)
@given(markup(), st.sampled_from([LIMIT, 1000, 300]))
def test_every_part_is_accepted_and_nothing_is_lost(text: str, limit: int) -> None:
    parts = split(text, limit)
    for part in parts:
        assert units(part) <= limit
        assert check(part) is None, (part, check(part))
    sent = words("\n".join(parts))
    if len(parts) < MAX_PARTS or sent == words(text):  # whole (MAX_PARTS may just fit)
        assert sent == words(text)
    else:  # cut after MAX_PARTS messages, saying so
        assert sent[-1] == "…" and sent[:-1] == words(text)[: len(sent) - 1]


def test_a_300_line_digest_is_cut_between_lines() -> None:
    lines = [
        f"• <b>Trạm Y tế xã số {i}</b>: {i % 30} ngày, nhắc 3 lần — a{i}@thu.example"
        for i in range(300)
    ]
    text = "📋 <b>Tổng hợp ngày 20/06/2031</b>\n\n" + "\n".join(lines)
    parts = split(text)
    assert len(parts) > 1 and all(check(p) is None for p in parts)
    assert all(p.startswith(("•", "📋")) for p in parts)  # each part starts a line
    assert "\n".join(parts) == text


def test_cutting_at_the_limit_as_before_breaks_the_markup() -> None:
    """What the fake now refuses, as Telegram does: the old cut inside a tag."""
    text = "<b>" + "Sở Y tế " * 600 + "</b>"
    assert check(truncate(text, LIMIT)) is not None
    assert all(check(p) is None for p in split(text))


def test_the_checker_refuses_what_telegram_refuses() -> None:
    assert check("<b>đậm</b> &amp; <i>nghiêng</i>") is None
    assert "Can't find end tag" in (check("<b>đậm") or "")
    assert "Unmatched end tag" in (check("<b>đậm</i>") or "")
    assert "Unsupported start tag" in (check("một<br>hai") or "")
    assert "Unsupported HTML entity" in (check("a&nbsp;b") or "")
    assert "too long" in (check("<b>" + "x" * 4097 + "</b>") or "")
    assert check("<b>" + "x" * 4096 + "</b>") is None  # tags do not count
    assert check(html.escape("<không phải thẻ>")) is None


def test_plain_text_is_cut_too_and_a_word_longer_than_a_message_is_cut_anyway() -> None:
    text = "a" * 9000 + " <b> không phải thẻ"
    parts = split(text, markup=False)
    assert all(units(p) <= LIMIT for p in parts) and "".join(parts).replace(
        " ", ""
    ) == text.replace(" ", "")


async def test_the_channel_sends_every_part_buttons_last_and_text_when_markup_is_refused(
    telegram: FakeTelegram, world: World
) -> None:
    channel = TelegramChannel(world.settings.telegram)
    long = "\n".join(f"• <b>Đơn vị {i}</b>: quá hạn" for i in range(200))
    button = ((Button("Xem", "", url="https://hanchot.example/d/1"),),)
    try:
        sent = await channel.send(Outgoing("2002", "", "", chat_html=long, buttons=button))
        broken = await channel.send(Outgoing("2002", "", "", chat_html="<b>Đơn vị & <br> lỗi"))
    finally:
        await channel.aclose()
    first, *rest, last, fallback = telegram.sent
    assert sent.message_id == f"2002:{first['message_id']}"
    assert all(not m.get("reply_markup") for m in [first, *rest]) and last.get("reply_markup")
    assert fallback["text"] == "Đơn vị &  lỗi" and not fallback.get("parse_mode")
    assert broken.message_id == f"2002:{fallback['message_id']}"


async def test_a_later_part_refused_for_a_while_is_retried_without_repeating_the_first(
    telegram: FakeTelegram, world: World
) -> None:
    telegram.chat_gap = 2.5  # the second part, a second after the first, gets a 429
    channel = TelegramChannel(world.settings.telegram)
    long = "\n".join(f"• <b>Đơn vị {i}</b>: quá hạn" for i in range(200))
    try:
        await channel.send(Outgoing("2002", "", "", chat_html=long))
    finally:
        await channel.aclose()
    assert telegram.rate_limited >= 1
    texts = telegram.texts("2002")
    assert texts == split(long)

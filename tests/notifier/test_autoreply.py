"""Automatic answers told from people's replies by their subject, whatever the
normalisation or accents; a person's own reply prefix ("TL:", "Trả lời:") is not one."""

from __future__ import annotations

import unicodedata

import pytest

from notifier.mailbox.autoreply import automatic_subject


@pytest.mark.parametrize(
    "subject",
    [
        "Trả lời tự động: Re: Nhắc hạn nộp",
        "TRẢ LỜI TỰ ĐỘNG: Nhắc hạn nộp",
        "RE: Tự động trả lời - Nhắc hạn nộp",
        "Tra loi tu dong: Nhac han nop",
        "Thư trả lời tự động: Nhắc hạn nộp",
        "Phản hồi tự động: Nhắc hạn nộp",
        "Vắng mặt: Nhắc hạn nộp",
        "Automatic reply: Nhắc hạn nộp",
        "Auto Reply: Nhắc hạn nộp",
        "AutoReply: Nhắc hạn nộp",
        "Out of Office: Nhắc hạn nộp",
        "Undeliverable: Nhắc hạn nộp",
    ],
)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_automatic_subjects_in_every_form(subject: str, form: str) -> None:
    assert automatic_subject(unicodedata.normalize(form, subject))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Nhắc hạn nộp: Báo cáo 6 tháng [HC-ABCDEFGHJK]",
        "TL: Nhắc hạn nộp",
        "Trả lời: Nhắc hạn nộp",
        "Fwd: Báo cáo vắng mặt cán bộ",
        "Báo cáo tự động hóa quy trình",
    ],
)
def test_peoples_replies_are_not_automatic(subject: str) -> None:
    assert not automatic_subject(subject)

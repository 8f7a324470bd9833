"""Normalisation keeps every position: evidence must point at the original line and column."""

from __future__ import annotations

import unicodedata

from deadlines.extract.normalise import fold, normalise, restore_phrases
from deadlines.extract.segment import sentences


def test_fold_is_length_preserving_and_merges_spellings() -> None:
    for text in ("Hằng năm", "hàng năm", "Đề nghị", "THỊ XÃ BỈM SƠN", "thâng"):
        assert len(fold(text)) == len(text)
    assert fold("Hằng năm") == fold("hàng năm") == "hang nam"
    assert fold("Đề nghị") == "de nghi"


def test_decomposed_diacritics_and_markdown_map_back_to_the_original() -> None:
    original = "Số: **268** /KH-UBND\n" + unicodedata.normalize(
        "NFD", "Báo cáo gửi trước ngày 15/6"
    )
    doc = normalise(original)
    assert "**" not in doc.text
    assert "Báo cáo gửi trước ngày 15/6" in doc.text
    at = doc.text.index("15/6")
    pos = doc.position(at)
    assert pos.line == 2
    assert original[pos.offset : pos.offset + 4] == "15/6"
    assert pos.column == original.split("\n")[1].index("15/6") + 1


def test_page_numbers_inside_a_sentence_are_dropped_not_turned_into_a_break() -> None:
    doc = normalise("phối hợp với các đơn vị liên quan.\n2\nthực hiện Nghị quyết 57")
    assert "\n2\n" not in doc.text
    assert len(sentences(doc)) == 1


def test_sentences_join_wrapped_lines_and_split_at_list_items() -> None:
    text = (
        "UBND tỉnh yêu cầu các sở, ban,\nngành báo cáo trước ngày 10/11. Trong quá trình\n"
        "thực hiện, nếu có vướng mắc.\n- Tổ chức tập huấn\n- Gửi về Sở Lao động\n"
        "- Thương binh và Xã hội"
    )
    found = [s.text for s in sentences(normalise(text))]
    assert found[0] == "UBND tỉnh yêu cầu các sở, ban, ngành báo cáo trước ngày 10/11."
    assert found[1].startswith("Trong quá trình thực hiện")
    assert found[-1] == "- Gửi về Sở Lao động - Thương binh và Xã hội"


def test_ocr_garbled_domain_phrases_are_restored_and_reported() -> None:
    text, fixes = restore_phrases("Báo cáo sơ kết 6 thâng về Ban Vi sự tiền bộ của phụ nữ")
    assert text == "Báo cáo sơ kết 6 tháng về Ban Vì sự tiến bộ của phụ nữ"
    assert ("6 thâng", "6 tháng") in fixes
    untouched, none = restore_phrases("Hội Liên hiệp Phụ nữ Việt Nam")
    assert (untouched, none) == ("Hội Liên hiệp Phụ nữ Việt Nam", [])

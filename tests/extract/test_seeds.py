"""On each seed, the proposals are the deadlines the document states, and nothing else.

Expectations are written from the documents (tests/data/seeds), not from the code's output:
the sentence, the dates, who submits to whom. Distractors (the document's date, cited
decisions, 8/3 and 20/10, 2011 - 2020) must never be proposed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deadlines.extract import Proposal, extract
from deadlines.model import PeriodKind

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"


def proposals(name: str) -> dict[str, Proposal]:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    found = extract(path.read_text(encoding="utf-8"), path.name).proposals
    return {p.id: p for p in found}


def whens(p: Proposal) -> list[str]:
    return list(p.when_labels())


def blocking(p: Proposal) -> dict[str, object]:
    return {f.field: f for f in p.blocking}


def test_000_thanhhoa_ocr_date_is_flagged_with_its_candidate() -> None:
    got = proposals("000")
    assert set(got) == {"bao-cao-so-ket-6-thang", "bao-cao-tong-ket-nam"}
    half, year = got["bao-cao-so-ket-6-thang"], got["bao-cao-tong-ket-nam"]
    # "trước ngày 516": OCR for 5/6. Never silently repaired: due stays empty, flagged.
    assert half.period is PeriodKind.SEMIANNUAL and half.due == ()
    flag = blocking(half)["due"]
    assert flag.code == "ambiguous_date_ocr" and flag.candidates == ("05/06",)
    assert [r.text for r in half.accepted().due] == ["before 05/06"]
    assert half.accepted().due[0].slot == "H1"
    assert year.period is PeriodKind.ANNUAL and [r.text for r in year.due] == ["before 05/12"]
    # Cơ quan thường trực Ban VSTBPN tỉnh (Sở Lao động - Thương binh và Xã hội ...)
    assert half.receiver == year.receiver == "so-ldtbxh"
    # "Ban vì sự tiến bộ của phụ nữ các địa phương, đơn vị": vague, the province's
    # departments and districts offered as candidates.
    sub = blocking(year)["submitters"]
    assert sub.code == "vague_submitters" and set(sub.candidates) == {"department", "district"}
    assert year.from_year == 2012


def test_000_quarterly_meeting_is_not_an_obligation() -> None:
    # "Duy trì các Hội nghị giao ban thường xuyên 01 làn/quý" is a meeting with no
    # deliverable and no date: nothing to remind anyone of, so it is not proposed.
    got = proposals("000")
    assert not any("giao ban" in (p.sentence or "") for p in got.values())


def test_001_bimson_plan_and_reports() -> None:
    got = proposals("001")
    assert list(got) == ["ke-hoach-nam", "bao-cao-6-thang", "bao-cao-nam"]
    assert {k: (p.period.value, whens(p)) for k, p in got.items() if p.period} == {
        "ke-hoach-nam": ("annual", ["25/02"]),
        "bao-cao-6-thang": ("semiannual", ["15/06"]),
        "bao-cao-nam": ("annual", ["15/12"]),
    }
    plan = got["ke-hoach-nam"]
    assert plan.due[0].text == "before 25/02" and plan.year == 2017
    assert any(f.code == "year_stated" for f in plan.flags)
    assert plan.name == "Kế hoạch công tác Bình đẳng giới và Vì sự tiến bộ phụ nữ năm"
    for p in got.values():
        assert p.receiver == "phong-ldtbxh"
        assert p.receiver_name == "Phòng Lao động - Thương binh và Xã hội"
        # "các đơn vị trên địa bàn Thị xã" is vague; accepting adds the departments.
        assert p.accepted().submitters is not None
        assert set(p.accepted().submitters.kinds) == {
            "department",
            "mass_organisation",
            "ward",
            "commune",
        }


def test_001_distractors_are_never_proposed() -> None:
    labels = {w for p in proposals("001").values() for w in whens(p)}
    for distractor in ("08/03", "20/10", "24/12", "20/02", "27/04", "01/12", "01/10", "09/04"):
        assert not any(label.startswith(distractor) for label in labels), distractor


def test_002_campaign_window_and_periodic_reports() -> None:
    got = proposals("002")
    assert list(got) == ["thang-hanh-dong", "bao-cao-6-thang", "bao-cao-nam"]
    campaign = got["thang-hanh-dong"]
    assert campaign.period is PeriodKind.CAMPAIGN and whens(campaign) == ["15/11-15/12"]
    assert campaign.name == (
        "Tháng hành động vì bình đẳng giới và phòng, chống bạo lực trên cơ sở giới"
    )
    assert campaign.due == ()  # the result report's date is not in the document
    assert set(blocking(campaign)) == {"submitters", "receiver"}
    assert campaign.accepted().receiver == "so-ldtbxh"
    half, year = got["bao-cao-6-thang"], got["bao-cao-nam"]
    assert (half.due[0].text, half.due[0].slot) == ("before 20/06", "H1")
    assert year.due[0].text == "before 25/11"
    for p in (half, year):
        assert p.complete
        assert p.submitters is not None and p.submitters.kinds == ("department", "district")
        assert p.receiver == "so-ldtbxh"


def test_003_langson_annual_report() -> None:
    got = proposals("003")
    assert list(got) == ["bao-cao-nam"]
    p = got["bao-cao-nam"]
    assert (p.period, whens(p)) == (PeriodKind.ANNUAL, ["10/11"])
    assert p.clause.startswith("hàng năm Báo cáo kết quả triển khai thực hiện")
    assert p.receiver == "so-ldtbxh"
    assert p.submitters is not None and set(p.submitters.kinds) >= {"department", "district"}
    assert (p.line, p.evidence[0].field) == (346, "name")
    due = next(e for e in p.evidence if e.field == "due")
    assert (due.words, due.line) == ("trước ngày 10/11", 350)


def test_004_langson_reports_and_quarter_bound_task() -> None:
    got = proposals("004")
    assert list(got) == ["kien-toan-ban", "bao-cao-so-ket-6-thang", "bao-cao-tong-ket-nam"]
    task = got["kien-toan-ban"]
    assert task.period is PeriodKind.ONE_OFF and task.due == ()
    flag = blocking(task)["due"]
    assert flag.code == "no_exact_date" and flag.candidates[0].startswith("30/06/2011")
    assert {"district", "department"} <= set(task.submitters.kinds)  # type: ignore[union-attr]
    half, year = got["bao-cao-so-ket-6-thang"], got["bao-cao-tong-ket-nam"]
    assert whens(half) == ["10/06"] and whens(year) == ["10/12"]
    assert year.name == "Báo cáo tổng kết năm"
    assert year.clause == "trước ngày 10/12 đối với báo cáo tổng kết năm 2011"
    for p in (half, year):
        assert p.complete and p.receiver == "so-ldtbxh"
        assert p.submitters is not None
        assert p.submitters.kinds == ("department", "mass_organisation", "district")


@pytest.mark.parametrize("name", ["000", "001", "002", "003", "004"])
def test_every_evidence_points_at_its_words_in_the_original(name: str) -> None:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    for p in extract(original).proposals:
        assert p.evidence
        for ev in p.evidence:
            first_word = ev.words.split()[0]
            assert lines[ev.line - 1][ev.column - 1 :].startswith(first_word), ev
            assert original[ev.offset :].startswith(first_word)

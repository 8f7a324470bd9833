"""The example calendars against the documents they come from (tests/data/seeds).

Each example must load, hold exactly the obligations its document sets, with the due
dates the document writes, quote the document's sentence verbatim, and give every
submitting unit a focal point who can be reached by email.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from config.loader import load_calendar, load_calendars
from deadlines.expected import selected_units
from deadlines.model import Calendar, DayMonth, DueRule, Obligation
from deadlines.plan import year_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "config" / "examples"
SEEDS = ROOT / "tests" / "data" / "seeds"

TOWN = ("department", "mass_organisation", "ward", "commune")
PROVINCE = ("department", "mass_organisation", "district")


@dataclass(frozen=True)
class Expect:
    period: str
    due: dict[str, str]
    """Slot ("" for a single rule, "H1", "Q1", ...) -> the rule as the example writes it."""
    kinds: tuple[str, ...]
    window: str | None = None
    years: tuple[int | None, int | None] = (None, None)
    """from_year, until_year: the years the document sets its dates for."""


@dataclass(frozen=True)
class Example:
    seed: str
    receiver: str
    obligations: dict[str, Expect] = field(default_factory=dict)


# Written from the documents, not from the YAML: see each seed's deadline sentence.
EXPECTED: dict[str, Example] = {
    # KH 268/KH-UBND: "... năm 2017 của các đơn vị gửi trước ngày 25/02/2017; Báo cáo 6 tháng
    # gửi trước ngày 15/6 và Báo cáo đánh giá kết quả ... năm 2017 gửi trước ngày 15/12".
    "bimson-2017": Example(
        "001_bimson_2017_kh_268.txt",
        "phong-ldtbxh",
        {
            "ke-hoach-nam": Expect("annual", {"": "before 25/02"}, TOWN, years=(2017, 2017)),
            "bao-cao-6-thang": Expect(
                "semiannual", {"H1": "before 15/06"}, TOWN, years=(2017, 2017)
            ),
            "bao-cao-nam": Expect("annual", {"": "before 15/12"}, TOWN, years=(2017, 2017)),
        },
    ),
    # QĐ 810/QĐ-UBND: "gửi Báo cáo sơ kết 6 thâng trước ngày 516 và báo cáo tổng kết năm
    # trước ngày 5/12"; the quarterly giao ban is a meeting, not a report.
    "thanhhoa-2012": Example(
        "000_thanhhoa_2012_ctct_810.txt",
        "so-ldtbxh",
        {
            "bao-cao-so-ket-6-thang": Expect(
                "semiannual", {"H1": "before 05/06"}, ("department", "district"), years=(2012, 2012)
            ),
            "bao-cao-tong-ket-nam": Expect(
                "annual", {"": "before 05/12"}, ("department", "district"), years=(2012, 2012)
            ),
        },
    ),
    # Hướng dẫn 2019 of the Sở LĐTBXH: Tháng hành động "từ ngày 15/11/2019 đến ngày
    # 15/12/2019" (no result-report date); "Định kỳ 6 tháng (trước ngày 20/6) và cả năm
    # (trước ngày 25/11)".
    "so-ldtbxh-2019": Example(
        "002_so_ldtbxh_2019_huong_dan.txt",
        "so-ldtbxh",
        {
            "thang-hanh-dong": Expect(
                "campaign", {}, PROVINCE, window="15/11 - 15/12", years=(2019, 2019)
            ),
            "bao-cao-6-thang": Expect(
                "semiannual", {"H1": "before 20/06"}, PROVINCE, years=(2019, 2019)
            ),
            "bao-cao-nam": Expect("annual", {"": "before 25/11"}, PROVINCE, years=(2019, 2019)),
        },
    ),
    # KH 96/KH-UBND: "hàng năm Báo cáo kết quả triển khai thực hiện gửi Sở Lao động -
    # Thương binh và Xã hội trước ngày 10/11".
    "langson-2018": Example(
        "003_langson_2018_kh_96.txt",
        "so-ldtbxh",
        {
            "bao-cao-ket-qua-nam": Expect(
                # "hàng năm", no end: until 2024, the reform's changes are langson-2025.
                "annual",
                {"": "before 10/11"},
                PROVINCE,
                years=(2018, 2024),
            ),
        },
    ),
    # The same KH 96 report from 2025, after the reform: see langson-2025.yaml's header.
    "langson-2025": Example(
        "003_langson_2018_kh_96.txt",
        "so-ldtbxh",
        {
            "bao-cao-ket-qua-nam": Expect(
                "annual", {"": "before 10/11"}, (*PROVINCE, "commune", "ward"), years=(2025, None)
            ),
        },
    ),
    # CV 350/CV-BVSTBCPN: "trước ngày 10/6 đối với báo cáo sơ kết 6 tháng và trước ngày
    # 10/12 đối với báo cáo tổng kết năm 2011"; "các huyện, thành phố, các sở, ban ngành
    # chưa kiện toàn ... kiện toàn Ban VSTBCPN trong Quý II/2011".
    "langson-2011": Example(
        "004_langson_2011_cv_350.txt",
        "so-ldtbxh",
        {
            "bao-cao-so-ket-6-thang": Expect(
                "semiannual", {"H1": "before 10/06"}, PROVINCE, years=(2011, 2011)
            ),
            "bao-cao-tong-ket-nam": Expect(
                "annual", {"": "before 10/12"}, PROVINCE, years=(2011, 2011)
            ),
            # "trong Quý II/2011" read as "by the last day of Q2", which counts.
            "kien-toan-ban": Expect(
                "one_off", {"": "by 30/06/2011"}, ("department", "district"), years=(2011, 2011)
            ),
        },
    ),
}

# Due dates the document does not write as a date: (example, obligation, slot) -> the raw
# words. The example must quote them in a comment that explains its reading.
NOT_WRITTEN_AS_DATE: dict[tuple[str, str, str], str] = {
    # OCR of "trước ngày 5/6": the slash was read as "1".
    ("thanhhoa-2012", "bao-cao-so-ket-6-thang", "H1"): "trước ngày 516",
    # "within Q2/2011", read as "by the last day of Q2".
    ("langson-2011", "kien-toan-ban", ""): "trong Quý II/2011",
}
# What the seed would say if the OCR had been right: it must not be there, or the
# exception above would be an excuse.
OCR_READS = {"trước ngày 516": "trước ngày 5/6"}

# The district-level units of the real provinces, as they were in the document's year.
DISTRICTS: dict[str, set[str]] = {
    "thanhhoa-2012": {
        "thành phố Thanh Hóa",
        "thị xã Bỉm Sơn",
        "thị xã Sầm Sơn",
        "huyện Mường Lát",
        "huyện Quan Hóa",
        "huyện Quan Sơn",
        "huyện Bá Thước",
        "huyện Lang Chánh",
        "huyện Thường Xuân",
        "huyện Như Xuân",
        "huyện Như Thanh",
        "huyện Cẩm Thủy",
        "huyện Ngọc Lặc",
        "huyện Thạch Thành",
        "huyện Vĩnh Lộc",
        "huyện Hà Trung",
        "huyện Nga Sơn",
        "huyện Hậu Lộc",
        "huyện Hoằng Hóa",
        "huyện Quảng Xương",
        "huyện Tĩnh Gia",
        "huyện Nông Cống",
        "huyện Đông Sơn",
        "huyện Triệu Sơn",
        "huyện Thọ Xuân",
        "huyện Thiệu Hóa",
        "huyện Yên Định",
    },
    "langson-2018": {
        "thành phố Lạng Sơn",
        "huyện Tràng Định",
        "huyện Văn Lãng",
        "huyện Văn Quan",
        "huyện Bình Gia",
        "huyện Bắc Sơn",
        "huyện Hữu Lũng",
        "huyện Chi Lăng",
        "huyện Cao Lộc",
        "huyện Lộc Bình",
        "huyện Đình Lập",
    },
}
DISTRICTS["langson-2011"] = DISTRICTS["langson-2018"]
DISTRICTS["langson-2025"] = DISTRICTS["langson-2018"]  # until they close on 30/06/2025

# Nghị quyết 1672/NQ-UBTVQH15 (16/6/2025): Lạng Sơn's 61 xã and 4 phường from 01/07/2025.
LANGSON_COMMUNES_2025 = {
    "Thất Khê",
    "Đoàn Kết",
    "Tân Tiến",
    "Tràng Định",
    "Quốc Khánh",
    "Kháng Chiến",
    "Quốc Việt",
    "Bình Gia",
    "Tân Văn",
    "Hồng Phong",
    "Hoa Thám",
    "Quý Hòa",
    "Thiện Hòa",
    "Thiện Thuật",
    "Thiện Long",
    "Bắc Sơn",
    "Hưng Vũ",
    "Vũ Lăng",
    "Nhất Hòa",
    "Vũ Lễ",
    "Tân Tri",
    "Văn Quan",
    "Điềm He",
    "Yên Phúc",
    "Tri Lễ",
    "Tân Đoàn",
    "Khánh Khê",
    "Na Sầm",
    "Hoàng Văn Thụ",
    "Thụy Hùng",
    "Văn Lãng",
    "Hội Hoan",
    "Lộc Bình",
    "Mẫu Sơn",
    "Na Dương",
    "Lợi Bác",
    "Thống Nhất",
    "Xuân Dương",
    "Khuất Xá",
    "Đình Lập",
    "Thái Bình",
    "Châu Sơn",
    "Kiên Mộc",
    "Hữu Lũng",
    "Tuấn Sơn",
    "Tân Thành",
    "Vân Nham",
    "Thiện Tân",
    "Yên Bình",
    "Hữu Liên",
    "Cai Kinh",
    "Chi Lăng",
    "Quan Sơn",
    "Chiến Thắng",
    "Nhân Lý",
    "Bằng Mạc",
    "Vạn Linh",
    "Đồng Đăng",
    "Cao Lộc",
    "Công Sơn",
    "Ba Sơn",
}
LANGSON_WARDS_2025 = {"Tam Thanh", "Lương Văn Tri", "Kỳ Lừa", "Đông Kinh"}

NAMES = sorted(EXPECTED)
OBLIGATIONS = [(n, o) for n in NAMES for o in EXPECTED[n].obligations]


def _norm(s: str) -> str:
    """NFC, markdown bold dropped, whitespace collapsed: the seeds break lines mid-sentence."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s).replace("**", "")).strip()


@cache
def _seed(name: str) -> str:
    return _norm((SEEDS / EXPECTED[name].seed).read_text(encoding="utf-8"))


@cache
def _calendar(name: str) -> Calendar:
    return load_calendar(EXAMPLES / f"{name}.yaml")


def _obligation(name: str, oid: str) -> Obligation:
    return _calendar(name).obligation(oid)


def _rule_text(rule: DueRule) -> str:
    """The rule in the examples' own spelling, rebuilt from what the loader understood."""
    word = "by" if rule.inclusive else "before"
    if rule.exact is not None:
        return f"{word} {rule.exact:%d/%m/%Y}"
    assert rule.on is not None, rule
    text = f"{word} {rule.on.day:02d}/{rule.on.month:02d}"
    return text + " next year" if rule.on.year_offset else text


def _date_pattern(dm: DayMonth | date) -> str:
    """5/6, 05/06, 5/6/2012 as the documents write them; never a prefix of a longer number."""
    return rf"(?<!\d)0?{dm.day}/0?{dm.month}(?:/\d{{4}})?(?![\d/])"


def test_every_example_has_expectations() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_example_loads(name: str) -> None:
    cal = _calendar(name)
    assert cal.id == name
    assert cal.obligations


def test_examples_load_together() -> None:
    cals = load_calendars(sorted(EXAMPLES.glob("*.yaml")))
    assert sorted(c.id for c in cals) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_obligations_are_exactly_the_documents(name: str) -> None:
    cal, want = _calendar(name), EXPECTED[name]
    assert [o.id for o in cal.obligations] == list(want.obligations)
    for o in cal.obligations:
        exp = want.obligations[o.id]
        assert o.period.value == exp.period, o.id
        assert {r.slot: _rule_text(r) for r in o.due} == exp.due, o.id
        window = o.window and " - ".join(f"{dm.day:02d}/{dm.month:02d}" for dm in o.window)
        assert window == exp.window, o.id
        assert set(o.submitters.kinds) == set(exp.kinds), o.id
        assert (o.submitters.units, o.submitters.subtrees) == ((), ()), o.id
        assert o.receiver == want.receiver, o.id
        assert (o.from_year, o.until_year) == exp.years, o.id


@pytest.mark.parametrize(("name", "oid"), OBLIGATIONS)
def test_source_is_verbatim_from_the_seed(name: str, oid: str) -> None:
    source = _obligation(name, oid).source
    assert source, f"{name}/{oid} quotes no sentence"
    assert _norm(source) in _seed(name)


@pytest.mark.parametrize(("name", "oid"), OBLIGATIONS)
def test_due_dates_are_the_ones_the_sentence_writes(name: str, oid: str) -> None:
    o = _obligation(name, oid)
    source = _norm(o.source or "")
    written = {
        (int(d), int(m))
        for d, m in re.findall(r"(?:trước|chậm nhất) ngày (\d{1,2})/(\d{1,2})", source)
    }
    expected_dates = set()
    for rule in o.due:
        raw = NOT_WRITTEN_AS_DATE.get((name, oid, rule.slot))
        if raw is not None:
            assert raw in source
            continue
        dm = rule.on or rule.exact
        assert dm is not None, rule
        words = "chậm nhất ngày" if rule.inclusive else "trước ngày"
        assert re.search(rf"{words} {_date_pattern(dm)}", source), (rule.text, source)
        expected_dates.add((dm.day, dm.month))
    # Each obligation quotes its own part of the sentence, with no other date in it.
    assert written == expected_dates, source
    if o.window is not None:
        start, end = o.window
        pattern = rf"từ ngày {_date_pattern(start)} đến ngày {_date_pattern(end)}"
        assert re.search(pattern, source), source


def _comment_lines(name: str) -> list[str]:
    lines = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    return [_norm(line.split("#", 1)[1]) for line in lines if "#" in line]


@pytest.mark.parametrize(
    ("key", "raw"), NOT_WRITTEN_AS_DATE.items(), ids=["/".join(k[:2]) for k in NOT_WRITTEN_AS_DATE]
)
def test_a_date_not_written_as_such_is_explained(key: tuple[str, str, str], raw: str) -> None:
    name, oid, slot = key
    assert raw in _seed(name)
    assert any(raw in line for line in _comment_lines(name)), f"{name}.yaml must quote {raw!r}"
    assert any(r.slot == slot for r in _obligation(name, oid).due)
    if raw in OCR_READS:
        assert OCR_READS[raw] not in _seed(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_submitter_has_a_focal_point_with_an_email(name: str) -> None:
    """Every unit that owes a report in the example's years (a unit closed before it owes
    anything, like a merged department, needs nobody)."""
    cal = _calendar(name)
    for o in cal.obligations:
        first = o.from_year or 2025
        owing = {
            u.id
            for year in range(first, (o.until_year or first + 1) + 1)
            for entry in year_plan(cal, year)
            if entry.cycle.obligation_id == o.id
            for u in entry.units
        }
        units = [u for u in selected_units(cal, o) if u.id in owing]
        assert units, o.id
        for unit in units:
            assert unit.focal_points, f"{o.id}: {unit.id} has no focal point"
            for pid in unit.focal_points:
                email = cal.person(pid).email
                assert email, f"{unit.id}: {pid} has no email"


@pytest.mark.parametrize("name", NAMES)
def test_people_are_fictional(name: str) -> None:
    for person in _calendar(name).people:
        assert person.email is None or person.email.endswith(".example"), person.id


@pytest.mark.parametrize("name", sorted(DISTRICTS))
def test_districts_are_those_of_the_province(name: str) -> None:
    names = [u.name for u in _calendar(name).units if u.kind == "district"]
    found = {n for n in DISTRICTS[name] if any(u.endswith(" " + n) for u in names)}
    assert found == DISTRICTS[name]
    assert len(names) == len(DISTRICTS[name])


def test_unnamed_province_gets_placeholder_districts() -> None:
    # The 2019 guidance never names its province: no real district may be made up.
    names = [u.name for u in _calendar("so-ldtbxh-2019").units if u.kind == "district"]
    assert names
    assert all(re.fullmatch(r"UBND (thành phố|thị xã|huyện) [A-Z]", n) for n in names), names


def test_langson_2025_has_the_communes_and_wards_of_resolution_1672() -> None:
    cal = _calendar("langson-2025")
    communes = {u.name.removeprefix("UBND xã ") for u in cal.units if u.kind == "commune"}
    wards = {u.name.removeprefix("UBND phường ") for u in cal.units if u.kind == "ward"}
    assert (communes, wards) == (LANGSON_COMMUNES_2025, LANGSON_WARDS_2025)
    assert len(communes) == 61
    new = [u for u in cal.units if u.kind in ("commune", "ward")]
    assert all(u.opened == date(2025, 7, 1) and u.parent == "ubnd-tinh" for u in new)
    districts = [u for u in cal.units if u.kind == "district"]
    assert all(u.closed == date(2025, 7, 1) for u in districts)


def test_langson_2025_transition_and_a_2026_plan_without_abolished_units() -> None:
    cal = _calendar("langson-2025")
    ob = cal.obligation("bao-cao-ket-qua-nam")
    assert ob.receiver_on(date(2025, 2, 28)) == "so-ldtbxh"
    assert ob.receiver_on(date(2025, 3, 1)) == "so-noi-vu"
    assert cal.unit("so-ldtbxh").successor == "so-noi-vu"
    (y2025,) = year_plan(cal, 2025)
    carried = {o.unit.id: [u.id for u in o.instead_of] for o in y2025.owed if o.instead_of}
    assert carried == {"so-tai-chinh": ["so-khdt"], "so-dan-toc-ton-giao": ["ban-dan-toc"]}
    not_owed = {n.unit.id for n in y2025.not_owed}
    assert not_owed == {"so-ldtbxh", "so-tttt"} | {u.id for u in cal.units if u.kind == "district"}
    for year in (2026, 2027):
        (entry,) = year_plan(cal, year)
        assert not entry.not_owed and all(not o.instead_of for o in entry.owed)
        assert all(o.unit.closed is None for o in entry.owed)
        assert {o.unit.kind for o in entry.owed} == {
            "department",
            "mass_organisation",
            "commune",
            "ward",
        }
        assert len(entry.owed) == 6 + 2 + 65

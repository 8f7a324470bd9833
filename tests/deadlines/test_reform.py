"""The 2025 reform's rules, pinned with dates worked out by hand: succession across a
merger, receivers by date and by parent, reminders before Tết 2026, escalations over a long
weekend, campaigns announced before they start, and holidays the calendar cancels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from activities.snapshot import freeze
from config.loader import load_calendar_text
from deadlines.expected import owed_reports
from deadlines.model import Calendar
from deadlines.plan import shift_reason, year_plan
from deadlines.timeline import plan_year
from deadlines.workdays import HOLIDAYS_VERSION, WorkCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def reform(obligations: str, extra: str = "") -> Calendar:
    text = f"""\
calendar: {{id: ls, name: Thử cải cách}}
organisation: {{id: ubnd, name: UBND tỉnh}}
people:
  - {{id: ldtbxh, name: Cán bộ LĐTBXH, email: a@thu.example}}
  - {{id: noivu, name: Cán bộ Nội vụ, email: b@thu.example}}
  - {{id: xa-a-cb, name: Cán bộ xã A, email: c@thu.example}}
  - {{id: moi-cb, name: Cán bộ xã Mới, email: d@thu.example}}
  - {{id: moi-ct, name: Chủ tịch xã Mới, email: e@thu.example}}
  - {{id: huyen-cb, name: Cán bộ huyện, email: f@thu.example}}
units:
  - {{id: tinh, name: UBND tỉnh, kind: province}}
  - {{id: so-ldtbxh, name: Sở LĐTBXH, kind: department, parent: tinh, focal_point: ldtbxh,
      closed: 01/03/2025, successor: so-noi-vu}}
  - {{id: so-noi-vu, name: Sở Nội vụ, kind: department, parent: tinh, focal_point: noivu}}
  - {{id: huyen, name: Huyện Cũ, kind: district, parent: tinh, focal_point: huyen-cb,
      closed: 01/07/2025}}
  - {{id: xa-a, name: Xã A, kind: commune, parent: huyen, focal_point: xa-a-cb,
      closed: 01/07/2025, successor: xa-moi}}
  - {{id: xa-b, name: Xã B, kind: commune, parent: huyen, closed: 01/07/2025, successor: xa-moi}}
  - {{id: xa-c, name: Xã C, kind: commune, parent: huyen, closed: 01/07/2025}}
  - {{id: xa-moi, name: Xã Mới, kind: commune, parent: tinh, opened: 01/07/2025,
      focal_point: moi-cb, head: moi-ct}}
obligations:
{obligations}
{extra}
"""
    return load_calendar_text(text, "reform.yaml")


HALF_YEAR = """\
  - id: bdg
    name: Báo cáo bình đẳng giới
    period: semiannual
    due: {H1: before 15/07, H2: before 15/01 next year}
    submitters: {kinds: [commune]}
    receiver:
      - {unit: so-ldtbxh}
      - {unit: so-noi-vu, from: 01/03/2025}"""


def owed_ids(owed) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(o.unit.id, tuple(u.id for u in o.instead_of), o.own) for o in owed]


def test_merge_on_1_july_2025_h1_report_owed_by_the_successor() -> None:
    cal = reform(HALF_YEAR)
    ob = cal.obligation("bdg")
    h1, h2 = plan_year(cal, 2025)
    assert h1.period.id == "2025-H1" and h1.last_day == date(2025, 7, 14)
    owed, not_owed = owed_reports(cal, ob, h1.period, h1.last_day)
    # Xã A and Xã B closed on 01/07/2025, before 14/07: Xã Mới owes H1 in their place, one
    # report for the merged area; it opened after the half-year and owes no part of its own.
    assert owed_ids(owed) == [("xa-moi", ("xa-a", "xa-b"), False)]
    assert owed[0].name_vi() == "Xã Mới (thay cho Xã A, Xã B)"
    # Xã C closed with no successor: not owed, and the plan says why.
    assert [(n.unit.id, n.reason) for n in not_owed] == [
        ("xa-c", "ngừng hoạt động từ 01/07/2025, trước hạn nộp, không có đơn vị kế thừa")
    ]
    # H2 (due before 15/01/2026): Xã Mới, for itself. One report for the area each half.
    owed2, not_owed2 = owed_reports(cal, ob, h2.period, h2.last_day)
    assert owed_ids(owed2) == [("xa-moi", (), True)] and not not_owed2

    frozen = freeze(cal, h1)
    (deadline,) = frozen.units
    # The successor's deadline, reaching its people, under the name that says for whom.
    assert deadline.unit_id == "xa-moi"
    assert frozen.snapshot.deadline_id("xa-moi") == "deadline/ls/bdg/2025-H1/xa-moi"
    assert deadline.unit_name == "Xã Mới (thay cho Xã A, Xã B)"
    assert deadline.contacts.focal_points == ["moi-cb"]
    assert deadline.contacts.head == "moi-ct"
    assert deadline.contacts.coordinators == ["noivu"]


def test_annual_report_of_a_merger_year_is_one_report_including_the_old_units() -> None:
    annual = HALF_YEAR.replace("semiannual", "annual").replace(
        "{H1: before 15/07, H2: before 15/01 next year}", "before 15/12"
    )
    cal = reform(annual)
    (year,) = plan_year(cal, 2025)
    owed, _ = owed_reports(cal, cal.obligation("bdg"), year.period, year.last_day)
    # Xã Mới existed for half of 2025 and owes its own report, which includes Xã A and B.
    assert owed_ids(owed) == [("xa-moi", ("xa-a", "xa-b"), True)]
    assert owed[0].name_vi() == "Xã Mới (gồm cả Xã A, Xã B)"


def test_merge_report_due_before_closing_is_owed_by_the_old_unit() -> None:
    early = HALF_YEAR.replace("H1: before 15/07", "H1: before 15/06")
    cal = reform(early)
    h1 = plan_year(cal, 2025)[0]
    owed, not_owed = owed_reports(cal, cal.obligation("bdg"), h1.period, h1.last_day)
    assert owed_ids(owed) == [("xa-a", (), True), ("xa-b", (), True), ("xa-c", (), True)]
    assert not not_owed


def test_plan_lists_successor_link_and_not_owed() -> None:
    cal = reform(HALF_YEAR)
    entry = year_plan(cal, 2025)[0]
    assert [u.id for u in entry.units] == ["xa-moi"]
    assert [u.id for u in entry.owed[0].instead_of] == ["xa-a", "xa-b"]
    assert [n.unit.id for n in entry.not_owed] == ["xa-c"]
    # Filtering by an old unit keeps the report its successor owes for it.
    (mine,) = [e for e in year_plan(cal, 2025, unit="xa-a") if e.cycle.period.slot == "H1"]
    assert [o.unit.id for o in mine.owed] == ["xa-moi"]


def test_receiver_changes_mid_year() -> None:
    quarterly = """\
  - id: quy
    name: Báo cáo quý
    period: quarterly
    due: before day 20 next month
    submitters: {kinds: [department]}
    receiver:
      - {unit: so-ldtbxh}
      - {unit: so-noi-vu, from: 01/03/2025}"""
    cal = reform(quarterly)
    ob = cal.obligation("quy")
    # Q4 2024 is due before 20/01/2025, while Sở LĐTBXH still receives: Sở Nội vụ submits.
    (q4,) = [c for c in plan_year(cal, 2024) if c.period.slot == "Q4"]
    assert q4.last_day == date(2025, 1, 19) and ob.receiver_on(q4.last_day) == "so-ldtbxh"
    frozen = freeze(cal, q4)
    assert frozen.snapshot.receiver == "so-ldtbxh"
    assert [u.unit_id for u in frozen.units] == ["so-noi-vu"]
    assert frozen.units[0].contacts.coordinators == ["ldtbxh"]
    # Q1 2025 is due before 20/04/2025: Sở Nội vụ receives, so it no longer submits, and
    # the closed Sở LĐTBXH's report would be owed by its successor, which now receives it:
    # nobody owes a report to itself, so it is listed as not owed, with the reason.
    q1 = plan_year(cal, 2025)[0]
    assert ob.receiver_on(q1.last_day) == "so-noi-vu"
    frozen = freeze(cal, q1)
    assert frozen.snapshot.receiver == "so-noi-vu"
    assert frozen.snapshot.cycle_id == "cycle/ls/quy/2025-Q1"  # one obligation, one series
    assert [u.unit_id for u in frozen.units] == []
    _, not_owed = owed_reports(cal, ob, q1.period, q1.last_day)
    assert [(n.unit.id, n.reason) for n in not_owed] == [
        ("so-ldtbxh", "ngừng hoạt động từ 01/03/2025; đơn vị kế thừa Sở Nội vụ là nơi nhận báo cáo")
    ]


def test_receiver_parent_each_unit_reports_to_its_parent() -> None:
    cal = reform("""\
  - id: cap-tren
    name: Báo cáo lên cấp trên
    period: annual
    due: before 15/12
    submitters: {kinds: [commune, district]}
    receiver: parent""")
    (c2024,) = plan_year(cal, 2024)
    frozen = freeze(cal, c2024)
    coordinators = {u.unit_id: u.contacts.coordinators for u in frozen.units}
    # Communes report to Huyện Cũ (its focal point), the district to UBND tỉnh (nobody).
    assert coordinators == {
        "huyen": [],
        "xa-a": ["huyen-cb"],
        "xa-b": ["huyen-cb"],
        "xa-c": ["huyen-cb"],
    }


def test_reminder_before_tet_2026_is_pulled_back_before_the_break() -> None:
    cal = reform(
        """\
  - id: tet
    name: Báo cáo sau Tết
    period: one_off
    due: by 25/02/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    )
    (cycle,) = plan_year(cal, 2026)
    at = {r.key: r.at.astimezone(HCM) for r in cycle.reminders}
    # Tết Bính Ngọ: off from Saturday 14/02 to Sunday 22/02/2026. "-7d" (18/02, mùng hai)
    # and "-3d" (Sunday 22/02) both go to Friday 13/02, the last working day before Tết,
    # merged into one message; "-1d" and "0d" stay on 24/02 and 25/02.
    assert at == {
        "remind:-7d": datetime(2026, 2, 13, 8, 0, tzinfo=HCM),
        "remind:-1d": datetime(2026, 2, 24, 8, 0, tzinfo=HCM),
        "remind:0d": datetime(2026, 2, 25, 8, 0, tzinfo=HCM),
    }
    first = cycle.reminders[0]
    assert first.merged == ("remind:-3d",)
    assert first.deferred_because == (
        "18/02/2026 là Mùng hai Tết Nguyên Đán: nhắc sớm vào ngày làm việc trước đó"
    )


def test_escalation_ladder_over_the_30_april_long_weekend() -> None:
    cal = reform(
        """\
  - id: thang4
    name: Báo cáo tháng Tư
    period: one_off
    due: by 29/04/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    )
    (cycle,) = plan_year(cal, 2026)
    assert cycle.legal_end == date(2026, 4, 29)  # a Wednesday
    # 30/04 and 01/05 are holidays, then a weekend: the working days after the legal end
    # are 04/05 (1st), 05/05, 06/05 (3rd), 07/05, 08/05 (5th). "After Nd" waits for N whole
    # working days: 05/05, 07/05 and Monday 11/05 (08/05 ends on a Friday). Counted in
    # calendar days, the first two would both have fired at 07:30 on 04/05.
    got = [(s.to.value, s.at.astimezone(HCM)) for s in cycle.escalations]
    assert got == [
        ("focal_point", datetime(2026, 5, 5, 7, 30, tzinfo=HCM)),
        ("head", datetime(2026, 5, 7, 7, 30, tzinfo=HCM)),
        ("supervisor", datetime(2026, 5, 11, 7, 30, tzinfo=HCM)),
    ]
    assert cycle.escalations[0].deferred_because == (
        "1 ngày làm việc sau hạn cuối, không tính ngày nghỉ"
    )


def test_escalation_steps_never_share_a_day() -> None:
    cal = reform(
        """\
  - id: gan
    name: Báo cáo gấp
    period: one_off
    due: by 29/04/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu
    escalation:
      - {after: 1d, to: focal_point}
      - {after: 36h, to: head}"""
    )
    (cycle,) = plan_year(cal, 2026)
    # 36h (1 working day and 12 h) would be 12:00 on 05/05, the day of the first step:
    # moved to 06/05 07:30.
    first, second = cycle.escalations
    assert first.at.astimezone(HCM) == datetime(2026, 5, 5, 7, 30, tzinfo=HCM)
    assert second.at.astimezone(HCM) == datetime(2026, 5, 6, 7, 30, tzinfo=HCM)
    assert second.deferred_because == "cách bước trước ít nhất một ngày làm việc"


def test_campaign_announced_before_its_start() -> None:
    cal = reform(
        """\
  - id: thang-hanh-dong
    name: Tháng hành động vì bình đẳng giới
    period: campaign
    window: 15/11 - 15/12
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    )
    (cycle,) = plan_year(cal, 2026)
    # 15/11/2026 is a Sunday: counted down to its eve, Saturday 14/11. -7d (Saturday 07/11)
    # goes to Friday 06/11, -3d is Wednesday 11/11, -1d Friday 13/11, and 0d (the eve, a
    # Saturday) is pulled back onto 13/11 and merged: nothing on or after the first day.
    days = [r.at.astimezone(HCM).date() for r in cycle.reminders]
    assert days == [date(2026, 11, 6), date(2026, 11, 11), date(2026, 11, 13)]
    assert cycle.reminders[-1].merged == ("remind:0d",)
    assert not cycle.expects_submission and cycle.escalations == ()


def test_working_days_cancel_a_package_holiday_and_plan_says_where_days_off_come_from() -> None:
    obligation = """\
  - id: vh
    name: Báo cáo cuối tháng 11
    period: one_off
    due: by 24/11/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    cal = reform(obligation)
    (cycle,) = plan_year(cal, 2026)
    # The package has 24/11/2026 (Ngày Văn hóa Việt Nam) as a day off: rolled to 25/11.
    assert cycle.legal_end == date(2026, 11, 25)
    assert shift_reason(cycle) == (
        f"24/11/2026 là Ngày Văn hóa Việt Nam (gói holidays {HOLIDAYS_VERSION}): "
        "dời sang ngày làm việc tiếp theo (BLDS 2015 Điều 148.5)"
    )
    cancelled = reform(obligation, "working_days: [24/11/2026]")
    (cycle,) = plan_year(cancelled, 2026)
    assert cycle.legal_end == date(2026, 11, 24)
    work = WorkCalendar.of(cancelled)
    assert work.is_working_day(date(2026, 11, 24))
    # The year's list of exceptions says where each comes from.
    got = {d: (name, source) for d, name, source in work.exceptions(2026)}
    assert got[date(2026, 11, 24)] == (
        "Ngày làm việc (không nghỉ lễ)",
        "lịch (working_days), thay cho «Ngày Văn hóa Việt Nam» của gói holidays",
    )
    assert got[date(2026, 2, 17)] == ("Tết Nguyên Đán", f"gói holidays {HOLIDAYS_VERSION}")
    assert got[date(2026, 8, 22)] == ("Ngày làm việc bù", f"gói holidays {HOLIDAYS_VERSION}")
    assert date(2026, 11, 28) not in got  # an ordinary Saturday
    assert work.day_off_source(date(2026, 11, 25)) is None
    assert work.day_off_source(date(2026, 11, 28)) == "cuối tuần"


def test_campaign_with_a_result_report_is_announced_before_its_start_too() -> None:
    cal = reform(
        """\
  - id: thang-hanh-dong
    name: Tháng hành động vì bình đẳng giới
    period: campaign
    window: 15/11 - 15/12
    due: before 20/12
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    )
    (cycle,) = plan_year(cal, 2026)
    assert cycle.expects_submission and cycle.legal_end == date(2026, 12, 21)
    got = [(r.key, r.at.astimezone(HCM).date(), r.merged) for r in cycle.reminders]
    # The start (Sunday 15/11) is announced on Friday 13/11; the report's own reminders
    # count down to the legal end, Monday 21/12 (the last day, 19/12, is a Saturday):
    # -7d on 14/12, -3d on Friday 18/12, -1d (Sunday 20/12) pulled back onto 18/12 and
    # merged, 0d on 21/12 itself.
    assert got == [
        ("remind:start", date(2026, 11, 13), ()),
        ("remind:-7d", date(2026, 12, 14), ()),
        ("remind:-3d", date(2026, 12, 18), ("remind:-1d",)),
        ("remind:0d", date(2026, 12, 21), ()),
    ]
    assert cycle.opens_at < cycle.reminders[0].at


def test_two_reminders_written_for_one_day_are_both_kept() -> None:
    cal = reform(
        """\
  - id: hai-lan
    name: Báo cáo nhắc hai lần
    period: one_off
    due: by 25/11/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu
    reminders: [0d@08:00, 0d@15:00]"""
    )
    (cycle,) = plan_year(cal, 2026)
    assert [r.at.astimezone(HCM).hour for r in cycle.reminders] == [8, 15]


def test_an_extension_keeps_the_calendars_cancelled_holiday() -> None:
    from activities.snapshot import replan

    obligation = """\
  - id: vh
    name: Báo cáo tháng 11
    period: one_off
    due: by 20/11/2026
    submitters: {units: [xa-moi]}
    receiver: so-noi-vu"""
    cal = reform(obligation, "working_days: [24/11/2026]")
    (cycle,) = plan_year(cal, 2026)
    frozen = freeze(cal, cycle)
    # An extension to 24/11/2026 is re-planned from the frozen rules alone: the cancelled
    # holiday travels with them, so 24/11 stays a working day and the legal end.
    timeline = replan(frozen.snapshot.rules, "vh", cycle.period.id, date(2026, 11, 24), 1)
    assert timeline.legal_end == "2026-11-24"

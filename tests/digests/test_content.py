"""The digest's content from the store: the right units for the right supervisor, grouped
by obligation, with the rates of this period against the previous one."""

from __future__ import annotations

from pathlib import Path

from activities import contracts as act
from activities.digests import DigestActivities
from activities.store_access import StoreAccess
from boundary.types import DigestTarget
from store import digests
from tests.digests.seed import AS_OF, CAL, YEAR, seed
from tests.workflows.support import sqlite_store


def seeded(tmp_path: Path, overdue: bool = True) -> StoreAccess:
    store = sqlite_store(tmp_path)
    seed(store, tmp_path, overdue)
    return store


def test_supervisors_of_the_calendar(tmp_path: Path) -> None:
    with seeded(tmp_path).read() as session:
        assert digests.supervisor_keys(session, CAL) == ["boss", "fp-c", "head-a"]


def test_the_province_supervisor_sees_the_overdue_unit_with_its_facts(tmp_path: Path) -> None:
    with seeded(tmp_path).read() as session:
        digest = digests.build_digest(session, CAL, "boss", AS_OF)
    assert digest.supervisor_name == "Hoàng Văn Lãnh Đạo"
    assert digest.as_of == f"{YEAR}-06-20"
    assert digest.overdue == 1
    [group] = digest.groups
    assert group.obligation_name == "Báo cáo 6 tháng công tác bình đẳng giới"
    [unit] = group.units
    assert unit.unit_name == "Sở Y tế"
    assert unit.days_overdue == 5
    assert unit.reminders_sent == 3
    assert unit.extension == "requested"
    assert unit.focal_points == ["Trần Văn A (a@thu.example, @fp_aaa)"]
    assert unit.due_on == f"{YEAR}-06-15"


def test_rates_are_against_the_previous_period(tmp_path: Path) -> None:
    with seeded(tmp_path).read() as session:
        [group] = digests.build_digest(session, CAL, "boss", AS_OF).groups
    assert group.current is not None and group.previous is not None
    assert group.current.period == f"{YEAR}-H1"
    assert (group.current.expected, group.current.submitted, group.current.on_time) == (2, 1, 1)
    assert group.previous.period == f"{YEAR - 1}-H1"
    assert (group.previous.expected, group.previous.submitted, group.previous.on_time) == (2, 2, 1)
    assert group.previous.rates.reporting_rate == 1.0


def test_a_supervisor_sees_only_his_subtree(tmp_path: Path) -> None:
    with seeded(tmp_path).read() as session:
        head = digests.build_digest(session, CAL, "head-a", AS_OF)
        other = digests.build_digest(session, CAL, "fp-c", AS_OF)
        nobody = digests.build_digest(session, CAL, "fp-b", AS_OF)
    assert [u.unit_key for g in head.groups for u in g.units] == ["unit-a"]
    # head-a's rates count only his unit: this period 0/1, the previous 1/1.
    assert head.groups[0].current.expected == 1  # type: ignore[union-attr]
    assert other.overdue == 0 and other.groups == []
    assert nobody.overdue == 0


def test_nothing_overdue_means_an_empty_digest(tmp_path: Path) -> None:
    with seeded(tmp_path, overdue=False).read() as session:
        digest = digests.build_digest(session, CAL, "boss", AS_OF)
    assert digest.overdue == 0
    assert digest.payload()["groups"] == []


def test_a_supervisor_gone_since_the_plan_gets_nothing_and_fails_nothing(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    target = DigestTarget(CAL, "nobody", f"{YEAR}-06-20", "daily")
    assert DigestActivities(store)._build(act.DigestInput(target, AS_OF)) == act.DigestOutcome()

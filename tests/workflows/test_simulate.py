"""`hanchot simulate`: a year through the real workflows, with simulated units."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from hanchot.cli import app
from hanchot.simulate import SimOptions, per_person, simulate
from tests.workflows.support import calendar_file, frozen_h1, make_calendar

YEAR = 2025  # a past year: the simulation shifts it onto the test server's clock


async def test_when_nobody_submits_every_step_goes_out_once_per_recipient() -> None:
    calendar = make_calendar(YEAR)
    result = await simulate(calendar, SimOptions(YEAR, seed=3, late_rate=0, missing_rate=1))

    timeline = frozen_h1(calendar, YEAR).snapshot.timeline
    reminders = [s for s in timeline.steps if s.kind == "remind"]
    counts = per_person(result)
    assert counts["fp-a"] == {"reminder": len(reminders), "escalation": 1}
    assert counts["fp-b"] == {"reminder": len(reminders), "escalation": 1}
    assert counts["head-a"] == {"escalation": 1}  # unit-b has no head
    assert counts["boss"] == {"digest": 1}  # both units reach him the same day: one digest
    assert dict(result.unreachable) == {("unit-b", "escalate:2:head"): 1}
    assert result.outcomes == {f"cycle/test-cal/bao-cao-6-thang/{YEAR}-H1": {"missing": 2}}
    # Back on the calendar's own dates, at the planned instants.
    planned = {s.key: s.at for s in timeline.steps}
    for sent in result.sent:
        assert sent.at == planned[sent.step]
        assert sent.at.year == YEAR


async def test_when_everybody_submits_on_time_nobody_is_escalated() -> None:
    calendar = make_calendar(YEAR)
    result = await simulate(calendar, SimOptions(YEAR, seed=5, late_rate=0, missing_rate=0))

    legal_end = frozen_h1(calendar, YEAR).snapshot.timeline.legal_end_at
    assert not [s for s in result.sent if s.kind == "escalation"] and not result.digests
    assert all(s.at < legal_end for s in result.sent)
    assert sorted(s.person for s in result.sent if s.kind == "receipt") == ["fp-a", "fp-b"]
    assert result.outcomes[f"cycle/test-cal/bao-cao-6-thang/{YEAR}-H1"] == {"submitted_on_time": 2}


def test_the_command_prints_the_same_preview_for_the_same_seed(tmp_path: Path) -> None:
    path = calendar_file(tmp_path, YEAR)
    args = ["simulate", str(path), "--year", str(YEAR), "--seed", "7", "--format", "json"]
    args += ["--late-rate", "0.5", "--missing-rate", "0.5"]
    first = CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    report, second = json.loads(first.stdout), json.loads(again.stdout)
    assert report["messages"] == second["messages"] and report["people"] == second["people"]
    (obligation,) = report["obligations"]
    assert obligation["period"] == f"6 tháng đầu năm {YEAR}"
    assert sum(obligation["outcomes"].values()) == 2
    assert "missing" in obligation["outcomes"] or "submitted_late" in obligation["outcomes"]
    assert all(datetime.fromisoformat(m["at"]).year == YEAR for m in report["messages"])

    table = CliRunner().invoke(app, [*args[:-2], "--format", "table"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "Theo nghĩa vụ báo cáo" in table.stdout and "Trần Văn A" in table.stdout


def test_rates_out_of_range_are_refused(tmp_path: Path) -> None:
    path = calendar_file(tmp_path, YEAR)
    result = CliRunner().invoke(
        app,
        ["simulate", str(path), "--year", str(YEAR), "--late-rate", "0.8", "--missing-rate", "0.5"],
    )
    assert result.exit_code == 2

"""`hanchot simulate`: a year through the real workflows, with simulated units."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from hanchot.cli import app
from hanchot.commands.simulate import as_json
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


async def test_each_person_gets_a_dated_list_and_each_cycle_its_rates() -> None:
    calendar = make_calendar(YEAR)
    result = await simulate(calendar, SimOptions(YEAR, seed=3, late_rate=0, missing_rate=1))
    report = as_json(result)
    (cycle,) = report["obligations"]
    # Sở Công Thương closed on 01/04, before the H1 report was due, with no successor:
    # two units owe it, neither submits.
    assert (cycle["expected"], cycle["reporting_rate"], cycle["on_time_rate"]) == (2, 0.0, 0.0)
    people = {p["person"]: p for p in report["people"]}
    first = people["fp-a"]["messages"][0]
    # "before 15/06/2025": last day Saturday 14/06, legal end Monday 16/06; -7d is 09/06.
    assert first == {
        "at": f"09/06/{YEAR} 08:00",
        "kind": "Nhắc việc",
        "channels": ["email", "Telegram"],
        "obligation": "Báo cáo 6 tháng công tác bình đẳng giới",
        "period": f"6 tháng đầu năm {YEAR}",
        "unit": "Sở Y tế",
    }
    kinds = [m["kind"] for m in people["fp-a"]["messages"]]
    assert kinds.count("Đôn đốc") == 1 and set(kinds) == {"Nhắc việc", "Đôn đốc"}
    (digest,) = people["boss"]["messages"]
    assert digest["kind"] == "Bản tổng hợp" and digest["at"].endswith(f"/{YEAR}")


def test_json_on_stdout_is_clean(tmp_path: Path) -> None:
    """Run as a coordinator would, in its own process: the Temporal core and the test
    server log to stdout unless told otherwise, and `| jq` must still work."""
    path = calendar_file(tmp_path, YEAR)
    hanchot = Path(sys.executable).with_name("hanchot")
    done = subprocess.run(
        [str(hanchot), "simulate", str(path), "--year", str(YEAR), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["calendar"] == "test-cal" and report["messages"]

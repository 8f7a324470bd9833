"""Committed histories replay against the current workflow code.

A change that makes a running workflow take a different path (new activity order, new
timer, removed handler) fails here instead of on a production worker. When the change
is deliberate, version it (workflow.patched) or, if no such workflow can be running,
record the histories again with tests/workflows/make_histories.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from hanchot.worker import WORKFLOWS
from tests.workflows.make_histories import HISTORIES, SCENARIOS
from tests.workflows.support import WORKFLOWS as TEST_WORKFLOWS


def test_every_scenario_has_a_committed_history() -> None:
    assert sorted(p.stem for p in HISTORIES.glob("*.json")) == sorted(SCENARIOS)


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_history_replays_against_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=TEST_WORKFLOWS)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


def test_every_workflow_type_has_a_replay_history() -> None:
    recorded = {
        json.loads(p.read_text(encoding="utf-8"))["events"][0][
            "workflowExecutionStartedEventAttributes"
        ]["workflowType"]["name"]
        for p in HISTORIES.glob("*.json")
    }
    names = {workflow.__temporal_workflow_definition.name for workflow in WORKFLOWS}  # type: ignore[attr-defined]
    assert names <= recorded

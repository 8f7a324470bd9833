"""Shared pytest hooks. Fixtures for one part of the suite live in that part's conftest."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Commands run in-process (`hanchot web`, `notify`, `db` through typer's runner) call
    `hanchot.logs.configure`, which replaces the root logger's handlers with one on the
    runner's stream, closed after the test. Put the previous ones back after every test,
    or a later test logs into a closed stream and fails depending on the order."""
    root = logging.getLogger()
    handlers, filters, level = list(root.handlers), list(root.filters), root.level
    yield
    root.handlers[:] = handlers
    root.filters[:] = filters
    root.setLevel(level)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit hard once the run is reported: the Temporal SDK's runtime can abort the
    interpreter at shutdown after a green run (temporalio/sdk-python#300)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(getattr(config, "_hanchot_exitstatus", 0))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._hanchot_exitstatus = int(exitstatus)  # type: ignore[attr-defined]

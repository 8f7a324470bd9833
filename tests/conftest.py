"""Shared pytest hooks. Fixtures for one part of the suite live in that part's conftest."""

from __future__ import annotations

import os
import sys

import pytest


def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit hard once the run is reported: the Temporal SDK's runtime can abort the
    interpreter at shutdown after a green run (temporalio/sdk-python#300)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(getattr(config, "_hanchot_exitstatus", 0))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._hanchot_exitstatus = int(exitstatus)  # type: ignore[attr-defined]

"""Debian's Chromium driven by Playwright (its own browser download is not available here),
and screenshots kept under `test-artifacts/` for a person to look at."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def require_chromium() -> str:
    """The browser's path; skips without it, unless HANCHOT_REQUIRE_BROWSER=1 (CI)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is missing (run .ci/chromium.sh)"
    if os.environ.get("HANCHOT_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; HANCHOT_REQUIRE_BROWSER=1 forbids skipping")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def screenshot_path(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")

"""The README's configuration example is a calendar that loads, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from config.loader import load_calendar_text
from config.warnings import calendar_warnings
from deadlines.timeline import plan_year

README = Path(__file__).resolve().parents[2] / "README.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_full_example_loads_and_plans() -> None:
    (block,) = [b for b in _yaml_blocks() if "obligations:" in b]
    cal = load_calendar_text(block, "README.md")
    assert {o.id for o in cal.obligations} == {"bao-cao-6-thang", "thang-hanh-dong"}
    cycles = plan_year(cal, 2025)
    assert {c.period.id for c in cycles} == {"2025-H1", "2025"}
    assert calendar_warnings(cal) == []  # what the README shows, check passes cleanly


def test_readme_two_commands_exist() -> None:
    root = README.parent
    text = README.read_text(encoding="utf-8")
    for script in ("scripts/run", "scripts/test"):
        assert script in text
        assert (root / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert "scripts/test" in (root / ".ci" / "run").read_text(encoding="utf-8")

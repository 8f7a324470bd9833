"""Calendar check figures: a calendar of N units read by hanchot (bounded reader, every
check), beside the baseline of bare ruamel.yaml loading the same text.

    .venv/bin/python bench/calendar_check.py [--units 2000 8000] [--wrong]

The bimson example with N extra communes; `--wrong` gives each a parent that does not
exist, so every unit is an error with its hint (the case that was quadratic). The ratio
is what the bounds and the checks cost over parsing YAML at all.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from config.errors import CalendarError
from config.loader import load_calendar_text

BIMSON = Path(__file__).resolve().parents[1] / "config" / "examples" / "bimson-2017.yaml"


def calendar(units: int, wrong: bool) -> str:
    base = BIMSON.read_text(encoding="utf-8")
    parent = "khong-co" if wrong else "ubnd-tx"
    at = base.index("units:\n") + len("units:\n")
    extra = "".join(
        f"  - {{id: xa-{n}, name: UBND xã số {n}, kind: commune, parent: {parent}}}\n"
        for n in range(units)
    )
    return base[:at] + extra + base[at:]


def best(run: Callable[[], object], times: int = 3) -> float:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return min(out)


def errors_of(text: str) -> int:
    try:
        load_calendar_text(text, "bench.yaml")
    except CalendarError as exc:
        return len(exc.errors)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--wrong", action="store_true")
    args = parser.parse_args()
    print("| units | bytes | bare ruamel | hanchot check | ratio | errors |")
    print("|---:|---:|---:|---:|---:|---:|")
    for units in args.units:
        text = calendar(units, args.wrong)
        bare = best(lambda t=text: YAML(typ="rt").load(t))
        check = best(lambda t=text: errors_of(t))
        size, errors = len(text.encode()), errors_of(text)
        ratio = check / bare
        print(f"| {units} | {size:,} | {bare:.2f} s | {check:.2f} s | {ratio:.1f}x | {errors} |")


if __name__ == "__main__":
    main()

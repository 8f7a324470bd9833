"""Precision and recall of `hanchot extract` on the labelled sentences, and its speed.

    .venv/bin/python bench/extract.py            # print the figures
    .venv/bin/python bench/extract.py --write    # also record them in bench/RESULTS.md

A deadline counts as found when a proposal of the sentence stands on the same date
(tests/data/extract/sentences.yaml says how dates are labelled); its period is scored
separately. The baseline is what a bare regular expression over dates does: every date is
a deadline. Throughput is sentences per second, as a ratio to that baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deadlines.extract import extract  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "extract" / "sentences.yaml"
RESULTS = ROOT / "bench" / "RESULTS.md"
_BARE_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    period_ok: int = 0
    expected_by_period: Counter[str] = field(default_factory=Counter)
    found_by_period: Counter[str] = field(default_factory=Counter)
    fp_by_period: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def period_accuracy(self) -> float:
        return self.period_ok / self.tp if self.tp else 1.0


def load_labelled(path: Path = LABELLED) -> list[dict[str, object]]:
    items = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [dict(i) for i in items]


def predicted(text: str) -> list[tuple[str, str]]:
    """(when, period) of every date the proposals of `text` stand on."""
    out = []
    for p in extract(text).proposals:
        period = p.period.value if p.period else "?"
        out.extend((when, period) for when in p.when_labels())
    return out


def baseline(text: str) -> list[tuple[str, str]]:
    return [(f"{int(m[1]):02d}/{int(m[2]):02d}", "?") for m in _BARE_DATE.finditer(text)]


def _day_month(when: str) -> str:
    return when[:5] if re.match(r"\d\d/\d\d", when) else when


def score(items: list[dict[str, object]], predict=predicted, lenient: bool = False) -> Score:  # type: ignore[no-untyped-def]
    """Match predictions to labels by date; `lenient` compares day and month only."""
    s = Score()
    for item in items:
        expected = [(str(d["when"]), str(d["period"])) for d in item["deadlines"] or []]  # type: ignore[attr-defined]
        got = predict(str(item["text"]))
        key = _day_month if lenient else (lambda w: w)
        remaining = list(expected)
        for when, period in got:
            match = next((e for e in remaining if key(e[0]) == key(when)), None)
            if match is None:
                s.fp += 1
                s.fp_by_period[period] += 1
                s.misses.append(f"{item['id']}: không phải hạn: {when} ({period})")
                continue
            remaining.remove(match)
            s.tp += 1
            s.found_by_period[match[1]] += 1
            if match[1] == period:
                s.period_ok += 1
            else:
                s.misses.append(f"{item['id']}: {when} kỳ {period}, nhãn {match[1]}")
        for when, period in remaining:
            s.fn += 1
            s.misses.append(f"{item['id']}: bỏ sót {when} ({period})")
        for _, period in expected:
            s.expected_by_period[period] += 1
    return s


def throughput(items: list[dict[str, object]], predict, seconds: float = 1.5) -> float:  # type: ignore[no-untyped-def]
    texts = [str(i["text"]) for i in items]
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            predict(text)
        runs += 1
    return runs * len(texts) / (time.perf_counter() - start)


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPU ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def report(items: list[dict[str, object]]) -> str:
    ours, bare = score(items), score(items, baseline, lenient=True)
    ours_rate, bare_rate = throughput(items, predicted), throughput(items, baseline)
    positives = sum(1 for i in items if i["deadlines"])
    lines = [
        f"labelled set: {len(items)} sentences ({positives} with deadlines, "
        f"{len(items) - positives} without), {ours.tp + ours.fn} deadlines",
        "",
        "| | precision | recall | found | wrong | missed | period right |",
        "|---|---|---|---|---|---|---|",
        f"| hanchot extract | {ours.precision:.3f} | {ours.recall:.3f} | {ours.tp} | {ours.fp} "
        f"| {ours.fn} | {ours.period_ok}/{ours.tp} ({ours.period_accuracy:.3f}) |",
        f"| baseline: every dd/mm is a deadline (day/month match) | {bare.precision:.3f} "
        f"| {bare.recall:.3f} | {bare.tp} | {bare.fp} | {bare.fn} | - |",
        "",
        "| period (label) | deadlines | found | proposed where none is |",
        "|---|---|---|---|",
    ]
    for period in sorted(set(ours.expected_by_period) | set(ours.fp_by_period)):
        lines.append(
            f"| {period} | {ours.expected_by_period[period]} | {ours.found_by_period[period]} "
            f"| {ours.fp_by_period[period]} |"
        )
    lines += [
        "",
        f"throughput: {ours_rate:,.0f} sentences/s; baseline regex {bare_rate:,.0f} sentences/s; "
        f"ratio {ours_rate / bare_rate:.4f} (extract is {bare_rate / ours_rate:,.0f}× slower)",
    ]
    if ours.misses:
        lines += ["", "not right:"] + [f"- {m}" for m in ours.misses]
    return "\n".join(lines)


def write_results(text: str) -> None:
    section = (
        f"## extract\n\nRun {date.today():%Y-%m-%d} with `.venv/bin/python bench/extract.py "
        f"--write` on {machine()}.\n\n"
        "The labelled set was written while the rules were developed, so these are\n"
        "development-set figures: expect lower ones on documents from other provinces.\n"
        "Throughput is single-threaded and noisy on a shared machine; the ratio is the\n"
        "figure to compare.\n\n"
        f"{text}\n"
    )
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## extract\n.*?(?=^## |\Z)", re.S | re.M)
    new = (
        pattern.sub(lambda _: section + "\n", old)
        if pattern.search(old)
        else (old.rstrip("\n") + "\n\n" + section)
    )
    RESULTS.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    args = parser.parse_args()
    text = report(load_labelled())
    print(f"{machine()}\n\n{text}")
    if args.write:
        write_results(text)
        print(f"\nrecorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

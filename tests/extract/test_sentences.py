"""The labelled sentences (tests/data/extract/sentences.yaml), scored as bench/extract.py
scores them. The thresholds guard against regressions; the figures are in bench/RESULTS.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from deadlines.extract import extract

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_extract", ROOT / "bench" / "extract.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_extract"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)

ITEMS = bench.load_labelled()


def test_labelled_set_is_varied() -> None:
    positives = [i for i in ITEMS if i["deadlines"]]
    negatives = [i for i in ITEMS if not i["deadlines"]]
    assert len(ITEMS) >= 80 and len(positives) >= 35 and len(negatives) >= 35
    periods = {d["period"] for i in positives for d in i["deadlines"]}
    assert periods == {"annual", "semiannual", "quarterly", "monthly", "one_off", "campaign"}
    assert len({i["id"] for i in ITEMS}) == len(ITEMS)


@pytest.mark.parametrize("item", [i for i in ITEMS if not i["deadlines"]], ids=lambda i: i["id"])
def test_no_distractor_is_proposed(item: dict[str, object]) -> None:
    assert extract(str(item["text"])).proposals == ()


def test_precision_recall_and_period() -> None:
    score = bench.score(ITEMS)
    assert score.precision >= 0.95, score.misses
    assert score.recall >= 0.9, score.misses
    assert score.period_accuracy >= 0.9, score.misses


def test_the_extractor_beats_a_bare_date_scan() -> None:
    ours, bare = bench.score(ITEMS), bench.score(ITEMS, bench.baseline, lenient=True)
    assert ours.precision > bare.precision + 0.3
    assert ours.recall > bare.recall

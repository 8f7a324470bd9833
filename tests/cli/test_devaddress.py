"""The address file and lock of `hanchot dev` (hanchot.devaddress) and how settings use it:
a recorded address is used, an explicit one wins, a dead process's record is ignored, and
a second holder of the lock is refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hanchot import devaddress
from hanchot.devaddress import DevAddresses, DevAlreadyRunning, single_instance
from hanchot.settings import Settings


def _record(data: Path, pid: int) -> None:
    devaddress.write(
        data, DevAddresses(pid, "127.0.0.1:17233", "http://127.0.0.1:8001", "127.0.0.1:2525")
    )


def test_commands_use_the_recorded_address_unless_one_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANCHOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HANCHOT_TEMPORAL_ADDRESS", raising=False)
    assert Settings.from_env().temporal_address == "localhost:7233"
    _record(tmp_path, os.getpid())
    assert Settings.from_env().temporal_address == "127.0.0.1:17233"
    monkeypatch.setenv("HANCHOT_TEMPORAL_ADDRESS", "temporal.example:7233")
    assert Settings.from_env().temporal_address == "temporal.example:7233"


def test_a_record_left_by_a_dead_process_is_ignored(tmp_path: Path) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    _record(tmp_path, child.pid)
    assert devaddress.read(tmp_path) is None
    (tmp_path / devaddress.ADDRESS_FILE).write_text("{not json", encoding="utf-8")
    assert devaddress.read(tmp_path) is None


def test_a_second_holder_is_refused_and_the_record_goes_with_the_first(tmp_path: Path) -> None:
    with single_instance(tmp_path):
        _record(tmp_path, os.getpid())
        with pytest.raises(DevAlreadyRunning) as refused, single_instance(tmp_path):
            pass
        assert refused.value.running is not None
        assert refused.value.running.temporal == "127.0.0.1:17233"
    assert not (tmp_path / devaddress.ADDRESS_FILE).exists()
    with single_instance(tmp_path):  # free again
        pass

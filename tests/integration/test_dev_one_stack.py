"""`hanchot dev` and the commands run beside it as one thing: started in a folder, every
other `hanchot` command run from another process in the same folder finds its Temporal
(no address given), none aborts on exit (temporalio/sdk-python#300), the SDK's warnings
never mix into a command's answer, and a second `hanchot dev` on the same data refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hanchot import devaddress
from tests.integration.test_dev_command import DevProcess, alive
from tests.integration.test_dev_server import big_calendar

pytestmark = pytest.mark.integration
HANCHOT = str(Path(sys.executable).parent / "hanchot")
RUNS = 20


def run(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HANCHOT, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def clean_env() -> dict[str, str]:
    """No address or data dir given: everything must come from the folder itself."""
    drop = ("HANCHOT_", "SMTP_", "IMAP_", "TELEGRAM_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return env | {"COLUMNS": "250"}


def test_commands_in_the_same_folder_use_the_running_stack(tmp_path: Path) -> None:
    due = datetime.now(UTC).date() + timedelta(days=21)
    folder = tmp_path / "work"
    folder.mkdir()
    config = big_calendar(folder / "lon.yaml", 2, due)
    env = clean_env()
    data = folder / ".hanchot"
    deadline = f"lon/bao-cao-nam/{due.year}/xa-0000"

    stack = DevProcess(config, None, env, cwd=folder)
    try:
        assert "Tin nhắn kế tiếp: nhắc hạn Báo cáo năm" in stack.expect("Tin nhắn kế tiếp")
        recorded = devaddress.read(data)
        assert recorded is not None and recorded.temporal == stack.address
        assert recorded.pid == stack.proc.pid

        second = run(folder, env, "dev", str(config))
        assert second.returncode == 1, second.stdout + second.stderr
        assert "một hanchot dev khác đang chạy" in second.stderr
        assert f"tiến trình {stack.proc.pid}" in second.stderr
        assert alive(stack.server_pid)

        for _ in range(300):  # the schedule's first run opens the cycle after "ready"
            if "Đang mở" in run(folder, env, "status", "xa-0000").stdout:
                break
        else:
            raise AssertionError("the cycle never opened")
        unknown = run(folder, env, "status", "khong-co-don-vi")
        assert unknown.returncode == 1 and "không có đơn vị 'khong-co-don-vi'" in unknown.stderr

        commands = {
            "cycles": ["cycles"],
            "status": ["status", "xa-0000"],
            "extend": [
                "extend",
                deadline,
                "--days",
                "5",
                "--reason",
                "Mất điện",
                "--request-id",
                "x1",
            ],
            "doctor": ["doctor"],
        }
        for name, args in commands.items():
            for attempt in range(RUNS):
                done = run(folder, env, *args)
                where = f"{name} #{attempt + 1}: rc={done.returncode}\n{done.stdout}\n{done.stderr}"
                assert done.returncode == 0, where
                assert "Fatal Python error" not in done.stderr, where
                assert "WARN" not in done.stdout and "temporal_sdk" not in done.stdout, where
                if name == "status":
                    assert "Đang mở" in done.stdout or "Sắp đến hạn" in done.stdout, where
                if name == "extend":
                    assert "Đã gửi đề nghị gia hạn" in done.stdout or "không làm lại" in done.stdout
                if name == "doctor":
                    assert f"{stack.address} (namespace default): kết nối được" in done.stdout
                    assert "Bảng điều khiển" in done.stdout
    finally:
        code = stack.interrupt()
    assert code == 0, "".join(stack.output)
    assert devaddress.read(data) is None and not (data / devaddress.ADDRESS_FILE).exists()

"""`hanchot mail explain FILE.eml`: what would happen to a reply and why, in Vietnamese
or JSON, on a real store; and nothing changes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hanchot.cli import app
from notifier import tokens
from store.models import Evidence, InboundMessage, OutboxMessage
from tests.notifier.test_mail_corpus import EXPECTED
from tests.notifier.world import World, make_world

runner = CliRunner()
CORPUS = Path(__file__).parents[1] / "data" / "mail" / "corpus"


def setup(tmp_path: Path, name: str) -> tuple[World, dict[str, str], Path]:
    world = make_world(tmp_path)
    world.open("unit-a")
    wid = world.inputs["unit-a"].cycle.deadline_id("unit-a")
    tag = tokens.subject_tag(world.settings.secret, wid)
    raw = (CORPUS / name).read_bytes().replace(f"[HC-{EXPECTED['token']}]".encode(), tag.encode())
    message = tmp_path / "thu.eml"
    message.write_bytes(raw)
    env = {
        "HANCHOT_DATA_DIR": str(tmp_path),
        "HANCHOT_DATABASE_URL": f"sqlite:///{tmp_path / 'hanchot.db'}",
        "HANCHOT_SECRET": str(world.settings.secret),
        "HANCHOT_SECRET_FILE": "",
        "IMAP_AUTHSERV_ID": "",
        "COLUMNS": "200",
    }
    return world, env, message


def counts(world: World) -> tuple[int, int, int]:
    with world.store.read() as session:
        return (
            session.query(InboundMessage).count(),
            session.query(Evidence).count(),
            session.query(OutboxMessage).count(),
        )


def test_explain_says_in_vietnamese_which_deadline_which_files_and_why(tmp_path: Path) -> None:
    world, env, message = setup(tmp_path, "outlook-en-signature-logo.eml")
    before = counts(world)
    result = runner.invoke(app, ["mail", "explain", str(message)], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Hạn nộp: " in out and "Người gửi là đầu mối của đơn vị." in out
    assert "Số văn bản (lấy từ phần người gửi viết): 22/BC-SYT" in out
    assert "BC 6T.pdf" in out and "image001.png" in out and "chữ ký" in out
    assert "Kết quả: gửi tới hạn nộp như một lần nộp báo cáo" in out
    assert "không thay đổi gì" in out
    assert counts(world) == before


def test_explain_json_for_an_automatic_answer(tmp_path: Path) -> None:
    world, env, message = setup(tmp_path, "ooo-vi-nfd-subject-only.eml")
    result = runner.invoke(app, ["mail", "explain", str(message), "--json"], env=env)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["automatic"] is True and found["automatic_mark"] == "Subject"
    assert (found["outcome"], found["reason_class"]) == ("quarantined", "auto_reply")
    assert found["deadline"]["unit"] and found["matched_by"] == "token"
    assert found["already_processed"] is False
    assert counts(world) == (0, 0, 0)


def test_an_unreadable_file_is_one_clear_line(tmp_path: Path) -> None:
    _world, env, _message = setup(tmp_path, "stranger.eml")
    result = runner.invoke(app, ["mail", "explain", str(tmp_path / "khong-co.eml")], env=env)
    assert result.exit_code == 1
    assert "không đọc được tệp" in result.output and "Traceback" not in result.output


def test_without_a_store_one_clear_line_and_no_file_created(tmp_path: Path) -> None:
    _world, env, message = setup(tmp_path, "stranger.eml")
    env = {**env, "HANCHOT_DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere' / 'hanchot.db'}"}
    result = runner.invoke(app, ["mail", "explain", str(message)], env=env)
    assert result.exit_code == 1
    assert "chưa có cơ sở dữ liệu" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nowhere" / "hanchot.db").exists()

"""Published calendar revisions: numbered, immutable, refused when stale, round trip exact."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from activities.calendars import published
from activities.publishing import publish_document, read_file
from config.document import read_yaml, to_yaml
from config.errors import CalendarError
from store import models, revisions
from store.calendars import calendar_hash
from store.changes import Action, Entity
from store.revisions import RevisionConflict
from tests.store.test_db_command import EXAMPLE, edited_example, one_line, run

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "config" / "examples").glob("*.yaml"))


def _publish(session: Session, path: Path, base: int | None = None) -> revisions.Published:
    calendar, document = read_file(path)
    return publish_document(
        session,
        document,
        source="yaml",
        author="cli:test",
        source_ref=str(path),
        base=base,
        calendar=calendar,
    )


def count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(models.CalendarRevision)) or 0


def test_revisions_are_numbered_and_only_a_change_makes_one(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        first = _publish(session, EXAMPLE)
    with sessions.begin() as session:
        same = _publish(session, EXAMPLE)
        assert (first.number, same.number, same.latest) == (1, None, 1)
        assert not same.changes and count(session) == 1
    edited = edited_example(tmp_path)
    with sessions.begin() as session:
        second = _publish(session, edited)
    with sessions() as session:
        [one, two] = revisions.history(session, "bimson-2017")
        assert (one.number, two.number, second.number) == (1, 2, 2)
        assert two.author == "cli:test" and two.source == "yaml"
        assert two.source_ref == str(edited)
        summary = [revisions.change_of(c) for c in two.summary]
        assert {(c.entity, c.key, c.action) for c in summary} == {
            (Entity.UNIT, "phong-y-te", Action.CHANGED),
            (Entity.UNIT, "x-ha-lan", Action.REMOVED),
        }
        # Each revision rebuilds the calendar it was published from.
        assert calendar_hash(published(session, "bimson-2017", 1)) == calendar_hash(
            read_file(EXAMPLE)[0]
        )
        assert "x-ha-lan" not in published(session, "bimson-2017").units_by_id


def test_a_publish_based_on_a_stale_revision_is_refused_and_writes_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        _publish(session, EXAMPLE)
    edited = edited_example(tmp_path)
    # Two editors both start from revision 1; the first to publish wins.
    with sessions.begin() as session:
        assert _publish(session, edited, base=1).number == 2
    other = tmp_path / "other.yaml"
    other.write_text(EXAMPLE.read_text(encoding="utf-8").replace("Lê Thị Hoa", "Lê Thị Hòa"))
    session = sessions()
    with pytest.raises(RevisionConflict) as refused:
        _publish(session, other, base=1)
    session.rollback()
    session.close()
    assert (refused.value.base, refused.value.latest) == (1, 2)
    with sessions() as session:
        assert count(session) == 2
        people = session.scalars(sa.select(models.Person.name)).all()
        assert "Lê Thị Hòa" not in people


def test_a_document_that_fails_validation_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    _calendar, document = read_file(EXAMPLE)
    document["units"][1]["parent"] = "khong-co-don-vi-nay"
    with sessions() as session:
        with pytest.raises(CalendarError):
            publish_document(session, document, source="dashboard", author="web:a")
        assert count(session) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Calendar)) == 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_export_loads_back_to_the_same_revision(path: Path) -> None:
    """The document written as YAML reads back to the same document and calendar."""
    calendar, document = read_file(path)
    again, document_again = read_yaml(to_yaml(document), "exported.yaml")
    assert document_again == document
    assert calendar_hash(again) == calendar_hash(calendar)


def test_load_export_load_reports_no_change_for_every_example(
    migrated_url: str, tmp_path: Path
) -> None:
    for path in EXAMPLES:
        assert run("load", str(path), "--database-url", migrated_url).exit_code == 0
        calendar_id = read_file(path)[0].id
        out = tmp_path / f"{calendar_id}.yaml"
        exported = run(
            "calendar", "export", calendar_id, "-o", str(out), "--database-url", migrated_url
        )
        assert exported.exit_code == 0, exported.output
        again = run("load", str(out), "--database-url", migrated_url)
        assert one_line(again) == (
            f"Đã nạp lịch {calendar_id}: không có thay đổi, không tạo phiên bản mới."
        )


def test_history_and_diff(migrated_url: str, tmp_path: Path) -> None:
    run("load", str(EXAMPLE), "--database-url", migrated_url)
    run("load", str(edited_example(tmp_path)), "--database-url", migrated_url)
    listed = run("calendar", "history", "bimson-2017", "--database-url", migrated_url)
    assert listed.exit_code == 0
    rows = [line for line in listed.output.splitlines() if "tệp YAML" in line]
    assert len(rows) == 2 and "cli:" in rows[0]
    assert "chưa — worker có đang chạy không?" in rows[1], "no engine ran: not applied"
    diff = run("calendar", "diff", "bimson-2017", "1", "2", "--database-url", migrated_url)
    assert diff.exit_code == 0
    assert diff.output.splitlines()[0] == "Lịch bimson-2017: từ phiên bản 1 đến 2, 2 thay đổi."
    assert "UBND xã Hà Lan" in diff.output and "bỏ khỏi cấu hình" in diff.output
    old = run("calendar", "export", "bimson-2017", "-r", "1", "--database-url", migrated_url)
    assert "x-ha-lan" in old.output
    assert (
        "x-ha-lan"
        not in run("calendar", "export", "bimson-2017", "--database-url", migrated_url).output
    )
    missing = run("calendar", "export", "bimson-2017", "-r", "9", "--database-url", migrated_url)
    assert missing.exit_code == 1
    assert one_line(missing) == "lỗi: lịch bimson-2017 không có phiên bản 9."
    unknown = run("calendar", "history", "khong-co", "--database-url", migrated_url)
    assert one_line(unknown).startswith("Lịch khong-co chưa có phiên bản nào")


def test_an_edited_export_of_an_old_revision_is_refused_unless_forced(
    migrated_url: str, tmp_path: Path
) -> None:
    """Two people export revision 1 and edit their copies: the first to load publishes
    revision 2, the second is told the calendar moved on, and nothing of theirs is lost
    silently; --force overwrites on purpose."""
    run("load", str(EXAMPLE), "--database-url", migrated_url)
    mine, theirs = tmp_path / "mine.yaml", tmp_path / "theirs.yaml"
    for path in (mine, theirs):
        run("calendar", "export", "bimson-2017", "-o", str(path), "--database-url", migrated_url)
    assert mine.read_text(encoding="utf-8").startswith("# hanchot-revision: bimson-2017@1\n")
    mine.write_text(mine.read_text(encoding="utf-8").replace("Lê Thị Hoa", "Lê Thị Hòa"))
    theirs.write_text(theirs.read_text(encoding="utf-8").replace("Phạm Văn Đức", "Phạm Văn Đạt"))
    assert "phiên bản 2" in run("load", str(mine), "--database-url", migrated_url).output
    refused = run("load", str(theirs), "--database-url", migrated_url)
    assert refused.exit_code == 1
    assert one_line(refused).startswith(
        "lỗi: tệp được xuất từ phiên bản 1 của lịch bimson-2017, nhưng lịch đã có phiên bản 2;"
    )
    forced = run("load", str(theirs), "--force", "--database-url", migrated_url)
    assert forced.exit_code == 0 and "phiên bản 3" in forced.output
    # An export of the latest revision, edited, loads without --force.
    latest = tmp_path / "latest.yaml"
    run("calendar", "export", "bimson-2017", "-o", str(latest), "--database-url", migrated_url)
    latest.write_text(latest.read_text(encoding="utf-8").replace("Phạm Văn Đạt", "Phạm Văn Đức"))
    assert "phiên bản 4" in run("load", str(latest), "--database-url", migrated_url).output

"""A calendar published while `hanchot dev` runs takes effect without a restart, and the
engine never reads a YAML file: every file below is deleted as soon as it is loaded."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.client import Client

from activities.cycles import find_plan
from activities.publishing import read_file
from activities.snapshot import freeze
from boundary.types import CycleRef, DeadlineState
from store import db
from store.models import AuditEntry, OutboxMessage
from tests.integration.test_dev_command import DevProcess, hanchot
from tests.integration.test_dev_server import big_calendar

pytestmark = pytest.mark.integration


def dates() -> tuple[date, date]:
    """A due date ahead (its first reminder still to come) and where the revision moves it,
    both in this year (an annual due date moved across New Year is another period)."""
    due = datetime.now(UTC).date() + timedelta(days=12)
    moved = due + timedelta(days=3)
    if moved.year != due.year:
        moved = due - timedelta(days=3)
    return due, moved


def changed_calendar(path: Path, due: date, moved: date, units: int = 3) -> Path:
    """Revision 2 of big_calendar(path, units, due): a new commune (the `units`th),
    xa-0000's focal point replaced, xa-0001 closed today, the due date moved."""
    text = path.read_text(encoding="utf-8")
    today = datetime.now(UTC).date()
    text = text.replace(f"due: by {due:%d/%m}", f"due: by {moved:%d/%m}")
    text = text.replace("focal_point: fp-0000}", "focal_point: fp-moi}").replace(
        "name: UBND xã Số 1, kind: commune, parent: tinh, focal_point: fp-0001}",
        f"name: UBND xã Số 1, kind: commune, parent: tinh, focal_point: fp-0001, "
        f"closed: {today:%d/%m/%Y}}}",
    )
    text = text.replace(
        "people:\n",
        "people:\n  - {id: fp-moi, name: Cán bộ mới, email: moi@xa.example}\n"
        f"  - {{id: fp-{units:04d}, name: Cán bộ xã mới, email: moi{units}@xa.example}}\n",
    )
    text = text.replace(
        "obligations:\n",
        f"  - {{id: xa-{units:04d}, name: UBND xã Số {units}, kind: commune, parent: tinh, "
        f"focal_point: fp-{units:04d}}}\nobligations:\n",
    )
    out = path.with_name("lon-v2.yaml")
    out.write_text(text, encoding="utf-8")
    return out


def wait(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting: {what}")


async def states(address: str, ids: list[str]) -> dict[str, DeadlineState]:
    client = await Client.connect(address)
    return {
        i: await client.get_workflow_handle(i).query("state", result_type=DeadlineState)
        for i in ids
    }


def test_a_changed_calendar_takes_effect_while_dev_runs(tmp_path: Path) -> None:
    due, moved = dates()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANCHOT_")}
    env |= {"HANCHOT_DATA_DIR": str(data), "COLUMNS": "250"}
    url = f"sqlite:///{(data / 'hanchot.db').resolve()}"
    deadline = f"deadline/lon/bao-cao-nam/{due.year}/xa-{{:04d}}"

    dev = DevProcess(None, data, env)  # nothing in the store yet: no calendar argument
    try:
        cli_env = {**env, "HANCHOT_TEMPORAL_ADDRESS": dev.address}
        first = big_calendar(tmp_path / "lon.yaml", 3, due)
        v2 = changed_calendar(first, due, moved)
        code, out = hanchot(cli_env, "load", str(first))
        assert code == 0 and "phiên bản 1" in out, out
        first.unlink()  # the engine must not need it: cycles open from the store

        def opened(*units: int) -> bool:
            outs = [hanchot(cli_env, "status", f"xa-{u:04d}")[1] for u in units]
            return all("Đang mở" in o for o in outs)

        wait(lambda: opened(0, 1, 2), "the first revision's cycle")

        code, preview = hanchot(cli_env, "load", "--dry-run", str(v2))
        assert code == 0, preview
        assert "bắt đầu theo dõi UBND xã Số 3 (xa-0003)" in preview
        assert "dừng nhắc UBND xã Số 1 (xa-0001)" in preview and "giải thể" in preview
        assert "dời hạn của UBND xã Số 0" in preview
        assert "fp-moi: thành đầu mối của UBND xã Số 0" in preview

        code, out = hanchot(cli_env, "load", str(v2))
        assert code == 0 and "phiên bản 2" in out, out
        v2.unlink()
        wait(lambda: opened(3), "the new commune's deadline")

        engine = db.create_engine(url)
        try:

            def applied() -> bool:
                with engine.connect() as c:
                    rows = c.execute(
                        sa.select(AuditEntry.actor).where(AuditEntry.action == "cycle.revised")
                    )
                    return any(r == "revision:lon:2" for r in rows.scalars())

            wait(applied, "revision 2 applied")
            ids = [deadline.format(i) for i in range(4)]
            found = asyncio.run(states(dev.address, ids))
            calendar, _doc = read_file_text(tmp_path, due, moved)
            ref = CycleRef("lon", "bao-cao-nam", str(due.year))
            plan = freeze(calendar, find_plan(calendar, ref)).snapshot.timeline
            for i in (0, 2, 3):
                assert found[ids[i]].due_at == plan.legal_end_at, f"xa-{i:04d} follows"
                assert [s.at for s in found[ids[i]].pending_steps] == [
                    s.at for s in plan.steps if s.at > datetime.now(UTC)
                ]
            closed = found[ids[1]]
            assert closed.status == "excused" and closed.finished and not closed.pending_steps
            revised = [h for h in found[ids[0]].history if h.event == "revised"]
            assert revised[0].details["contacts"]["focal_points"] == ["fp-moi"]
            assert "giải thể" in next(
                h.details["withdrawn"] for h in closed.history if h.event == "revised"
            )
            with engine.connect() as c:
                sent = c.execute(
                    sa.select(
                        OutboxMessage.workflow_id,
                        OutboxMessage.step,
                        OutboxMessage.recipient_id,
                        OutboxMessage.channel,
                    )
                ).all()
            assert len(sent) == len(set(sent)), "no message twice"
        finally:
            engine.dispose()
        code, listing = hanchot(cli_env, "calendar", "history", "lon")
        assert code == 0 and listing.count("tệp YAML") == 2
        assert "chưa" not in listing, "both revisions applied by the running engine"
    finally:
        code = dev.interrupt()
    assert code == 0, "".join(dev.output)


def read_file_text(tmp: Path, due: date, moved: date):  # type: ignore[no-untyped-def]
    """The second revision's calendar, rebuilt the way the test wrote it."""
    scratch = tmp / "again"
    scratch.mkdir(exist_ok=True)
    return read_file(changed_calendar(big_calendar(scratch / "lon.yaml", 3, due), due, moved))

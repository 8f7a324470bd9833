"""The store's read side for the dashboard, tested without HTTP: the calendar rebuilt from
rows, the matrix's roll-up, scopes, and the accounts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.loader import load_calendar
from deadlines.plan import year_plan
from store import dashboard, db, migrate
from store.calendar_model import calendar_model, parse_duration
from store.calendars import save_calendar
from store.models import Unit, WebRole
from store.scopes import scope_of, unit_tree
from store.serialize import iso_duration
from store.web_users import UnitNotFound, find_unit, session_user
from tests.web.factory import Builder, fill
from web.accounts import ensure_first_coordinator, set_password

# Unit successors and working_days have no columns in the row store: the engine and the
# plan page read the published revision, which keeps the whole document; the rows of
# langson-2025 (the only example with successors) lose them.
_NOT_IN_ROWS = pytest.mark.xfail(
    strict=True, reason="unit successors live in the revision document, not in rows"
)
ALL_EXAMPLES = sorted(Path("config/examples").glob("*.yaml"))
EXAMPLES = [
    pytest.param(p, marks=_NOT_IN_ROWS) if p.stem == "langson-2025" else p for p in ALL_EXAMPLES
]


@pytest.fixture
def url(tmp_path: Path) -> str:
    address = f"sqlite:///{tmp_path / 'hanchot.db'}"
    migrate.upgrade(address)
    return address


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: Path(p).stem)
def test_a_published_calendar_is_its_file(url: str, path: Path) -> None:
    """What the plan page and the engine read: the revision in force, successors and
    cancelled holidays included."""
    from activities.calendars import published
    from activities.publishing import publish_files

    loaded = load_calendar(path)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_files(session, [path], "kiểm thử")
    with db.session_factory(engine)() as session:
        rebuilt = published(session, loaded.id)
    engine.dispose()
    assert dataclasses.replace(rebuilt, source="") == dataclasses.replace(loaded, source="")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: Path(p).stem)
def test_a_stored_calendar_plans_like_its_file(url: str, path: Path) -> None:
    loaded = load_calendar(path)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        save_calendar(session, loaded, str(path))
    with db.session_factory(engine)() as session:
        rebuilt = calendar_model(session, loaded.id)
    engine.dispose()
    assert dataclasses.replace(rebuilt, source="") == dataclasses.replace(loaded, source="")
    assert year_plan(rebuilt, 2025) == year_plan(loaded, 2025)


@pytest.mark.parametrize(
    "delta",
    [
        timedelta(days=3),
        timedelta(hours=36),
        -timedelta(days=1),
        timedelta(minutes=90),
        timedelta(0),
    ],
)
def test_durations_round_trip(delta: timedelta) -> None:
    assert parse_duration(iso_duration(delta)) == delta


def _filled(url: str, tmp_path: Path) -> sa.Engine:
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        fill(session, tmp_path)
    return engine


def test_the_roll_up_counts_feeding_obligations_for_the_same_period(
    url: str, tmp_path: Path
) -> None:
    engine = _filled(url, tmp_path)
    with db.session_factory(engine)() as session:
        scope = scope_of(session, None)
        calendar_id = session.scalar(sa.select(Unit.calendar_id).limit(1))
        tree = unit_tree(session, calendar_id, scope)
        m = dashboard.matrix(session, calendar_id, tree, scope, 2025)
        keys = {row.node.key: row for row in m.rows}
        column = next(j for j, c in enumerate(m.columns) if c.obligation_key == "bc-huyen")
        roll = keys["huyen-a"].rollups[column]
        # bc-xa feeds bc-huyen: huyện A's three communes count in its bc-huyen column.
        assert roll is not None and (roll.rates.expected, roll.rates.submitted, roll.late) == (
            3,
            2,
            1,
        )
        assert roll.at_risk
        province = keys["tinh"].rollups[column]
        assert province is not None and not province.at_risk  # owes nothing itself
        assert (province.rates.expected, province.rates.excused) == (7, 1)
    engine.dispose()


def test_a_campaign_without_a_result_report_is_not_in_the_rates(url: str, tmp_path: Path) -> None:
    check_campaign_not_in_rates(url, tmp_path)


def check_campaign_not_in_rates(url: str, tmp_path: Path) -> None:
    """Also run on PostgreSQL (tests/web/test_postgres.py): the flag is a JSON path."""
    engine = _filled(url, tmp_path)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        build = Builder(session)
        build.cycle("bc-nam", "2027", expects_submission=False)
        for unit in ("xa-a1", "xa-a2"):
            build.deadline("bc-nam", "2027", unit, "open")
        build.cycle("bc-nam", "2028")
        build.deadline("bc-nam", "2028", "xa-a1", "open")
    with db.session_factory(engine)() as session:
        scope = scope_of(session, None)
        calendar_id = session.scalar(sa.select(Unit.calendar_id).limit(1))
        summaries = {s.cycle.period: s for s in dashboard.overview(session, calendar_id, scope)}
        # Two units were told of the 2027 campaign, nobody owed a report: no rate, nothing
        # missing; the ordinary 2028 cycle counts its one open deadline.
        campaign = summaries["2027"]
        assert not campaign.cycle.counted
        assert (campaign.rates.expected, campaign.rates.reporting_rate) == (0, None)
        assert sum(campaign.counts.values()) == 2
        assert summaries["2028"].cycle.counted and summaries["2028"].rates.expected == 1
        tree = unit_tree(session, calendar_id, scope)
        m = dashboard.matrix(session, calendar_id, tree, scope, 2027)
        (column,) = [j for j, c in enumerate(m.columns) if c.period == "2027"]
        assert all(row.rollups[column] is None for row in m.rows)
    engine.dispose()


def test_a_scope_is_a_subtree(url: str, tmp_path: Path) -> None:
    engine = _filled(url, tmp_path)
    with db.session_factory(engine)() as session:
        root = find_unit(session, "tinh-thu/huyen-a")
        scope = scope_of(session, root.id)
        tree = unit_tree(session, root.calendar_id, scope)
        assert [n.key for n in tree.nodes] == ["huyen-a", "xa-a1", "xa-a2", "xa-a3"]
        assert [n.depth for n in tree.nodes] == [0, 1, 1, 1]
        counts = dashboard.status_counts(session, [1, 2, 3, 4, 5], scope)
        # bc-xa: 3 communes × 2 years; bc-huyen: huyện A × 2 years; bc-nam 2025: all four
        assert sum(sum(c.values()) for c in counts.values()) == 3 * 2 + 2 + 4
        with pytest.raises(UnitNotFound):
            find_unit(session, "khong-co")
    engine.dispose()


def test_the_first_coordinator_is_made_once(url: str) -> None:
    engine = db.create_engine(url)
    first = ensure_first_coordinator(engine)
    assert first is not None and first.role is WebRole.COORDINATOR and first.scope is None
    assert len(first.password) == 16
    assert ensure_first_coordinator(engine) is None
    new = set_password(engine, first.email, "mot-mat-khau-moi")
    assert new == "mot-mat-khau-moi"
    with db.session_factory(engine)() as session:
        assert session_user(session, "no-such-token") is None
    engine.dispose()

"""The editor tests' world: a store holding revision 1 of a small calendar (a province,
two districts, their communes and focal points), the accounts of every role, and helpers
to read a form back as a browser would send it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from activities.publishing import publish_document
from store import db, drafts, migrate, revisions
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.factory import Filled
from tests.web.support import RecordingGateway
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

CAL = "tinh-thu"


def document() -> dict[str, Any]:
    """The factory's calendar as a document, published as revision 1."""
    people = [{"id": "coord", "name": "Nguyễn Thị Điều Phối", "email": "coord@thu.example"}]
    units: list[dict[str, Any]] = [
        {"id": "tinh", "name": "UBND tỉnh Thử", "kind": "province"},
        {
            "id": "so-noi-vu",
            "name": "Sở Nội vụ",
            "kind": "office",
            "parent": "tinh",
            "focal_point": "coord",
        },
    ]
    for district, kids in {"huyen-a": ["xa-a1", "xa-a2"], "huyen-b": ["xa-b1", "xa-b2"]}.items():
        people.append({"id": f"fp-{district}", "name": f"Đầu mối {district}"})
        units.append(
            {
                "id": district,
                "name": f"UBND {district}",
                "kind": "district",
                "parent": "tinh",
                "focal_point": f"fp-{district}",
            }
        )
        for kid in kids:
            people.append(
                {"id": f"fp-{kid}", "name": f"Đầu mối {kid}", "email": f"{kid}@thu.example"}
            )
            units.append(
                {
                    "id": kid,
                    "name": f"UBND xã {kid[3:].upper()}",
                    "kind": "commune",
                    "parent": district,
                    "focal_point": f"fp-{kid}",
                }
            )
    return {
        "calendar": {"id": CAL, "name": "Lịch thử"},
        "organisation": {"id": "ubnd-thu", "name": "UBND tỉnh Thử"},
        "people": people,
        "units": units,
        "obligations": [
            {
                "id": "bc-xa",
                "name": "Báo cáo 6 tháng cấp xã",
                "period": "semiannual",
                "due": {"H1": "before 10/06"},
                "submitters": {"kinds": ["commune"]},
                "receiver": "so-noi-vu",
            },
        ],
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def editor_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A store holding only revision 1 of the calendar (its cycles are the engine's
    business: the preview reads the real ones), with the accounts of every role."""
    data = tmp_path / "data"
    data.mkdir()
    url = (
        f"sqlite:///{data / 'hanchot.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_web_url"))
    )
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, document(), source="yaml", author="cli:test")
    for email, role, scope in ACCOUNTS.values():
        create_account(
            engine,
            email,
            role,
            scope.replace("tinh-thu", CAL) if scope else None,
            password=PASSWORD,
        )
    engine.dispose()
    settings = WebSettings(
        database_url=url,
        secret="editor-secret-" + "x" * 20,
        data_dir=data,
        public_url="http://127.0.0.1:8000",
    )
    app = create_app(settings, RecordingGateway())
    yield Site(settings, RecordingGateway(), Filled(), app)
    app.state.hanchot.engine.dispose()


def form(client: TestClient, path: str) -> dict[str, str]:
    """The form's current values, as a browser would send them back."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = re.findall(r'<input name="(\w+)" value="([^"]*)"', page.text)
    areas = re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page.text)
    selects = re.findall(
        r'<select name="(\w+)">(?:(?!</select>).)*?<option value="([^"]*)" selected',
        page.text,
        re.S,
    )
    return {k: v.replace("&#34;", '"') for k, v in [*fields, *areas, *selects]}


def latest(site: Site) -> int:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        head = revisions.latest(session, CAL)
        number = head.number if head else 0
    engine.dispose()
    return number


def draft_document(site: Site, who: str = "dieuphoi@thu.example") -> dict[str, Any]:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        draft = drafts.get(session, CAL, f"web:{who}")
        assert draft is not None
        document = dict(draft.document)
    engine.dispose()
    return document

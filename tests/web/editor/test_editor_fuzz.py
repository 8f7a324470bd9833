"""Property: no form a coordinator posts to the calendar editor makes it answer 500, and
none leaves an invalid draft behind (whatever is saved still passes `hanchot check`):
random values in every field of every form (any Unicode, NUL, dates out of range, text
that looks like YAML mappings or lists), on new and existing entries, and removals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from config.document import calendar_of
from store import db, drafts
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.editor.conftest import CAL
from tests.web.support import CSRF_RE, login
from tests.web.test_fuzz_forms import BUDGET, values
from web.routes import editor_forms as ef

FIELDS = sorted(
    {*ef.UNIT_FIELDS, *ef.PERSON_FIELDS, *ef.PERSON_LINKS, *ef.OBLIGATION_FIELDS}
    | {"days_off", "working_saturdays", "remove"}
)
TRICKY = st.sampled_from(
    [
        "{H1: before 15/06}",
        "H1: before 15/06; H2: by 99/99",
        "a; b từ 31/02/2025; ; từ",
        "1d, , 3d head focal_point",
        "[1, 2]",
        "- x",
        "xa-a1, xa-a1, xa-a1",
        "tinh",
        "so-noi-vu từ 01/07/2025",
        "2025",
        "-5",
        "nd09",
        "15/12 - 14/06",
        "01/07/2025\n31/02/2026 Tết\n\n27/04/2026",
    ]
)
forms = st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, TRICKY), max_size=12)
TARGETS = [
    "units/new",
    "units/xa-a1",
    "units/so-noi-vu",
    "people/new",
    "people/fp-xa-b1",
    "obligations/new",
    "obligations/bc-xa",
    "days",
]


def _client(site: Site) -> TestClient:
    client = TestClient(site.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)  # type: ignore[arg-type]
    login(client, ACCOUNTS["coordinator"][0], PASSWORD)
    return client


_clients: dict[int, TestClient] = {}


@pytest.mark.parametrize("editor_site", ["sqlite"], indirect=True)  # the app, not the database
@BUDGET
@given(target=st.sampled_from(TARGETS), form=forms)
def test_no_editor_form_gives_a_500_or_an_invalid_draft(
    editor_site: Site,
    target: str,
    form: dict[str, str],
) -> None:
    client = _clients.get(id(editor_site.app))
    if client is None:
        _clients.clear()
        client = _clients[id(editor_site.app)] = _client(editor_site)
    page = client.get(f"/editor/{CAL}")
    token = CSRF_RE.search(page.text)
    assert token is not None
    answer = client.post(
        f"/editor/{CAL}/{target}",
        data={**form, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code < 500, (target, form)
    assert answer.status_code in (303, 404, 422), (target, form, answer.status_code)
    if answer.status_code == 422:
        assert re.search(r'class="(field-error|error)"', answer.text), (target, form)
    engine = db.create_engine(editor_site.settings.database_url)
    try:
        with db.session_factory(engine)() as session:
            draft = drafts.get(session, CAL, f"web:{ACCOUNTS['coordinator'][0]}")
            assert draft is not None
            calendar_of(draft.document, "draft")  # what was saved is a valid calendar
    finally:
        engine.dispose()

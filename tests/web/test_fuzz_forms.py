"""Property: no form input and no query string makes the dashboard answer 500 (issue 12,
web forms). Hypothesis drives the ASGI app in-process, as a logged-in coordinator and as
a stranger with a submit link, with a valid CSRF token so every form reaches its route:
random field names and values (any Unicode, NUL, long text), files of any name, type and
content, ids in and far out of range. A bounded budget, so it runs in every CI pass."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.submit_links import make_token
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.support import CSRF_RE, login

BUDGET = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ids = st.one_of(
    st.integers(1, 40).map(str),
    st.sampled_from(["0", "-1", str(2**31), "9" * 25, "1e3", "١٢", " 7", "%00", "abc"]),
)
values = st.one_of(
    st.text(max_size=40),
    st.text(min_size=200, max_size=3000),
    st.sampled_from(
        [
            "",
            "31/12/9999",
            "29/02/2025",
            "00/00/0000",
            "99/99/99999",
            "01/01/0001",
            "approve",
            "refuse",
            "deadline/bc-xa/2025-H1/xa-a2",
            "20250101T000000.000000Z_1",
            "\x00",
            "<script>alert(1)</script>",
            "9" * 25,
        ]
    ),
)
FIELDS = [
    "decision",
    "new_last_day",
    "note",
    "reason",
    "workflow_id",
    "document_number",
    "received_on",
    "message",
    "show",
    "before",
    "email",
    "password",
    "next",
]
forms = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=12)), values, max_size=10
)
uploads = st.lists(
    st.tuples(
        st.sampled_from(["file", "files", "note"]),
        st.text(max_size=30),
        st.binary(max_size=2048),
        st.sampled_from(["application/pdf", "text/html", "application/octet-stream", ""]),
    ),
    max_size=3,
)

POSTS = [
    "/extensions/{id}/decide",
    "/units/{id}/excuse",
    "/units/{id}/reopen",
    "/units/{id}/submissions",
    "/quarantine/{id}/dismiss",
]
GETS = [
    "/",
    "/matrix",
    "/plan",
    "/extensions",
    "/outbox",
    "/quarantine",
    "/chart",
    "/units/{id}",
    "/cycles/{id}",
    "/outbox/{id}",
    "/evidence/{id}",
    "/quarantine/{id}/original",
]
QUERY = ["calendar", "year", "kind", "parent", "status", "page", "size", "format", "table"]
QUERY += ["msg", "record", "message", "show", "before", "next"]


def _client(site: Site) -> TestClient:
    return TestClient(site.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)  # type: ignore[arg-type]


_logged_in: dict[int, TestClient] = {}


def _coordinator(site: Site) -> TestClient:
    """One login per test (the site lives as long as the test), not one per example."""
    if id(site.app) not in _logged_in:
        _logged_in.clear()
        client = _client(site)
        login(client, ACCOUNTS["coordinator"][0], PASSWORD)
        _logged_in[id(site.app)] = client
    return _logged_in[id(site.app)]


def _token(client: TestClient, page: str) -> str:
    found = CSRF_RE.search(client.get(page).text)
    assert found is not None, page
    return found.group(1)


def _post(client: TestClient, url: str, token: str, form: dict[str, str], files: list[Any]) -> int:
    data = {**form, "csrf_token": token}
    parts = [(field, (name, content, kind)) for field, name, content, kind in files]
    answer = client.post(url, data=data, files=parts or None, follow_redirects=False)
    return answer.status_code


@BUDGET
@given(
    route=st.sampled_from(POSTS),
    row=ids,
    form=forms,
    files=uploads,
)
def test_no_form_a_coordinator_posts_gives_a_500(
    site: Site, route: str, row: str, form: dict[str, str], files: list[Any]
) -> None:
    client = _coordinator(site)
    status = _post(client, route.replace("{id}", row), _token(client, "/"), form, files)
    assert status < 500, (route, row, form, files)


@BUDGET
@given(
    route=st.sampled_from(GETS),
    row=ids,
    query=st.dictionaries(st.sampled_from(QUERY), values, max_size=6),
)
def test_no_query_a_coordinator_sends_gives_a_500(
    site: Site, route: str, row: str, query: dict[str, str]
) -> None:
    client = _coordinator(site)
    answer = client.get(route.replace("{id}", row), params=query, follow_redirects=False)
    assert answer.status_code < 500, (route, row, query)


@BUDGET
@given(form=forms, files=uploads, who=st.sampled_from(["fp-xa-a2", "fp-xa-a1", None]))
def test_no_submit_link_form_gives_a_500(
    site: Site, form: dict[str, str], files: list[Any], who: str | None
) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person=who)
    client = _client(site)
    status = _post(client, f"/nop/{token}", _token(client, "/login"), form, files)
    assert status < 500, (form, files)


@BUDGET
@given(form=forms, files=uploads)
def test_no_login_form_gives_a_500(site: Site, form: dict[str, str], files: list[Any]) -> None:
    client = _client(site)
    assert _post(client, "/login", _token(client, "/login"), form, files) < 500, (form, files)

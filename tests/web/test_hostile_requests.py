"""Requests no browser of ours sends (issue 12, web): numbers no id column can hold, bodies
over the cap sent in chunks, forms with more files or fields than the page takes. Each
gets a Vietnamese page with the usual security headers, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from store.submit_links import make_token
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.support import csrf, login
from web.params import _api_routes, unbounded

HUGE = "9" * 25


def _coordinator(site: Site) -> TestClient:
    client = TestClient(site.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)  # type: ignore[arg-type]
    login(client, ACCOUNTS["coordinator"][0], PASSWORD)
    return client


def _int_params(site: Site) -> Iterator[tuple[str, str, str, str]]:
    """(method, path, where, name) of every integer parameter of every route."""
    for route in _api_routes(site.app.routes):  # type: ignore[attr-defined]
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            for where, params in (
                ("path", dependant.path_params),
                ("query", dependant.query_params),
            ):
                for param in params:
                    annotation = param.field_info.annotation
                    if annotation is int or int in getattr(annotation, "__args__", ()):
                        yield sorted(route.methods)[0], route.path, where, param.name


def test_every_integer_parameter_of_every_route_is_bounded(site: Site) -> None:
    assert unbounded(site.app) == []  # type: ignore[arg-type]
    assert len(list(_int_params(site))) >= 14


def test_numbers_no_id_can_hold_are_not_found_never_a_500(site: Site) -> None:
    client = _coordinator(site)
    seen = 0
    for method, path, where, name in _int_params(site):
        url = re.sub(r"\{[^}]+\}", "1", path)
        if where == "path":
            url = re.sub(r"\{[^}]+\}", "1", path.replace("{" + name + "}", HUGE))
        else:
            url += f"?{name}={HUGE}"
        if method == "POST":
            answer = client.post(url, data={"csrf_token": csrf(client, "/")})
        else:
            answer = client.get(url)
        assert answer.status_code in (400, 404), (method, url, answer.status_code)
        assert "text/html" in answer.headers["content-type"], url
        assert answer.headers.get("x-frame-options") == "DENY"
        seen += 1
    assert seen >= 14


@pytest.mark.parametrize(
    "url",
    [
        f"/matrix?parent={HUGE}",
        f"/units/1?message={HUGE}",
        f"/quarantine?before=20250101T000000.000000_{HUGE}",
    ],
)
def test_numbers_inside_text_parameters_are_bounded_too(site: Site, url: str) -> None:
    assert _coordinator(site).get(url).status_code in (200, 400, 404)


def test_a_huge_message_number_in_the_record_form_is_not_a_500(site: Site) -> None:
    client = _coordinator(site)
    token = csrf(client, "/")
    answer = client.post(
        "/units/1/submissions",
        data={"csrf_token": token, "workflow_id": "x", "message": HUGE, "document_number": "1"},
    )
    assert answer.status_code in (400, 404, 409)


def test_a_chunked_body_over_the_cap_is_413_with_the_security_headers(site: Site) -> None:
    client = TestClient(site.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)  # type: ignore[arg-type]
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    form = csrf(client, f"/nop/{token}")
    boundary = "hanchotboundary"

    def chunks() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{form}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        for _ in range(site.settings.upload_max_bytes // (64 * 1024) + 8):
            yield b"0" * (64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = client.post(
        f"/nop/{token}",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 413 and "quá lớn" in answer.text
    assert answer.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert site.gateway.calls == []


def test_a_declared_length_over_the_cap_is_413_with_the_security_headers(site: Site) -> None:
    client = site.client()
    answer = client.post("/login", content=b"x", headers={"content-length": str(10**12)})
    assert answer.status_code == 413
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"


def _multipart(site: Site, files: int, fields: int) -> tuple[int, str]:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    client = site.client()
    form = csrf(client, f"/nop/{token}")
    data = {"csrf_token": form, "document_number": "45/BC-UBND"}
    data.update({f"extra{n}": "x" for n in range(fields)})
    pdf = b"%PDF-1.4\n" + b"1" * 100
    answer = client.post(
        f"/nop/{token}",
        data=data,
        files=[("file", (f"bc-{n}.pdf", pdf, "application/pdf")) for n in range(files)],
    )
    return answer.status_code, answer.text


def test_the_submit_page_takes_one_file_even_through_the_csrf_check(site: Site) -> None:
    status, html = _multipart(site, files=3, fields=0)
    assert status == 400 and "Biểu mẫu" in html
    assert site.gateway.calls == []


def test_the_submit_page_takes_its_few_fields_even_through_the_csrf_check(site: Site) -> None:
    status, _ = _multipart(site, files=0, fields=40)
    assert status == 400
    assert site.gateway.calls == []
    assert _multipart(site, files=1, fields=0)[0] == 200

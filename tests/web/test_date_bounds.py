"""Dates typed into the dashboard's forms are held to deadlines.bounds (issue 12): an
extension to 31/12/9999 or a report received in year 1 is refused on the page, in
Vietnamese, and never reaches the workflow."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Site
from tests.web.test_record_submission import at_now, send


@pytest.mark.parametrize("given", ["31/12/9999", "01/01/0001", "31/12/1899"])
def test_an_extension_past_every_bound_is_refused_on_the_page(site: Site, given: str) -> None:
    client = site.client("coordinator")
    page = client.get("/extensions").text
    request_id = re.search(r'action="/extensions/(\d+)/decide"', page).group(1)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    answer = client.post(
        f"/extensions/{request_id}/decide",
        data={"decision": "approve", "new_last_day": given, "csrf_token": token},
    )
    assert answer.status_code == 409
    assert "nằm ngoài khoảng 01/01/1900 – 31/12/2100" in answer.text
    assert site.gateway.calls == []


@pytest.mark.parametrize("given", ["01/01/0001", "31/12/1899"])
def test_a_report_received_before_any_plausible_day_is_refused(site: Site, given: str) -> None:
    at_now(site)
    response = send(site, "coordinator", {"document_number": "45/BC", "received_on": given})
    assert response.status_code == 400
    assert "nằm ngoài khoảng 01/01/1900" in response.text and "Chưa ghi nhận:" in response.text
    assert site.gateway.calls == []

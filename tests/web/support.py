"""Helpers for web tests: a gateway that records what it is asked, and CSRF-aware forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from web import gateway as gw

CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class RecordingGateway:
    """Stands in for the workflows: keeps every call; `refuse` makes the next calls fail
    the way a workflow's validator does."""

    calls: list[tuple[str, str, object]] = field(default_factory=list)
    refuse: str | None = None
    status: str = "submitted_on_time"

    async def _call(self, name: str, workflow_id: str, request: object) -> gw.GatewayResult:
        if self.refuse is not None:
            raise gw.GatewayRefused(self.refuse)
        duplicate = any(c[2] == request for c in self.calls)
        self.calls.append((name, workflow_id, request))
        return gw.GatewayResult(self.status, duplicate)

    async def submit(self, workflow_id: str, submission: gw.Submission) -> gw.GatewayResult:
        return await self._call("submit", workflow_id, submission)

    async def decide_extension(self, workflow_id: str, decision: gw.Decision) -> gw.GatewayResult:
        return await self._call("decide_extension", workflow_id, decision)

    async def request_extension(
        self, workflow_id: str, asked: gw.ExtensionAsked
    ) -> gw.GatewayResult:
        return await self._call("request_extension", workflow_id, asked)

    async def excuse(self, workflow_id: str, action: gw.Action) -> gw.GatewayResult:
        return await self._call("excuse", workflow_id, action)

    async def reopen(self, workflow_id: str, action: gw.Action) -> gw.GatewayResult:
        return await self._call("reopen", workflow_id, action)


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = CSRF_RE.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def login(client: TestClient, email: str, password: str) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post(client: TestClient, path: str, data: dict[str, str], page: str = "/", **kw: object):  # type: ignore[no-untyped-def]
    token = csrf(client, page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kw)  # type: ignore[arg-type]

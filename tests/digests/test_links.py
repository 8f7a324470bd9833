"""Messages that ask someone to act link to where they act: the digest to the matrix
filtered to what it lists, the extension request to the decision page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from notifier.render import render
from tests.digests.test_render import ctx, payload

DASHBOARD = "https://hanchot.example"


def test_a_digest_links_to_the_matrix_filtered_to_overdue_units(tmp_path: Path) -> None:
    out = render("digest", payload(tmp_path), replace(ctx(), dashboard_url=DASHBOARD))
    link = f"{DASHBOARD}/matrix?calendar=test-cal&status=overdue"
    assert link in out.text
    assert f'href="{link.replace("&", "&amp;")}"' in out.html
    assert f'href="{link.replace("&", "&amp;")}"' in out.chat


def test_an_extension_request_links_to_the_decision_page() -> None:
    request = {
        "kind": "extension_requested",
        "step": "extension-request:r1",
        "obligation_name": "Báo cáo 6 tháng",
        "period_label": "6 tháng đầu năm 2031",
        "unit_name": "Sở Y tế",
        "legal_end": "2031-06-16",
        "due_at": "2031-06-16T17:00:00+00:00",
        "details": {"request": "r1", "days": 5, "reason": "Chờ số liệu"},
    }
    out = render("extension_requested", request, replace(ctx(), dashboard_url=DASHBOARD))
    assert f"Đồng ý hoặc từ chối tại: {DASHBOARD}/extensions" in out.text
    assert f'href="{DASHBOARD}/extensions"' in out.html
    assert "Hạn cuối:          hết ngày Thứ Hai, 16/06/2031" in out.text

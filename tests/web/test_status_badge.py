"""The status label every page shows (macros.html `status`), built once per status."""

from __future__ import annotations

import pytest
from markupsafe import escape

from deadlines.expected import DeadlineStatus
from web.app import _templates
from web.formatting import STATUS_CLASS


@pytest.mark.parametrize("status", list(DeadlineStatus))
def test_the_status_macro_shows_each_status_in_words_and_colour(status: DeadlineStatus) -> None:
    env = _templates().env
    page = env.from_string('{% from "macros.html" import status %}{{ status(a) }}|{{ status(b) }}')
    label = f'<span class="status {STATUS_CLASS[status]}">{escape(status.label_vi())}</span>'
    assert page.render(a=status, b=status.value) == f"{label}|{label}"

"""The logging of the long-running commands (`hanchot.logs`): JSON lines that parse and
carry the workflow id of a delivery and of an activity, the text format for people, and
secrets masked in both, wherever they hide (message, arguments, traceback, fields)."""

# ruff: noqa: F811  (the notifier tests' fixtures are imported by name and used as arguments)

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio import activity, workflow
from temporalio.testing import ActivityEnvironment

from activities.contracts import DigestInput
from activities.delivery import DeliveryActivities
from activities.delivery_contract import DELIVER_NOTIFICATION, DeliverInput
from activities.digests import DigestActivities
from boundary.types import DigestTarget
from hanchot.logs import LogSettingsError, configure
from notifier.delivery import Deliverer
from store.enums import Channel
from tests.fakes.smtp import FakeSMTP
from tests.notifier.conftest import (  # noqa: F401  (fixtures, used by name)
    deliverer,
    registry,
    smtp,
    telegram,
    world,
)
from tests.notifier.world import CALENDAR, World

SECRET = "bot-token-9f8e7d6c5b4a"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Where the configured handler writes; the logging set-up is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), list(root.filters), root.level)
    flags = (activity.logger.activity_info_on_message, workflow.logger.workflow_info_on_message)
    stream = io.StringIO()
    try:
        yield stream
    finally:
        root.handlers[:], root.filters[:] = saved[0], saved[1]
        root.setLevel(saved[2])
        activity.logger.activity_info_on_message = flags[0]
        workflow.logger.workflow_info_on_message = flags[1]


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line, parsed: each must be one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_have_utc_time_level_logger_message_and_fields(output: io.StringIO) -> None:
    configure("json", "info", [], output)
    log = logging.getLogger("hanchot.test")
    log.debug("not at info")
    log.info("Đã gửi %d tin", 3, extra={"workflow_id": "deadline/x", "channel": "email"})

    [line] = lines(output)
    assert line["level"] == "info" and line["logger"] == "hanchot.test"
    assert line["message"] == "Đã gửi 3 tin"  # UTF-8 kept, not escaped
    assert (line["workflow_id"], line["channel"]) == ("deadline/x", "email")
    at = datetime.fromisoformat(line["ts"])
    assert at.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - at).total_seconds()) < 600


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_secrets_are_masked_in_message_arguments_traceback_and_fields(
    fmt: str, output: io.StringIO
) -> None:
    configure(fmt, "info", [SECRET], output)
    log = logging.getLogger("httpx.fake")
    log.warning("POST https://api.telegram.org/bot%s/sendMessage", SECRET)
    try:
        raise RuntimeError(f"refused token {SECRET}")
    except RuntimeError:
        log.exception("send failed", extra={"reason": f"token={SECRET}"})

    text = output.getvalue()
    assert SECRET not in text
    assert text.count("***") >= 3
    if fmt == "json":
        first, second = lines(output)
        assert first["message"] == "POST https://api.telegram.org/bot***/sendMessage"
        assert "refused token ***" in second["exc"] and second["reason"] == "token=***"
    else:
        assert "[reason=token=***]" in text and "RuntimeError: refused token ***" in text


def test_a_bad_format_or_level_is_named(output: io.StringIO) -> None:
    with pytest.raises(LogSettingsError, match=r"HANCHOT_LOG_FORMAT='xml'.*text, json"):
        configure("xml", "info", [], output)
    with pytest.raises(LogSettingsError, match="HANCHOT_LOG_LEVEL='loud'"):
        configure("json", "loud", [], output)


async def test_a_delivery_logs_its_row_with_workflow_id_step_channel_and_message_id(
    world: World, deliverer: Deliverer, smtp: FakeSMTP, output: io.StringIO
) -> None:
    configure("json", "info", world.settings.secrets(), output)
    wid, step = world.queue()

    await deliverer.deliver_step(wid, step, channel="email")

    row = world.row(wid, step, Channel.EMAIL)
    [sent] = [x for x in lines(output) if x["logger"] == "notifier.delivery"]
    assert sent["outcome"] == "sent" and sent["level"] == "info"
    assert (sent["workflow_id"], sent["step"], sent["channel"]) == (wid, step, "email")
    assert (sent["outbox_id"], sent["message_id"]) == (row.id, row.message_id)
    assert sent["kind"] == "reminder"
    assert smtp.messages[0]["Message-ID"] == row.message_id


async def test_lines_logged_inside_an_activity_carry_its_workflow_and_activity(
    world: World, deliverer: Deliverer, smtp: FakeSMTP, output: io.StringIO
) -> None:
    configure("json", "info", [], output)
    wid, step = world.queue()
    env = ActivityEnvironment()
    env.info = replace(
        env.info,
        activity_type=DELIVER_NOTIFICATION,
        workflow_id=wid,
        workflow_run_id="run-1",
        workflow_type="UnitDeadline",
    )
    deliveries = DeliveryActivities(deliverer)
    result = await env.run(deliveries.deliver_notification, DeliverInput(wid, step, "email"))
    assert result.sent == 1

    # The relay's own line, logged by notifier.delivery in a worker thread of the activity.
    [sent] = [x for x in lines(output) if x["logger"] == "notifier.delivery"]
    assert (sent["workflow_id"], sent["run_id"]) == (wid, "run-1")
    assert (sent["activity_type"], sent["workflow_type"]) == (DELIVER_NOTIFICATION, "UnitDeadline")

    # A line of activity.logger (Temporal's own extra), in a real hanchot activity.
    env.info = replace(env.info, activity_type="build_and_enqueue_digest", workflow_id="digest/x")
    target = DigestTarget(CALENDAR, "nobody", "2031-06-20", "daily")
    at = datetime(2031, 6, 20, 1, tzinfo=UTC)
    await env.run(DigestActivities(world.store).build_and_enqueue_digest, DigestInput(target, at))
    [skipped] = [x for x in lines(output) if x["message"].startswith("digest skipped")]
    assert skipped["level"] == "warning" and skipped["logger"] == "temporalio.activity"
    assert (skipped["workflow_id"], skipped["activity_type"]) == (
        "digest/x",
        "build_and_enqueue_digest",
    )
    assert "activity_id" in skipped and "({" not in skipped["message"]  # fields, not text

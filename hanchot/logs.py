"""Logging of the long-running commands (worker, notify, bot, web, dev), set up once from
HANCHOT_LOG_FORMAT and HANCHOT_LOG_LEVEL, with every secret masked.

`text` is for people: time, level, logger, message, then the context fields in brackets.
`json` is one object per line for a log shipper: `ts` (UTC, ISO 8601), `level`, `logger`,
`message`, the context fields, and `exc` for a traceback. Context fields come from the
Temporal SDK's loggers (`activity.logger` puts `record.temporal_activity`,
`workflow.logger` `record.temporal_workflow`: flattened into workflow_id, run_id,
workflow_type, activity_type, ...; any other line logged inside an activity gets the
activity's), and from `extra=` (the notifier's relay passes the
outbox row's workflow_id, step, channel, kind, outbox_id, message_id, outcome).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from notifier.logs import SecretMask, mask_secrets

FORMATS = ("text", "json")
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
EXTRA_FIELDS = (
    "workflow_id",
    "step",
    "channel",
    "kind",
    "outbox_id",
    "message_id",
    "outcome",
    "reason",
)
"""Context a caller passes with `extra=`; printed when present."""
_TEMPORAL_FIELDS = {
    "workflow_id": "workflow_id",
    "run_id": "run_id",
    "workflow_run_id": "run_id",
    "workflow_type": "workflow_type",
    "activity_type": "activity_type",
    "activity_id": "activity_id",
    "attempt": "attempt",
    "task_queue": "task_queue",
    "update_name": "update_name",
}
NOISY = {"httpx": logging.WARNING, "apscheduler": logging.WARNING}
"""Libraries whose INFO lines are per request or per job run (every sweep): kept at
WARNING unless the level asked is DEBUG."""


class LogSettingsError(ValueError):
    """HANCHOT_LOG_FORMAT or HANCHOT_LOG_LEVEL has a value hanchot cannot use."""


def _running_activity() -> dict[str, Any] | None:
    """The activity this line is logged in, whatever logger logged it (the notifier's
    relay, SQLAlchemy, httpx): `to_thread` carries the activity's context along."""
    from temporalio import activity

    if not activity.in_activity():
        return None
    info = activity.info()
    return {
        "activity_id": info.activity_id,
        "activity_type": info.activity_type,
        "attempt": info.attempt,
        "task_queue": info.task_queue,
        "workflow_id": info.workflow_id,
        "workflow_run_id": info.workflow_run_id,
        "workflow_type": info.workflow_type,
    }


def context(record: logging.LogRecord) -> dict[str, Any]:
    """The record's context fields: Temporal's (flattened), then those of `extra=`."""
    out: dict[str, Any] = {}
    found = [getattr(record, a, None) for a in ("temporal_workflow", "temporal_activity")]
    if not any(found):
        found = [_running_activity()]
    for details in found:
        if isinstance(details, dict):
            for key, name in _TEMPORAL_FIELDS.items():
                if details.get(key) not in (None, ""):
                    out[name] = details[key]
    for key in EXTRA_FIELDS:
        value = getattr(record, key, None)
        if value not in (None, ""):
            out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    def __init__(self, mask: SecretMask | None = None) -> None:
        super().__init__()
        self.mask = mask

    def _masked(self, value: Any) -> Any:
        if self.mask is not None and isinstance(value, str):
            return self.mask.mask(value)
        return value

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(context(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(
            {k: self._masked(v) for k, v in line.items()}, ensure_ascii=False, default=str
        )


class TextFormatter(logging.Formatter):
    """The usual line, with the `extra=` context appended (Temporal's loggers already put
    theirs in the message)."""

    def __init__(self, mask: SecretMask | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.mask = mask

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = {k: getattr(record, k) for k in EXTRA_FIELDS if getattr(record, k, None)}
        if fields:
            text += " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"
        return self.mask.mask(text) if self.mask is not None else text


def level_of(name: str) -> int:
    level = LEVELS.get(name.strip().lower())
    if level is None:
        raise LogSettingsError(f"HANCHOT_LOG_LEVEL={name!r}: giá trị hợp lệ: {', '.join(LEVELS)}")
    return level


def configure(
    fmt: str = "text",
    level: str = "info",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root logger's handlers with one on `stream` (default stderr) in `fmt`,
    at `level`; mask `secrets` everywhere. Returns the handler."""
    if fmt.strip().lower() not in FORMATS:
        raise LogSettingsError(f"HANCHOT_LOG_FORMAT={fmt!r}: giá trị hợp lệ: {', '.join(FORMATS)}")
    numeric = level_of(level)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for old_filter in [f for f in root.filters if isinstance(f, SecretMask)]:
        root.removeFilter(old_filter)
    handler = logging.StreamHandler(stream or sys.stderr)
    root.addHandler(handler)
    root.setLevel(numeric)
    mask = mask_secrets(list(secrets))
    json_lines = fmt.strip().lower() == "json"
    handler.setFormatter(JsonFormatter(mask) if json_lines else TextFormatter(mask))
    for name, quiet in NOISY.items():
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else quiet)
    _temporal_messages(with_details=not json_lines)
    return handler


def _temporal_messages(with_details: bool) -> None:
    """Temporal's loggers append their details to the message; in JSON they are fields."""
    from temporalio import activity, workflow

    activity.logger.activity_info_on_message = with_details
    workflow.logger.workflow_info_on_message = with_details


def adopt_uvicorn() -> None:
    """uvicorn installs its own handlers; send its records through ours instead."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True

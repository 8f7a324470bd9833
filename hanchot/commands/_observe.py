"""Logs and metrics of the long-running commands, with one clear line (never a
traceback) for a value that cannot be used or a port that is taken."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from temporalio.runtime import Runtime

    from hanchot.metrics import MetricsServer
    from hanchot.settings import Settings
    from notifier.delivery import Store

MSG = {
    "settings": "lỗi cấu hình: {detail}",
    "bind": "lỗi: không mở được cổng số liệu {name}={address}: {detail}",
}


def _fail(message: str, code: int) -> typer.Exit:
    Console(stderr=True, highlight=False).print(Text(message, style="red"))
    return typer.Exit(code)


def setup_logging(
    settings: Settings, secrets: list[str], default_level: str = "info", level: str = ""
) -> None:
    """HANCHOT_LOG_FORMAT, and `level` or HANCHOT_LOG_LEVEL or `default_level`; the
    `secrets` and the database password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from hanchot.logs import LogSettingsError, configure
    from store import db

    masked = list(secrets)
    try:
        password = make_url(db.database_url()).password
    except ArgumentError:  # the store reports a bad URL itself
        password = None
    if password:
        masked.append(str(password))
    try:
        configure(settings.log_format, level or settings.log_level or default_level, masked)
    except LogSettingsError as exc:
        raise _fail(MSG["settings"].format(detail=exc), 2) from None


def serve_metrics(settings: Settings, store: Store | None = None) -> MetricsServer | None:
    from hanchot.metrics import MetricsSettingsError, serve

    try:
        return serve(settings.metrics_address, store)
    except MetricsSettingsError as exc:
        raise _fail(MSG["settings"].format(detail=exc), 2) from None
    except OSError as exc:
        detail = exc.strerror or str(exc)
        text = MSG["bind"].format(
            name="HANCHOT_METRICS_ADDRESS", address=settings.metrics_address, detail=detail
        )
        raise _fail(text, 1) from None


def temporal_runtime(settings: Settings) -> Runtime:
    from hanchot.metrics import MetricsSettingsError
    from hanchot.metrics import temporal_runtime as runtime

    try:
        return runtime(settings.temporal_metrics_address)
    except MetricsSettingsError as exc:
        raise _fail(MSG["settings"].format(detail=exc), 2) from None
    except (RuntimeError, ValueError) as exc:  # the SDK's core could not bind the port
        text = MSG["bind"].format(
            name="HANCHOT_TEMPORAL_METRICS_ADDRESS",
            address=settings.temporal_metrics_address,
            detail=exc,
        )
        raise _fail(text, 1) from None

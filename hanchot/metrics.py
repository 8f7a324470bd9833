"""The Prometheus endpoints of the long-running commands.

`serve(address, store)` serves `/metrics` on HANCHOT_METRICS_ADDRESS: the process's own
counters (`notifier.metrics`: deliveries, send time, replies; Python's process metrics)
and, when given the store (`hanchot notify`, `hanchot dev`: one process per deployment,
so the numbers are not counted twice), gauges read from the store at every scrape, true
after any restart: the outbox backlog per channel and its oldest row's age, the overdue
deadlines per calendar. `temporal_runtime(address)` is the Temporal SDK's own endpoint
(worker and schedule metrics, `temporal_*`) on HANCHOT_TEMPORAL_METRICS_ADDRESS: the SDK
serves it from its core, not from this process's registry, hence a second address.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import prometheus_client
import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from deadlines.expected import DeadlineStatus
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import Calendar, Cycle, Obligation, OutboxMessage, UnitDeadline

if TYPE_CHECKING:
    from temporalio.runtime import Runtime

    from notifier.delivery import Store

log = logging.getLogger(__name__)

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
"""Outbox rows not delivered yet: queued, held, backing off, or being sent."""


class MetricsSettingsError(ValueError):
    """A metrics address hanchot cannot use; the message names the variable."""


def parse_address(name: str, value: str) -> tuple[str, int] | None:
    """`host:port` (or `:port` for every interface) of variable `name`; None when empty."""
    value = value.strip()
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise MetricsSettingsError(
            f"{name}={value!r}: phải có dạng host:cổng, ví dụ 127.0.0.1:9464 hoặc 0.0.0.0:9464"
        )
    return host, int(port)


class StoreCollector(Collector):
    """Gauges read from the store at scrape time (one short read transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("hanchot_store_up", "1 when the store answered this scrape.")
        try:
            families = self._read()
        except Exception as exc:  # a scrape never fails because the database is down
            log.warning("metrics: store unreadable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> list[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "hanchot_outbox_pending",
            "Outbox rows not delivered yet (pending or sending), by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "hanchot_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row not delivered yet, by channel (0: none).",
            labels=["channel"],
        )
        overdue = GaugeMetricFamily(
            "hanchot_overdue_deadlines",
            "Unit deadlines in the overdue status (past their legal end, not submitted, "
            "not excused), by calendar.",
            labels=["calendar"],
        )
        now = utcnow()
        with self.store.read() as session:
            waiting = {
                channel: (count, first)
                for channel, count, first in session.execute(
                    sa.select(
                        OutboxMessage.channel,
                        sa.func.count(),
                        sa.func.min(OutboxMessage.created_at),
                    )
                    .where(OutboxMessage.status.in_(WAITING))
                    .group_by(OutboxMessage.channel)
                )
            }
            calendars = list(session.scalars(sa.select(Calendar.key).order_by(Calendar.key)))
            late = dict(
                session.execute(
                    sa.select(Calendar.key, sa.func.count(UnitDeadline.id))
                    .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
                    .join(Obligation, Cycle.obligation_id == Obligation.id)
                    .join(Calendar, Obligation.calendar_id == Calendar.id)
                    .where(UnitDeadline.status == DeadlineStatus.OVERDUE)
                    .group_by(Calendar.key)
                ).all()
            )
        for channel in Channel:
            count, first = waiting.get(channel, (0, None))
            pending.add_metric([channel.value], count)
            age = max((now - first).total_seconds(), 0.0) if first is not None else 0.0
            oldest.add_metric([channel.value], age)
        for key in calendars:
            overdue.add_metric([key], late.get(key, 0))
        return [pending, oldest, overdue]


class _Process(Collector):
    """The process's own metrics (the default registry), served next to the store's."""

    def collect(self) -> Iterator[Any]:
        yield from prometheus_client.REGISTRY.collect()


@dataclass
class MetricsServer:
    host: str
    port: int
    _httpd: Any
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def registry(store: Store | None = None) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(_Process())
    if store is not None:
        reg.register(StoreCollector(store))
    return reg


def serve(address: str, store: Store | None = None) -> MetricsServer | None:
    """Serve /metrics on HANCHOT_METRICS_ADDRESS `address` (None when empty); port 0
    takes a free one (see `.port`)."""
    where = parse_address("HANCHOT_METRICS_ADDRESS", address)
    if where is None:
        return None
    prometheus_client.disable_created_metrics()
    httpd, thread = prometheus_client.start_http_server(
        where[1], addr=where[0], registry=registry(store)
    )
    host = where[0] if where[0] not in ("0.0.0.0", "::") else "127.0.0.1"
    server = MetricsServer(host, int(httpd.server_address[1]), httpd, thread)
    log.info("metrics on %s", server.url)
    return server


def temporal_runtime(address: str) -> Runtime:
    """The Temporal runtime for `Client.connect(runtime=...)`: its core's warnings go
    through Python logging (so through the JSON format, not straight to stderr), and
    with `address` (HANCHOT_TEMPORAL_METRICS_ADDRESS) it serves the SDK's metrics."""
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        PrometheusConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    where = parse_address("HANCHOT_TEMPORAL_METRICS_ADDRESS", address)
    logs = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(
            logger=logging.getLogger("temporalio.core"), append_target_to_name=False
        ),
    )
    if where is None:
        return Runtime(telemetry=TelemetryConfig(logging=logs))
    bind = f"[{where[0]}]:{where[1]}" if ":" in where[0] else f"{where[0]}:{where[1]}"
    metrics = PrometheusConfig(bind_address=bind)
    runtime = Runtime(telemetry=TelemetryConfig(logging=logs, metrics=metrics))
    log.info("temporal sdk metrics on http://%s/metrics", bind)
    return runtime


def quiet_default_runtime() -> None:
    """Make the SDK's default runtime forward its core's warnings to Python logging (so to
    stderr, or the JSON log), never straight to the console's stdout, whose lines are a
    command's answer. Call before the first client connects."""
    from temporalio.runtime import Runtime

    Runtime.set_default(temporal_runtime(""), error_if_already_set=False)

"""Fixtures of the notifier tests: a store with a calendar, a real SMTP server, a fake
Telegram Bot API server, and the channels pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.settings import Secret
from notifier.telegram.transport import TelegramChannel
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World, make_world
from tests.store.conftest import postgres_database  # noqa: F401  (a fixture, used by name)


@pytest.fixture
def smtp() -> Iterator[FakeSMTP]:
    server = FakeSMTP().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    try:
        yield server
    finally:
        server.stop()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""For `pytest.mark.parametrize("world", BACKENDS, indirect=True)`: SQLite by default."""


@pytest.fixture
def world(
    request: pytest.FixtureRequest, tmp_path: Path, smtp: FakeSMTP, telegram: FakeTelegram
) -> Iterator[World]:
    backend = getattr(request, "param", "sqlite")
    url = None if backend == "sqlite" else str(request.getfixturevalue("postgres_database"))
    base = make_world(tmp_path, url)
    settings = replace(
        base.settings,
        smtp=replace(base.settings.smtp, host="127.0.0.1", port=smtp.port, security="none"),
        telegram=replace(
            base.settings.telegram, token=Secret(telegram.token), api_base_url=telegram.base
        ),
    )
    try:
        yield replace(base, settings=settings)
    finally:
        base.store.engine.dispose()  # before the database is dropped


@pytest.fixture
async def registry(world: World) -> AsyncIterator[Registry]:
    registry = Registry(
        [EmailChannel(world.settings.smtp), TelegramChannel(world.settings.telegram)]
    )
    try:
        yield registry
    finally:
        await registry.aclose()


@pytest.fixture
def deliverer(world: World, registry: Registry) -> Deliverer:
    return Deliverer(world.store, registry, world.settings)

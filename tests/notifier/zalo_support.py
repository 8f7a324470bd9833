"""The Zalo pieces pointed at a fake Zalo API: settings, channel, webhook app, its inbound
queue and events. `Hook.post` answers as the webhook does (at once) and then waits until
the queue has handled what it stored, so a test reads the effect right after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
from temporalio.client import Client

from notifier.inbound import Engine
from notifier.service import zalo_channel
from notifier.settings import NotifierSettings, Secret, ZaloSettings
from notifier.zalo.events import HANDLED, ZaloEvents
from notifier.zalo.inbox import Inbox
from notifier.zalo.transport import ZaloChannel
from notifier.zalo.webhook import app
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.world import World

PATH = "/zalo/webhook"


def zalo_settings(world: World, fake: FakeZalo) -> NotifierSettings:
    return replace(
        world.settings,
        zalo=ZaloSettings(
            oa_id=fake.oa_id,
            app_id=fake.app_id,
            app_secret=Secret(fake.app_secret),
            oa_secret_key=Secret(fake.oa_secret_key),
            refresh_token=Secret(fake.refresh_token),
            api_base_url=fake.base,
            oauth_base_url=fake.base,
            timeout=5.0,
        ),
    )


@dataclass
class Hook:
    fake: FakeZalo
    http: httpx.AsyncClient
    channel: ZaloChannel
    inbox: Inbox
    events: ZaloEvents

    async def post(self, event: dict[str, Any], signature: str | None = None) -> int:
        """Deliver as Zalo does; then wait until the queue is drained."""
        status = await self.answer(event, signature)
        await self.inbox.idle()
        return status

    async def answer(self, event: dict[str, Any], signature: str | None = None) -> int:
        """Deliver as Zalo does: the webhook's answer, whatever is handled after."""
        raw, mac = self.fake.signed(event)
        headers = {"content-type": "application/json"}
        if signature != "":
            headers["x-zevent-signature"] = signature or mac
        response = await self.http.post(PATH, content=raw, headers=headers)
        return response.status_code


@asynccontextmanager
async def webhook(
    world: World, fake: FakeZalo, client: Client | None, **changes: Any
) -> AsyncIterator[Hook]:
    settings = replace(zalo_settings(world, fake), **changes)
    channel = zalo_channel(settings, world.store)
    engine = Engine(client) if client is not None else None
    events = ZaloEvents(world.store, engine, settings, channel)  # type: ignore[arg-type]
    inbox = Inbox(
        world.store, events.handle, lease_seconds=float(settings.job_lease_seconds), names=HANDLED
    )
    asgi = app(PATH, settings.zalo.webhook_keys, inbox.accept)
    transport = httpx.ASGITransport(app=asgi)
    handling = asyncio.create_task(inbox.run())
    async with httpx.AsyncClient(transport=transport, base_url="http://hanchot") as http:
        try:
            yield Hook(fake, http, channel, inbox, events)
        finally:
            await inbox.stop()
            await handling
            await channel.aclose()

"""boundary.client.EngineClient: the one sender of UnitDeadline updates, its errors."""

from __future__ import annotations

import socket

import pytest
from temporalio import workflow

from boundary.client import UNREACHABLE, UPDATES, EngineClient, EngineUnavailable, UpdateRefused
from boundary.types import ActorRequest, SubmitRequest
from tests.workflows.support import (
    Recorder,
    env_year,
    run_timeout,
    time_skipping,
    unit_input,
    worker,
)
from workflows.unit_deadline import UnitDeadline


def test_the_client_knows_exactly_the_workflows_updates() -> None:
    definition = workflow._Definition.from_class(UnitDeadline)
    assert sorted(UPDATES) == sorted(definition.updates)
    typed = {name for name in UPDATES if callable(getattr(EngineClient, name, None))}
    assert typed == set(UPDATES), "one typed method per update"


async def test_an_unreachable_engine_is_one_vietnamese_message() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    client = EngineClient.lazy(address)
    with pytest.raises(EngineUnavailable) as failed:
        await client.excuse("deadline/x", ActorRequest("r1", "coord", "Sáp nhập"))
    assert str(failed.value) == UNREACHABLE.format(address=address)


async def test_refusals_and_gone_workflows() -> None:
    async with time_skipping() as env, worker(env.client, Recorder().all()) as queue:
        inp = unit_input(await env_year(env))
        wid = inp.cycle.deadline_id(inp.unit_id)
        await env.client.start_workflow(
            UnitDeadline.run, inp, id=wid, task_queue=queue, execution_timeout=run_timeout()
        )
        client = EngineClient(env.client)
        first = await client.submit(wid, SubmitRequest("s1", "fp-a"))
        assert first.status == "submitted_on_time" and not first.duplicate
        assert (await client.submit(wid, SubmitRequest("s1", "fp-a"))).duplicate
        with pytest.raises(UpdateRefused) as refused:
            await client.submit(wid, SubmitRequest("s2", "fp-a"))
        assert not refused.value.gone and "đã" in refused.value.message
        with pytest.raises(UpdateRefused) as gone:
            await client.reopen("deadline/khong-co", ActorRequest("o1", "coord", "x"))
        assert gone.value.gone
    with pytest.raises(ValueError):
        await EngineClient(env.client).send(wid, "terminate", None)

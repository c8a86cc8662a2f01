"""The outbox writer as the server stops: what it was recording in the outbox is recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import STORE
from server.store.models import WriteBackStatus
from server.store.write_backs import WriteBackKey

from .conftest import Conversation, eventually


def writer_task() -> asyncio.Task[Any]:
    [task] = [task for task in asyncio.all_tasks() if task.get_name() == "write-back-outbox"]
    return task


async def test_a_writer_stopped_while_recording_a_write_records_it(
    client: TestClient[Any, Any], conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = client.app[STORE].write_backs
    recording, release = asyncio.Event(), asyncio.Event()
    record_written = outbox.written

    async def slow_written(*args: Any, **kwargs: Any) -> bool:
        recording.set()
        await release.wait()
        return await record_written(*args, **kwargs)

    monkeypatch.setattr(outbox, "written", slow_written)
    await conversation.hand_in("ended")
    await eventually(recording.is_set)

    # The server stops while the writer records that the Task was written.
    writer = writer_task()
    writer.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait([writer], timeout=10)

    assert writer.cancelled()
    row = await outbox.get(WriteBackKey("acme", "salesforce", conversation.session_id))
    assert row is not None
    assert row.status is WriteBackStatus.WRITTEN
    assert len(conversation.tasks()) == 1

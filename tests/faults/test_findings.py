"""Issue 13, findings 1 and 2, as they were found: against two real nodes, Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from redis.asyncio import Redis

from server.auth.tokens import TokenService
from tests.faults.conftest import Cluster, assert_shown_exactly_once_in_order, close, talk
from tests.faults.platform import message
from tests.faults.widget import FaultWidget
from tests.fixtures.app import SECRET

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


async def test_finding_1_a_redis_crash_loses_no_history_and_repeats_no_position(
    cluster: Cluster,
) -> None:
    async with cluster.platform() as platform:
        (conversation,) = await cluster.conversations(platform, 1)
        conversation_id = conversation.conversation_id
        redis = Redis.from_url(cluster.redis.url)
        await redis.save()  # the snapshot Redis comes back with: from before the 200 events
        await redis.aclose()
        events = [
            message(f"e{i}", conversation_id, f"line {i} about my router", customer=i % 5 == 0)
            for i in range(200)
        ]
        for start in range(0, 200, 20):
            await platform.deliver({"events": events[start : start + 20]}, node=start // 20 % 2)
        conversation.acknowledged += [event["provider_event_id"] for event in events]
        await assert_shown_exactly_once_in_order([conversation])
        held = max(max(widget.lines) for widget in conversation.widgets)

        cluster.redis.kill()
        cluster.redis.start()

        # Fresh widgets, on either node, see all 200 lines.
        token = TokenService(SECRET, 3600).mint("acme", "agent-0")
        fresh = [FaultWidget(cluster.urls, token, conversation_id, first=n) for n in (0, 1)]
        await asyncio.gather(*(widget.open() for widget in fresh))
        conversation.widgets += fresh
        await assert_shown_exactly_once_in_order([conversation])
        # 80 new lines come after every position the widgets hold, so none is dropped.
        await talk(platform, [conversation], 80, every=0)
        await assert_shown_exactly_once_in_order([conversation])
        new_positions = [
            seq for seq, event_id in conversation.widgets[0].lines.items() if "-line-" in event_id
        ]
        assert min(new_positions) > held
        # The 200 delivered again are recognised, and nothing is shown twice.
        statuses = []
        for start in range(0, 200, 20):
            statuses += await platform.deliver({"events": events[start : start + 20]}, node=1)
        assert statuses == ["duplicate"] * 200
        await talk(platform, [conversation], 1)
        await assert_shown_exactly_once_in_order([conversation])
    await close([conversation])


async def test_finding_2_events_acknowledged_while_a_node_s_listener_was_away_reach_its_widgets(
    cluster: Cluster,
) -> None:
    node_a, _ = cluster.urls
    async with cluster.platform() as platform:
        (conversation,) = await cluster.conversations(platform, 1)
        await talk(platform, [conversation], 3)
        await assert_shown_exactly_once_in_order([conversation])
        admin = Redis.from_url(cluster.redis.url, decode_responses=True)
        # Both nodes' fan-out subscriptions drop and cannot come back until the password goes:
        # the connections the nodes hold already keep working.
        await admin.config_set("requirepass", secrets.token_urlsafe(16))
        await admin.client_kill_filter(_type="pubsub")

        async with cluster.platform([node_a]) as platform_to_a:
            await talk(platform_to_a, [conversation], 41, every=0)
        listeners = await admin.execute_command("CLIENT", "LIST", "TYPE", "pubsub")
        on_node_b = conversation.widgets[1]
        missed = len(conversation.acknowledged) - len(on_node_b.shown())
        await admin.config_set("requirepass", "")
        await admin.aclose()

        assert platform_to_a.statuses == ["processed"] * 41
        assert listeners == ""  # no node listened while the 41 were acknowledged
        assert missed == 41  # node B's widget heard none of them live
        # No further event: node B's widget catches up once its listener is back.
        await assert_shown_exactly_once_in_order([conversation])
    await close([conversation])

"""The collector policy: survivors frozen, frozen cycles reclaimed by a full collection."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator

import pytest

from server.gcpolicy import GcPolicy


class Node:
    """An object in a reference cycle."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_step_freezes_live_objects_so_collections_skip_them() -> None:
    live = [Node() for _ in range(1000)]
    policy = GcPolicy(reclaim_seconds=1e9)
    frozen_before = gc.get_freeze_count()

    policy.step()

    assert gc.get_freeze_count() >= frozen_before + len(live)
    assert not any(gc.is_tracked(n) and n in gc.get_objects(generation=2) for n in live[:3])


def test_reclaim_collects_cycles_that_died_after_they_were_frozen() -> None:
    policy = GcPolicy(reclaim_seconds=1e9)
    cycle = Node()
    alive = weakref.ref(cycle)
    policy.step()
    del cycle  # unreachable now, but frozen: no ordinary collection looks at it
    gc.collect()
    assert alive() is not None

    policy.reclaim()

    assert alive() is None


def test_a_step_reclaims_once_the_reclaim_interval_has_passed() -> None:
    policy = GcPolicy(reclaim_seconds=0.2)
    policy.reclaim()
    cycle = Node()
    alive = weakref.ref(cycle)
    policy.step()  # frozen; too early to reclaim
    del cycle
    policy.step()
    assert alive() is not None

    time.sleep(0.25)
    policy.step()

    assert alive() is None

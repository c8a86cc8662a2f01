"""Latency histograms with geometric buckets: mergeable across nodes, percentiles to ±12%."""

from __future__ import annotations

import math
from collections.abc import Mapping

# Bucket i holds latencies up to FIRST_MS * GROWTH**i; the last one holds everything above.
# 60 buckets of 25% growth span 0.25 ms to about two minutes.
FIRST_MS = 0.25
GROWTH = 1.25
BUCKETS = 60


def bucket_of(milliseconds: float) -> int:
    """The bucket a latency falls in."""
    if milliseconds <= FIRST_MS:
        return 0
    index = math.ceil(math.log(milliseconds / FIRST_MS, GROWTH) - 1e-9)
    return min(index, BUCKETS - 1)


def upper_bound_ms(bucket: int) -> float:
    """The largest latency bucket ``bucket`` holds."""
    return FIRST_MS * GROWTH**bucket


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The upper bound of the bucket holding the ``fraction`` quantile; None if empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return round(upper_bound_ms(bucket), 3)
    return round(upper_bound_ms(max(histogram)), 3)

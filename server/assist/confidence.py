"""How sure a card set is, and when to show nothing rather than junk.

The confidence of a set is that of its top card: a logistic function of two pieces of evidence
the search already has (``index.Hit``): ``coverage``, the share of the query's IDF-weighted
terms its best passage contains, and ``cosine``, how close its best passage is to the query in
the dense space. The coefficients and the threshold were fitted by ``benchmarks/calibrate.py``
on the tuning conversations only: positives are final topics whose right article was in the
top 3, negatives are the same topics asked of the other benchmark knowledge base (a request
the knowledge base cannot answer) and final topics whose right article was missed. The
threshold keeps 99 % of the positives and puts 20 % of the negatives below it (202 positives,
236 negatives). Re-run the script after changing the ranking.
"""

from __future__ import annotations

import math

# Fitted by benchmarks/calibrate.py (see the module docstring); P = logistic(a + b*cov + c*cos).
INTERCEPT = -2.845
COVERAGE_WEIGHT = 6.445
COSINE_WEIGHT = 4.057
# Below this confidence the widget is told "unsure" instead of being shown cards.
THRESHOLD = 0.115


def confidence(coverage: float, cosine: float) -> float:
    """The probability, as calibrated, that a set whose top card has this evidence is right."""
    z = INTERCEPT + COVERAGE_WEIGHT * coverage + COSINE_WEIGHT * cosine
    return 1 / (1 + math.exp(-z))


def confident(coverage: float, cosine: float) -> bool:
    """Whether a set with this top-card evidence is worth showing."""
    return confidence(coverage, cosine) >= THRESHOLD

"""Entity recognisers: types, confidences, context, overlaps and tenant patterns."""

from __future__ import annotations

import re

from server.assist.entities import BUILT_IN, DEFAULT_THRESHOLD, Recogniser, extract, shown


def found(text: str, **options: object) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in shown(extract(text, **options))]  # type: ignore[arg-type]


def test_each_built_in_type_is_found() -> None:
    text = "order CC-51907, email jo@example.co.uk, call 07700 900461, charged £38.50 on 14/09/2024"
    assert found(text) == [
        ("order_id", "CC-51907"),
        ("email", "jo@example.co.uk"),
        ("phone", "07700 900461"),
        ("amount", "£38.50"),
        ("date", "14/09/2024"),
    ]


def test_spoken_details_are_found() -> None:
    assert found("it's k dot morris at gmail dot com") == [
        ("email", "k dot morris at gmail dot com")
    ]
    assert found("fifth of January nineteen eighty five") == [
        ("date", "fifth of January nineteen eighty five")
    ]


def test_the_agents_question_decides_what_a_bare_number_is() -> None:
    assert found("40021873", context="And the account number?") == [("account_id", "40021873")]
    assert found("40021873", context="What's the order number?") == [("order_id", "40021873")]
    # Without context a bare number is not sure enough to show.
    assert found("40021873") == []


def test_card_digits_and_small_numbers_are_not_shown() -> None:
    assert found("4471") == []
    assert found("i get paid on the 28th, about 5 or 6 times") == []


def test_product_names_from_the_knowledge_base() -> None:
    assert found("my pixel 7 will not charge", products=["Pixel"]) == [("product", "pixel 7")]
    assert found("do you sell the Home Hub", products=["Home Hub"]) == [("product", "Home Hub")]
    # Lower-cased without a model, a name may be an ordinary phrase: below the threshold.
    assert found("i pay by direct debit", products=["Direct Debit"]) == []


def test_a_tenant_pattern_adds_a_type() -> None:
    loyalty = Recogniser("loyalty_id", re.compile(r"LY-\d{6}", re.IGNORECASE), 0.95)

    assert found("card LY-204816 please", recognisers=(*BUILT_IN, loyalty)) == [
        ("loyalty_id", "LY-204816")
    ]


def test_the_threshold_filters_by_confidence() -> None:
    entities = extract("40021873")
    assert entities
    assert all(e.confidence < DEFAULT_THRESHOLD for e in entities)
    assert shown(entities, threshold=0.4) == entities

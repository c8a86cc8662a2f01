"""Entity recognisers: types, confidences, context, overlaps and tenant patterns."""

from __future__ import annotations

import random
import re
import time

from server.assist.entities import (
    BUILT_IN,
    DEFAULT_THRESHOLD,
    MAX_MATCHES,
    Recogniser,
    _hinted,
    extract,
    shown,
)
from server.assist.entity_patterns import HINT


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


def test_numbers_that_are_not_a_customers_ids_are_not_shown_as_ids() -> None:
    # Bank details, a ticket or tracking reference, a card's last digits, a PAC.
    assert found("sort code 40-11-62 and account 31926819", context="Your bank details?") == []
    assert found("the ticket reference is 7730912, about my order") == []
    assert found("courier tracking number 88123409, for my order") == []
    assert found("card number ending 402211 for the account") == []
    assert found("my PAC is 483920 if that is the reference") == []
    assert found("the verification code was 551902", context="What's the order number?") == []
    # What the agent said before the question does not count against the answer.
    context = "I've logged a complaint reference for you. What's your account number?"
    assert found("60415527", context=context) == [("account_id", "60415527")]
    assert found("60415527", context="What's the complaint reference?") == []


def test_a_street_number_postcode_or_model_is_not_an_order_id() -> None:
    context = "What's the order number?"
    assert found("it went to 221 Baker Street, NW1 6XE", context=context) == []
    assert found("the model is HX-4200, size 12, bought 3 days ago", context=context) == []
    assert found("it's on iOS 17.4 and the app is version 5.12.1", context=context) == []


def test_ids_read_out_in_groups_are_found() -> None:
    assert found("FH 4081 2234", context="Can I take the order number?") == [
        ("order_id", "FH 4081 2234")
    ]
    assert found("it's cc 71204", context="Order number please?") == [("order_id", "cc 71204")]
    assert found("30 41 88 72", context="And your account number?") == [
        ("account_id", "30 41 88 72")
    ]
    # A word before the digits is not part of the id.
    assert found("my order is 40 81 77 35") == []


def test_digit_groups_after_a_question_about_another_number_are_not_a_phone() -> None:
    assert found("204 718 553", context="What's the account number?") == [
        ("account_id", "204 718 553")
    ]
    assert found("204 718 553", context="What's the best number to reach you on?") == [
        ("phone", "204 718 553")
    ]


def test_uk_landlines_however_grouped_are_phones() -> None:
    context = "Can I take a contact number?"
    assert found("0161 496 0734", context=context) == [("phone", "0161 496 0734")]
    assert found("020 7946 0321", context=context) == [("phone", "020 7946 0321")]
    assert found("01632960418", context=context) == [("phone", "01632960418")]


def test_a_sort_code_or_a_version_is_not_a_date() -> None:
    assert found("sort code 20-00-00") == []
    assert found("it updated to 3.10.22 last night") == []
    assert found("born 31/12/1979") == [("date", "31/12/1979")]


def test_may_the_verb_is_not_a_month() -> None:
    assert found("the size 2 may be too small") == []
    assert found("the second may arrive later") == []
    assert found("delivered on the 2nd of may") == [("date", "2nd of may")]
    assert found("it came on 14 May 2024") == [("date", "14 May 2024")]
    assert found("it came on 3 may.") == [("date", "3 may")]


def test_times_and_measurements_are_not_money() -> None:
    assert found("can you call back at 10.30, i paid already") == []
    assert found("paying for 50 but getting 11.80 mbps") == []
    assert found("i paid 12.60 for the delivery") == [("amount", "12.60")]
    assert found("it costs £25, because of the fee") == [("amount", "£25")]


def test_amounts_said_in_words_are_found() -> None:
    assert found("they took thirty pounds twice") == [("amount", "thirty pounds")]
    assert found("a hundred and twenty quid for a kettle") == [
        ("amount", "a hundred and twenty quid")
    ]
    assert found("i have two kids and three phones") == []


def test_a_website_said_aloud_is_not_an_email() -> None:
    assert found("i saw it cheaper at argos dot co dot uk") == []
    assert found("it's jane at outlook dot com") == [("email", "jane at outlook dot com")]
    assert found("sam at fastmail dot fm", context="What's your email?") == [
        ("email", "sam at fastmail dot fm")
    ]


def test_product_names_from_the_knowledge_base() -> None:
    assert found("my pixel 7 will not charge", products=["Pixel"]) == [("product", "pixel 7")]
    assert found("do you sell the Home Hub", products=["Home Hub"]) == [("product", "Home Hub")]
    # Lower-cased without a model, a name may be an ordinary phrase: below the threshold.
    assert found("i pay by direct debit", products=["Direct Debit"]) == []
    # Unless the knowledge base lists its lower-cased form (products.py decides when).
    assert found("is my ipad covered", products=["iPad", "ipad"]) == [("product", "ipad")]


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


def test_product_names_are_found_as_the_full_pattern_finds_them() -> None:
    names = ("Home Hub", "Home Hub Pro", "iPhone", "Wi-Fi Calling", "Pixel", "Galaxy Note", "eSIM")
    # A name outside ASCII sends every line through the whole pattern: the reference.
    everything = (*names, "Café Crème")
    words = ["my", "home", "hub", "pro", "iphone", "wi-fi", "calling", "pixel", "7", "galaxy"]
    words += ["note", "esim", "phones", "hubs", "café", "the", "s21", "homes", "wifi", "x"]
    # Signs and punctuation outside ASCII are no word characters: such lines are matched
    # word by word too.
    words += ["£25", "it\u2019s", "home\u2019s", "\u2014", "€", "\u201cpixel\u201d"]
    rng = random.Random(3)
    for _ in range(500):
        picked = rng.choices(words, k=rng.randint(1, 8))
        text = " ".join(w.upper() if rng.random() < 0.3 else w for w in picked)

        assert extract(text, products=names) == extract(text, products=everything), text


def test_lines_naming_no_product_find_none_however_many_products_there_are() -> None:
    names = tuple(f"Widget{n} Pro" for n in range(3000))

    assert found("my Widget12 Pro will not charge", products=names) == [("product", "Widget12 Pro")]
    assert found("my router will not charge", products=names) == []


def test_details_given_only_in_words_are_found_in_any_case() -> None:
    # No digit, "@" or currency sign: only a word says a detail may be there.
    assert found("paid on the THIRD of SEPTEMBER") == [("date", "THIRD of SEPTEMBER")]
    assert found("Twenty Quid for a kettle") == [("amount", "Twenty Quid")]
    assert found("it is K DOT MORRIS at gmail DOT com") == [
        ("email", "K DOT MORRIS at gmail DOT com")
    ]


def test_the_quick_look_for_details_agrees_with_the_hint_pattern() -> None:
    words = ["jan", "January", "SEPT", "sept_", "may", "dot", "dotty", "Pounds", "quid", "euro"]
    words += ["£", "€5", "$", "@", "7", "x", "décembre", "dot.com", "_dot"]
    # Letters a case-blind pattern takes for ASCII ones ("long s", the Kelvin sign).
    words += ["\u017fept", "\u212aelvin"]
    rng = random.Random(5)
    for _ in range(2000):
        text = rng.choice(["", " ", "-"]).join(rng.choices(words, k=rng.randint(1, 5)))

        assert _hinted(text) == (HINT.search(text) is not None), text


def test_a_product_typed_as_the_articles_write_it_is_surer() -> None:
    names = ("Home Hub", "Hub", "Home Hub Pro")

    def confidence(text: str) -> list[tuple[str, float]]:
        return [(e.value, e.confidence) for e in extract(text, products=names)]

    assert confidence("is the Home Hub Pro in stock") == [("Home Hub Pro", 0.9)]
    assert confidence("is the home hub in stock") == [("home hub", 0.75)]
    # A name written as the articles write it inside the match counts too.
    assert confidence("is the home Hub in stock") == [("home Hub", 0.9)]
    assert confidence("is the HOME HUB in stock") == [("HOME HUB", 0.75)]


# One customer line may be as long as the ingest accepts (20,000 characters); the event loop
# that extracts its details serves every agent. Each of these lines took seconds before.
HOSTILE_LINES = {
    "thousands of amounts": "12.60 " * 3334,
    "thousands of sums in pounds": "£1" * 10_000,
    "an @ and a run of dotted words": "@ " + "a." * 24_999,
    "an @ and a run of dashed digits": "@ " + "1-" * 24_999,
    "a spoken address that never ends": "x " + "dot " * 12_499 + "at",
    "many dates before a may": "jan 1 " * 3333 + "may",
}


def test_hostile_lines_are_read_in_bounded_time() -> None:
    for name, line in HOSTILE_LINES.items():
        started = time.perf_counter()
        entities = extract(line, context="what's your order number?")
        # A generous bound: a linear read takes milliseconds, the quadratic ones took seconds.
        assert time.perf_counter() - started < 1.0, name
        assert len(entities) <= MAX_MATCHES * len(BUILT_IN), name


def test_a_line_of_many_details_keeps_its_first_ones() -> None:
    entities = extract("paid £1.50 " * 1000)
    assert len(entities) == MAX_MATCHES
    assert [(e.value, e.start) for e in entities[:2]] == [("£1.50", 5), ("£1.50", 16)]


def test_an_email_address_is_read_up_to_64_characters_before_the_at() -> None:
    assert found("mail jo.smith+kb@example.co.uk now") == [("email", "jo.smith+kb@example.co.uk")]
    local = "a" * 64
    assert found(f"it is {local}@example.com") == [("email", f"{local}@example.com")]


def test_a_tenant_pattern_that_backtracks_forever_is_stopped() -> None:
    # Stored before its check refused such patterns, or one the check does not recognise:
    # it held the event loop, every tenant's, 2.4 s on this line (doubling with each "a").
    hanging = Recogniser("ticket", re.compile(r"(a|a)*b", re.IGNORECASE), 0.9)
    line = "my order is CC-51907 " + "a" * 24
    started = time.perf_counter()
    assert found(line, recognisers=(*BUILT_IN, hanging)) == [("order_id", "CC-51907")]
    assert time.perf_counter() - started < 1.0


def test_a_quick_tenant_pattern_still_finds_its_type() -> None:
    own = Recogniser("ticket", re.compile(r"\btk-\d{4}\b", re.IGNORECASE), 0.9)
    assert found("ticket TK-4410 please", recognisers=(*BUILT_IN, own)) == [("ticket", "TK-4410")]

"""Product names found in a knowledge base's articles, and the forms customers type them in."""

from __future__ import annotations

from server.assist.products import product_names_in

ARTICLES = [
    "Members of Acme Prime get free delivery. You can join Acme Prime from your account, and "
    "Acme Prime renews each year. Everything sold by Acme is covered.",
    "Most phones work, including iPhone XS and later and Google Pixel 3 and later. Pay by "
    "Direct Debit, PayPal or American Express, or drop parcels at a Parcel Point near you.",
    "Turn on Whole Home coverage in the app; every home gets one booster. Use Find My Device "
    "to locate it. Check the pixel count on the box.",
]


def test_products_are_found_and_ways_to_pay_and_places_are_not() -> None:
    names = product_names_in(ARTICLES)

    assert {"Acme Prime", "iPhone", "Google Pixel", "Whole Home"} <= set(names)
    assert not {"Direct Debit", "PayPal", "American Express", "Parcel Point"} & set(names)


def test_names_that_cannot_be_ordinary_words_are_listed_in_lower_case_too() -> None:
    names = set(product_names_in(ARTICLES))

    assert {"iphone", "acme prime"} <= names
    # "home" is an ordinary word in these articles, "find my" is not a name when typed, and
    # "pixel" appears in lower case: customers typing these may mean something else.
    assert not {"whole home", "find my device", "pixel", "google pixel"} & names


def test_a_brand_led_name_is_listed_without_its_brand() -> None:
    names = set(product_names_in(ARTICLES))

    # "Acme" stands alone ("sold by Acme"), so customers may say just "Prime".
    assert {"Prime", "prime"} <= names


def test_names_are_longest_first() -> None:
    names = product_names_in(ARTICLES)

    assert [len(n) for n in names] == sorted((len(n) for n in names), reverse=True)


def test_an_article_writing_a_word_in_lower_case_anywhere_keeps_names_with_it_capitalised() -> None:
    articles = [*ARTICLES, "Restart the acme prime box if it freezes."]

    assert "acme prime" not in product_names_in(articles)

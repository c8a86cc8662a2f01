"""Near-duplicate candidates reordered by what only each says."""

from __future__ import annotations

from server.assist.rerank import Relations, query_weights, rerank, sentences_of

SHARED = (
    "Sign in and go to My orders, then choose Return next to the order. "
    "Print the free returns label and drop the parcel at any Parcel Point. "
    "Refunds go back to your original payment method within 5 working days. "
)
DOCS = {
    "size": sentences_of(
        "Returning an item that does not fit", SHARED + "Exchange it for a bigger or smaller size."
    ),
    "colour": sentences_of(
        "Returning an item in the wrong colour",
        SHARED + "The shade looks different from the photos.",
    ),
    "pets": sentences_of("Pet insurance", "Claim vet bills for your dog online."),
}


def share(term: str) -> float:
    return 0.3


def test_a_sibling_that_covers_the_request_overtakes_one_that_does_not() -> None:
    query = {"bigger": 1.0, "size": 1.0, "return": 1.0}
    order = rerank(
        [("colour", 0.033), ("size", 0.032), ("pets", 0.01)],
        Relations(DOCS.__getitem__),
        query_weights(query, share),
    )

    assert [doc for doc, _ in order] == ["size", "colour", "pets"]


def test_a_candidate_without_siblings_keeps_its_score() -> None:
    query = {"vet": 1.0}
    scored = [("colour", 0.033), ("pets", 0.02)]
    order = dict(rerank(scored, Relations(DOCS.__getitem__), query_weights(query, share)))

    assert order["pets"] == 0.02


def test_remembered_relations_rank_as_fresh_ones_do() -> None:
    query = query_weights({"bigger": 1.0, "shade": 1.0, "vet": 0.5}, share)
    kept = Relations(DOCS.__getitem__)
    heads = [
        [("colour", 0.033), ("size", 0.032), ("pets", 0.01)],
        [("size", 0.04), ("pets", 0.03)],
        [("pets", 0.05), ("colour", 0.02), ("size", 0.019)],
        [("colour", 0.033), ("size", 0.032), ("pets", 0.01)],
    ]
    for scored in heads:
        assert rerank(scored, kept, query) == rerank(scored, Relations(DOCS.__getitem__), query)

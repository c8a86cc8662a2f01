"""The card-set policy: incumbents keep their place within a topic, a new topic starts clean."""

from __future__ import annotations

from server.assist.cardset import CardSetPolicy

KEY = ("acme", "c1")


def test_an_incumbent_keeps_its_place_against_a_slightly_better_newcomer() -> None:
    policy = CardSetPolicy()
    policy.choose(KEY, "t1", [("a", 0.030), ("b", 0.029), ("c", 0.028)], 2)

    again = policy.choose(KEY, "t1", [("c", 0.0300), ("a", 0.0295), ("b", 0.0290)], 2)

    assert again == ["a", "b"]


def test_clearly_stronger_evidence_beats_an_incumbent() -> None:
    policy = CardSetPolicy()
    policy.choose(KEY, "t1", [("a", 0.030), ("b", 0.029)], 2)

    again = policy.choose(KEY, "t1", [("c", 0.033), ("a", 0.020), ("b", 0.019)], 2)

    assert again == ["c", "a"]


def test_a_new_topic_has_no_incumbents() -> None:
    policy = CardSetPolicy()
    policy.choose(KEY, "t1", [("a", 0.030), ("b", 0.029)], 2)

    assert policy.choose(KEY, "t2", [("c", 0.0300), ("a", 0.0295)], 1) == ["c"]


def test_listening_is_announced_once_and_not_over_cards() -> None:
    policy = CardSetPolicy()
    assert policy.listen(KEY) is True
    assert policy.listen(KEY) is False
    policy.choose(("acme", "c2"), "t1", [("a", 0.03)], 1)
    assert policy.listen(("acme", "c2")) is False


def test_memory_is_bounded() -> None:
    policy = CardSetPolicy(max_conversations=2)
    for n in range(3):
        policy.choose(("acme", f"c{n}"), "t", [("a", 0.03)], 1)

    assert len(policy) == 2
    assert policy.shown(("acme", "c0")) == []

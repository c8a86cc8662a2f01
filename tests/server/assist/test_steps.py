"""Procedures found in documents, and step cards that follow the agent."""

from __future__ import annotations

from server.assist.steps import StepCard, best_procedure, procedures
from tests.server.assist.conftest import document

RESET = document(
    "reset",
    "Factory resetting the hub",
    "Intro text.\n\n## Resetting the hub\n\n"
    "1. Keep the hub switched on and plugged into the wall socket.\n"
    "2. Find the small recessed **reset** button on the back of the hub.\n"
    "3. Press and hold the reset button with a paperclip for twenty seconds.\n"
    "4. Wait eight minutes for the hub to restart; do not unplug it.\n\n"
    "## After the reset\n\n1. Sign in to the settings page.\n2. Change the Wi-Fi password.\n",
)


def test_numbered_lists_become_procedures_under_their_heading() -> None:
    found = procedures(RESET)

    assert [p.heading for p in found] == ["Resetting the hub", "After the reset"]
    assert found[0].steps[1] == "Find the small recessed reset button on the back of the hub."
    assert procedures(document("none", "Plain", "No list here.\n\n- a bullet\n- another")) == []


def test_the_procedure_that_fits_the_conversation_is_chosen() -> None:
    chosen = best_procedure(procedures(RESET), lambda: {"wifi", "password", "chang"})

    assert chosen is not None
    assert chosen.heading == "After the reset"


def test_the_card_advances_as_the_agent_says_each_step() -> None:
    card = StepCard.start("reset", "Factory resetting the hub", procedures(RESET)[0])
    assert card.next == 0

    card = card.said("Keep the hub switched on and plugged in at the wall.")
    assert card.next == 1
    card = card.said("Can I take your postcode?")  # not a step: nothing changes
    assert card.next == 1
    card = card.said("Now find the little reset button on the back.")
    assert card.next == 2


def test_ticks_mark_steps_and_the_next_step_follows_the_furthest_done() -> None:
    card = StepCard.start("reset", "Factory resetting the hub", procedures(RESET)[0])
    card = card.tick(2, True)

    assert card.next == 3
    assert card.tick(3, True).next == 0  # the skipped first steps are still to do
    done = card.tick(0, True).tick(1, True).tick(3, True)
    assert done.next is None
    assert done.payload("c1")["next"] is None

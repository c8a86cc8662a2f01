"""Constants of the simulator: its registry name and the pacing model for replays."""

from __future__ import annotations

from typing import Final, NamedTuple

from providers.models import MediaType, Speaker

PROVIDER: Final = "simulator"

# Speed is a multiplier on the script's clock; past this, sleeps are shorter than the event
# loop's resolution and the replay is effectively instant anyway.
MAX_SPEED: Final = 10_000.0

# Every gap is at least this long on the script's clock, so timestamps strictly increase.
MIN_DELAY_SECONDS: Final = 0.05
# A single line never takes longer than this: people paste, and nobody waits a minute.
MAX_TURN_SECONDS: Final = 12.0
QUEUE_WAIT_SECONDS: Final = 3.0
HOLD_AFTER_SECONDS: Final = 1.0
HOLD_LENGTH_SECONDS: Final = 8.0
END_AFTER_SECONDS: Final = 2.0
# When looping, the next conversation arrives a little after the previous one ends.
REPLAY_GAP_SECONDS: Final = 5.0


class Pace(NamedTuple):
    """How a speaker produces a line: a pause to read and think, then a steady rate."""

    pause: float
    chars_per_second: float


# Typing: customers hunt and peck at about 45 words a minute, agents type faster, and bots
# and system notices appear almost at once.
TYPING_PACE: Final[dict[Speaker, Pace]] = {
    Speaker.CUSTOMER: Pace(pause=1.5, chars_per_second=4.0),
    Speaker.AGENT: Pace(pause=1.0, chars_per_second=7.0),
    Speaker.BOT: Pace(pause=0.5, chars_per_second=60.0),
    Speaker.SYSTEM: Pace(pause=0.2, chars_per_second=100.0),
}

# Speech runs at about 150 words a minute; a transcript line lands when the sentence ends.
SPEAKING_PACE: Final[dict[Speaker, Pace]] = {
    Speaker.CUSTOMER: Pace(pause=0.6, chars_per_second=14.0),
    Speaker.AGENT: Pace(pause=0.5, chars_per_second=15.0),
    Speaker.BOT: Pace(pause=0.4, chars_per_second=15.0),
    Speaker.SYSTEM: Pace(pause=0.2, chars_per_second=100.0),
}

SPOKEN_MEDIA: Final = frozenset({MediaType.VOICE})

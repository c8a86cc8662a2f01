"""How the simulated desktop frames the widget page ``/widget/simulator``."""

from __future__ import annotations

from typing import Any

from providers.simulator.config import SimulatorSettings

HOST_ORIGIN_PARAM = "hostOrigin"


class SimulatorEmbedding:
    """The desktop page of ``cuecard demo`` states its origin in ``hostOrigin``."""

    url_query = f"{HOST_ORIGIN_PARAM}={{{{hostOrigin}}}}"
    instructions = (
        "Nothing to paste: cuecard demo serves the simulated desktop at /demo/desktop/ "
        "and prints its address; it frames this page itself."
    )
    host_origin_param = HOST_ORIGIN_PARAM

    def frame_origins(self, settings: Any) -> tuple[str, ...]:
        """The simulated desktop pages the demo (or a test) runs."""
        if not isinstance(settings, SimulatorSettings):
            return ()
        return settings.desktop_origins

"""What Test connection says of a platform whose events come from the agents' desktops only."""

from __future__ import annotations

from providers.base import HostScripts, Manifest, ProviderSettings


def desktop_only(manifest: Manifest, settings: ProviderSettings) -> str:
    """The settings are valid (they parsed); say what they mean, as there is nothing to reach.

    The widget's page in the desktop is the only connection: who may frame it, and where it
    loads the desktop's SDK from, are what an admin can check against the platform's setup.
    """
    parts = [
        f"The settings are valid. {manifest.display_name} has no server-side connection to "
        "test: its events reach cuecard from the agents' desktops, through the widget."
    ]
    embedding = manifest.embedding
    if embedding is not None:
        origins = ", ".join(embedding.frame_origins(settings)) or "nobody"
        parts.append(f"The widget may be framed by {origins}.")
        if isinstance(embedding, HostScripts):
            parts.append(f"It loads {', '.join(embedding.script_urls(settings))}.")
    return " ".join(parts)

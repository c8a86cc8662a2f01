"""``cuecard schema``: print the canonical event JSON schema published in docs/."""

from __future__ import annotations

import json

import click

from providers.models import event_json_schema


@click.command()
def schema() -> None:
    """Print the JSON schema of one canonical event (docs/events.schema.json)."""
    click.echo(json.dumps(event_json_schema(), indent=2, sort_keys=True))

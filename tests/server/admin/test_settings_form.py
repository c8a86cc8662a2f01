"""Integration forms label their fields as a person would write them, not as pydantic titles."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.admin.settings_form import settings_fields


class ExampleSettings(BaseModel):
    api_base_url: str
    organization_id: str
    queue_ids: list[str] = []
    client_secret: str = ""
    oauth_client_id: str = Field(default="", title="Code Authorization client")


def test_generated_titles_become_words_with_abbreviations_spelled_out() -> None:
    labels = [field.label for field in settings_fields(ExampleSettings.model_json_schema())]

    assert labels == [
        "API base URL",
        "Organization ID",
        "Queue IDs",
        "Client secret",
        "Code Authorization client",  # a title the model gave is kept as it is
    ]

"""A provider's settings form, generated from the JSON schema of its settings model.

The schema is what ``GET /api/v1/providers`` publishes; the server still validates what is
posted with the provider's pydantic model (through IntegrationService), so this module only
decides how each field is shown and reads the posted values back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from server.admin.pages import FormData, lines, text

FieldKind = Literal["text", "secret", "lines", "checkbox", "choice"]
PREFIX = "settings."
# How the abbreviations in settings names are written in a label.
ABBREVIATIONS = {
    "api": "API",
    "id": "ID",
    "ids": "IDs",
    "llm": "LLM",
    "oauth": "OAuth",
    "pkce": "PKCE",
    "sso": "SSO",
    "uri": "URI",
    "url": "URL",
    "urls": "URLs",
}


@dataclass(frozen=True, slots=True)
class SettingsField:
    """One input of a settings form."""

    name: str
    label: str
    kind: FieldKind
    required: bool
    help: str | None
    choices: tuple[str, ...] = ()

    @property
    def input_name(self) -> str:
        """The form field name; errors about ``settings.<name>`` land under it."""
        return PREFIX + self.name


def settings_fields(schema: Mapping[str, Any]) -> list[SettingsField]:
    """The inputs for every property of a settings schema, in declaration order."""
    required = set(schema.get("required", ()))
    return [
        _field(name, prop, name in required) for name, prop in schema.get("properties", {}).items()
    ]


def _field(name: str, prop: Mapping[str, Any], required: bool) -> SettingsField:
    types = {option.get("type") for option in prop.get("anyOf", [prop])}
    label = field_label(name, prop)
    kind: FieldKind = "text"
    choices: tuple[str, ...] = ()
    if prop.get("writeOnly"):
        kind = "secret"
    elif "array" in types:
        kind = "lines"
    elif "boolean" in types:
        kind = "checkbox"
    elif "enum" in prop:
        kind, choices = "choice", tuple(str(value) for value in prop["enum"])
    description = prop.get("description")
    return SettingsField(name, label, kind, required, description, choices)


def field_label(name: str, prop: Mapping[str, Any]) -> str:
    """The title a settings model gave the field, else its name as words.

    pydantic titles every field it was not given a title for ("Api Base Url"); such a title
    is set aside for the name spelled as a person would ("API base URL").
    """
    title = prop.get("title")
    if isinstance(title, str) and title != name.replace("_", " ").title():
        return title
    words = [ABBREVIATIONS.get(word, word) for word in name.lower().split("_") if word]
    if not words:
        return name
    return words[0][0].upper() + words[0][1:] + "".join(f" {word}" for word in words[1:])


def read_settings(
    fields: list[SettingsField], form: FormData, *, keep_secrets: bool
) -> dict[str, Any]:
    """The posted settings; empty optional fields are left out, as are empty secrets when
    ``keep_secrets`` (an edit: the stored secret stays)."""
    settings: dict[str, Any] = {}
    for field in fields:
        name = field.input_name
        if field.kind == "checkbox":
            settings[field.name] = form.get(name) == "on"
        elif field.kind == "lines":
            if values := lines(form, name):
                settings[field.name] = values
        elif value := text(form, name):
            settings[field.name] = value
        elif field.kind == "secret" and keep_secrets:
            continue
    return settings


def form_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Stored (masked) settings as form values, keyed by input name; secrets stay empty."""
    values: dict[str, Any] = {}
    for name, value in settings.items():
        if isinstance(value, list | tuple):
            value = "\n".join(str(item) for item in value)
        values[PREFIX + name] = value
    return values

"""Settings of the Google CCAI platform: the project, its subscriptions or push endpoint."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AnyHttpUrl, Field, SecretStr, StringConstraints, model_validator

from providers.base import ProviderSettings
from providers.google_ccai.const import GOOGLE_CERTS_URL
from providers.models import MediaType

ProjectId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9.:-]{1,99}$")
]
# A subscription id, or its full name projects/<project>/subscriptions/<id>.
SubscriptionName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        pattern=r"^(projects/[a-z][a-z0-9.:-]{1,99}/subscriptions/)?[A-Za-z][A-Za-z0-9_.~+%-]{2,254}$",
    ),
]
# A conversation profile id, or its full name projects/<p>/locations/<l>/conversationProfiles/<id>.
ProfileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^([A-Za-z0-9_.:-]+/)*[A-Za-z0-9_-]{1,64}$"),
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}$")
]
# Compared with the token's aud exactly as typed: a URL type would normalise it (a slash).
Audience = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s/]+(/\S*)?$", max_length=2000),
]
HostPort = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,253}:\d{1,5}$")
]
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{0,20}$")


class GoogleCcaiSettings(ProviderSettings):
    """A tenant's Dialogflow conversation events: pulled from subscriptions, pushed, or both.

    Pull: ``subscriptions`` on the topics of the conversation profile's notification configs,
    read with ``credentials_json`` (a service-account key with Pub/Sub Subscriber), or the
    server's Application Default Credentials without one. Push: ``push_audience`` is the URL
    the push subscription posts to, and ``service_account_email`` the account it signs with.
    """

    project_id: ProjectId = Field(description="The Google Cloud project of the subscriptions.")
    subscriptions: tuple[SubscriptionName, ...] = Field(
        default=(),
        max_length=4,
        description="Pull subscriptions (ids or full names) on the profile's event topics.",
    )
    credentials_json: SecretStr | None = Field(
        default=None,
        title="Service-account key (JSON)",
        description="Service-account key (JSON) with roles/pubsub.subscriber; empty: the "
        "server's own Google credentials.",
    )
    push_audience: Audience | None = Field(
        default=None,
        description="Audience of the push subscription's OIDC token: cuecard's webhook URL.",
    )
    service_account_email: Email | None = Field(
        default=None, description="The service account the push subscription signs with."
    )
    conversation_profile: ProfileName | None = Field(
        default=None,
        description="The conversation profile; its id is the queue for knowledge-base mapping.",
    )
    conversation_id_prefix: str = Field(
        default="",
        description="Removed from Dialogflow conversation ids so they match the contact "
        "center's interaction ids (e.g. gc- before Genesys ids).",
    )
    media: MediaType = Field(
        default=MediaType.VOICE, description="The channel of the profile's conversations."
    )
    max_outstanding: int = Field(
        default=100, ge=1, le=1000, description="Messages held at once (flow control)."
    )
    redeliver_after_seconds: int = Field(
        default=60,
        ge=10,
        le=600,
        description="A message taken but never acknowledged (a crash) comes back after this.",
    )
    emulator_host: HostPort | None = Field(
        default=None,
        title="Pub/Sub emulator",
        description="host:port of a Pub/Sub emulator (development only).",
    )
    google_certs_url: AnyHttpUrl = Field(
        default=AnyHttpUrl(GOOGLE_CERTS_URL), description="Google's token signing keys."
    )

    @model_validator(mode="after")
    def _a_source_and_its_parts(self) -> Self:
        if not self.subscriptions and self.push_audience is None:
            raise ValueError("give subscriptions to pull, or a push_audience, or both")
        if self.push_audience is not None and self.service_account_email is None:
            raise ValueError("push_audience needs the service_account_email that signs pushes")
        if not _PREFIX.match(self.conversation_id_prefix):
            raise ValueError("conversation_id_prefix: letters, digits, - and _ only, 20 at most")
        return self

    @property
    def subscription_paths(self) -> tuple[str, ...]:
        """Each subscription's full name."""
        prefix = f"projects/{self.project_id}/subscriptions/"
        return tuple(
            name if name.startswith("projects/") else prefix + name for name in self.subscriptions
        )

    @property
    def queue(self) -> str | None:
        """The conversation profile's id, which names the queue its conversations are in."""
        if self.conversation_profile is None:
            return None
        return self.conversation_profile.rsplit("/", 1)[-1]

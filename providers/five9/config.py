"""Settings of the Five9 desktop bridge: the tenant's Five9 domain, SDK and handoff variables."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, field_validator

from providers.base import ProviderSettings
from providers.five9.const import DEFAULT_SDK_URL, REGION_ORIGINS, SDK_DOMAINS
from providers.handoff import HandoffNames

Five9Id = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,20}$")]
VariableName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class Five9Settings(ProviderSettings):
    """A tenant's Five9 domain as its agents' desktops report it, and what to read from it.

    Events come from the agent's desktop through the widget, which loads Five9's CRM SDK from
    ``sdk_url``. ``five9_tenant_id`` (the Five9 domain's id, as ``getMetadata()`` reports it)
    refuses desktops of any other Five9 domain. The handoff fields name call-attached
    variables (``Group.Name``, or just ``Name`` in any group).
    """

    region: Literal["us", "ca", "eu"] = Field(
        default="us", description="Five9 data center of the domain (US, Canada, Europe)."
    )
    five9_tenant_id: Five9Id | None = Field(
        default=None,
        description="Your Five9 domain's numeric id; desktops of other domains are refused.",
    )
    sdk_url: AnyHttpUrl = Field(
        default=AnyHttpUrl(DEFAULT_SDK_URL),
        description="Where the widget loads Five9's CRM SDK (five9.crm.sdk.js) from.",
    )
    desktop_origins: tuple[AnyHttpUrl, ...] = Field(
        default=(),
        description="Origins allowed to frame the widget; empty: the region's Agent Desktop Plus.",
    )
    handoff_intent: tuple[VariableName, ...] = Field(
        default=("intent",), description="Call variables holding the caller's intent."
    )
    handoff_summary: tuple[VariableName, ...] = Field(
        default=("summary",), description="Call variables holding an IVR's or bot's summary."
    )
    handoff_items: tuple[VariableName, ...] = Field(
        default=(), description="Call variables shown on the context card (account, …)."
    )

    @field_validator("sdk_url")
    @classmethod
    def _five9s_own_sdk(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        # The widget page shares cuecard's origin with the admin pages: a script it loads
        # acts there with a signed-in admin's rights, so only Five9's own is taken.
        value = _secure(value)
        if value.host not in LOOPBACK and not _under(value.host or "", SDK_DOMAINS):
            raise ValueError(f"must be on Five9's own hosts ({', '.join(SDK_DOMAINS)})")
        return value

    @field_validator("desktop_origins")
    @classmethod
    def _secure_origins(cls, values: tuple[AnyHttpUrl, ...]) -> tuple[AnyHttpUrl, ...]:
        return tuple(_secure(value) for value in values)

    @property
    def frame_origins(self) -> tuple[str, ...]:
        """Origins of the desktops that may frame the widget (CSP frame-ancestors)."""
        if self.desktop_origins:
            return tuple(_origin(url) for url in self.desktop_origins)
        return (REGION_ORIGINS[self.region],)

    @property
    def sdk_origin(self) -> str:
        """The origin the SDK script comes from (CSP script-src of the Five9 widget page)."""
        return _origin(self.sdk_url)

    @property
    def handoff_names(self) -> HandoffNames:
        """Which call variables make the handoff context."""
        return HandoffNames(self.handoff_intent, self.handoff_summary, self.handoff_items)


def _under(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def _secure(url: AnyHttpUrl) -> AnyHttpUrl:
    # Plain http only for a desktop or SDK double on this machine.
    if url.scheme != "https" and url.host not in LOOPBACK:
        raise ValueError("must be an https:// URL")
    return url


def _origin(url: AnyHttpUrl) -> str:
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = f":{url.port}" if url.port is not None and url.port != default else ""
    return f"{url.scheme}://{url.host}{port}"

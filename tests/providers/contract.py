"""The platform contract as checks, like Home Assistant's hassfest: one function per rule.

``tests/providers/test_contract.py`` runs them over every registered platform; tests that
define a platform of their own (``tests/fixtures/hookdesk``) run them over it too.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import BaseModel

from providers.base import (
    AcknowledgedSource,
    Adapter,
    AgentActions,
    Capability,
    Checkable,
    ConnectionCheck,
    ConversationRecords,
    DesktopBridge,
    Embedding,
    HostScripts,
    Manifest,
    PlatformOAuth,
    PositionStore,
    ProviderSettings,
    PullAdapter,
    PushAdapter,
    QueueWatching,
    SignInFlow,
    UserWatching,
)
from providers.registry import build_adapter

# The file that implements each capability; present exactly when the capability is declared.
CAPABILITY_FILES: dict[str, frozenset[Capability]] = {
    "adapter.py": frozenset({Capability.EVENTS_PULL, Capability.EVENTS_PUSH}),
    "bridge.py": frozenset({Capability.DESKTOP_BRIDGE}),
    "actions.py": frozenset({Capability.AGENT_ACTIONS}),
    "embed.py": frozenset({Capability.EMBEDDING}),
    "records.py": frozenset({Capability.CONVERSATION_RECORDS}),
}
# login.py is the platform's own OAuth: only platforms signing agents in that way have one.
LOGIN_FILE = "login.py"
ALWAYS = ("__init__.py", "manifest.py", "config.py")
OPTIONAL = ("client.py", "mapping.py", "const.py")
FILE_NAMES = frozenset({*ALWAYS, *OPTIONAL, *CAPABILITY_FILES, LOGIN_FILE})
# Capabilities that describe the event source, so they need one.
NEEDS_ADAPTER = frozenset(
    {Capability.QUEUE_WATCHING, Capability.USER_WATCHING, Capability.STREAM_POSITIONS}
)


def folder_problems(manifest: Manifest, folder: Path) -> list[str]:
    """Files missing for a declared capability, present without one, or not house names."""
    names = {path.name for path in folder.glob("*.py")}
    problems = [f"missing {name}" for name in ALWAYS if name not in names]
    for file_name, capabilities in CAPABILITY_FILES.items():
        declared = bool(capabilities & manifest.capabilities)
        if declared != (file_name in names):
            problems.append(f"{file_name} {'missing' if declared else 'without its capability'}")
    if (manifest.sign_in is SignInFlow.PLATFORM_OAUTH) != (LOGIN_FILE in names):
        problems.append(f"{LOGIN_FILE} goes with sign_in=PLATFORM_OAUTH, and only with it")
    strays = sorted(n for n in names if n not in FILE_NAMES and not n.startswith("_"))
    problems += [f"{name}: not a house file name (private modules start with _)" for name in strays]
    return problems


def field_problems(manifest: Manifest) -> list[str]:
    """Declared capabilities without their field, and fields set without their capability."""
    has = manifest.has
    pairs = [
        ("adapter", manifest.adapter, has(Capability.EVENTS_PULL) or has(Capability.EVENTS_PUSH)),
        ("bridge", manifest.bridge, has(Capability.DESKTOP_BRIDGE)),
        ("sign_in", manifest.sign_in, has(Capability.AGENT_SIGN_IN)),
        ("oauth", manifest.oauth, manifest.sign_in is SignInFlow.PLATFORM_OAUTH),
        ("actions", manifest.actions, has(Capability.AGENT_ACTIONS)),
        ("embedding", manifest.embedding, has(Capability.EMBEDDING)),
        ("records", manifest.records, has(Capability.CONVERSATION_RECORDS)),
    ]
    problems = [
        f"{name} {'is not set' if declared else 'is set without its capability'}"
        for name, value, declared in pairs
        if (value is not None) != declared
    ]
    if has(Capability.EVENTS_ACKNOWLEDGED) and not has(Capability.EVENTS_PULL):
        problems.append("acknowledged delivery is a way of pulling: declare events.pull")
    if has(Capability.AGENT_ACTIONS) and not has(Capability.AGENT_SIGN_IN):
        problems.append("agent actions need the agent's sign-in")
    problems += [
        f"{capability.value} needs a server-side event source"
        for capability in sorted(NEEDS_ADAPTER & manifest.capabilities)
        if manifest.adapter is None
    ]
    if manifest.check is not None and not has(Capability.CONNECTION_CHECK):
        problems.append("check is set without its capability")
    if has(Capability.CONNECTION_CHECK) and manifest.adapter is None and manifest.check is None:
        problems.append("connection.check needs a Checkable event source or check")
    return problems


def placement_problems(manifest: Manifest, package: str) -> list[str]:
    """Each part must be defined in its house file: the settings in config.py, and so on."""
    parts: list[tuple[str, Any, str]] = [
        ("manifest", manifest, "manifest"),
        ("settings", manifest.settings, "config"),
        ("adapter", manifest.adapter, "adapter"),
        ("bridge", manifest.bridge, "bridge"),
        ("oauth", manifest.oauth, "login"),
        ("actions", manifest.actions, "actions"),
        ("embedding", manifest.embedding, "embed"),
        ("check", manifest.check, "client"),
        ("records", manifest.records, "records"),
    ]
    problems = []
    module = importlib.import_module(f"{package}.manifest")
    if getattr(module, "MANIFEST", None) is not manifest:
        problems.append(f"{package}.manifest.MANIFEST is not the registered manifest")
    for name, value, house in parts[1:]:
        if value is None:
            continue
        defined_in = _defining_module(value)
        if defined_in != f"{package}.{house}":
            problems.append(f"{name} is defined in {defined_in}, not {package}.{house}")
    return problems


def settings_problems(manifest: Manifest) -> list[str]:
    """The settings model is a frozen, strict ProviderSettings and documents every field."""
    model = manifest.settings
    if not issubclass(model, ProviderSettings):
        return ["settings is not a ProviderSettings"]
    problems = []
    if model.model_config.get("frozen") is not True or model.model_config.get("extra") != "forbid":
        problems.append("settings must be frozen and forbid unknown fields")
    problems += [
        f"settings field {name} has neither a description nor a title"
        for name, field in model.model_fields.items()
        if name != "tenant_id" and not (field.description or field.title)
    ]
    return problems


async def protocol_problems(manifest: Manifest, settings: ProviderSettings) -> list[str]:
    """Every declared capability is implemented with its protocol, async where it is async."""
    problems: list[str] = []
    if manifest.adapter is not None:
        positions = _RecordedPositions()
        adapter = build_adapter(manifest, settings, queues=("contract-queue",), positions=positions)
        try:
            problems += _adapter_problems(manifest, adapter)
            if manifest.has(Capability.STREAM_POSITIONS) and not positions.given_to(adapter):
                problems.append("stream.positions: the adapter keeps no positions= it is given")
        finally:
            await adapter.aclose()
    if manifest.bridge is not None:
        problems += _implements(manifest.bridge, DesktopBridge)
        if not issubclass(manifest.bridge.message_model, BaseModel):
            problems.append("bridge.message_model is not a pydantic model")
    async with aiohttp.ClientSession() as session:
        if manifest.oauth is not None:
            problems += _implements(manifest.oauth(session), PlatformOAuth)
        if manifest.actions is not None:
            problems += _implements(manifest.actions(session), AgentActions)
        if manifest.check is not None:
            problems += _implements(manifest.check(session), ConnectionCheck)
        if manifest.records is not None:
            records = manifest.records(settings, session)
            problems += _implements(records, ConversationRecords)
            await records.aclose()
    if manifest.embedding is not None:
        problems += _implements(manifest.embedding, Embedding)
        problems += _embedding_problems(manifest.embedding, settings)
    return problems


def server_imports(root: Path) -> list[str]:
    """``file:line`` of every import of ``server`` or ``widget`` under ``root``."""
    return [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in root.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom) and _imports_server_or_widget(node)
    ]


def _adapter_problems(manifest: Manifest, adapter: Adapter) -> list[str]:
    checks: list[tuple[Capability, type[Any]]] = [
        (Capability.EVENTS_PULL, PullAdapter),
        (Capability.EVENTS_PUSH, PushAdapter),
        (Capability.EVENTS_ACKNOWLEDGED, AcknowledgedSource),
        (Capability.QUEUE_WATCHING, QueueWatching),
        (Capability.USER_WATCHING, UserWatching),
    ]
    if manifest.check is None:
        checks.append((Capability.CONNECTION_CHECK, Checkable))
    problems = [] if type(adapter).name == manifest.name else ["adapter.name is not the name"]
    for capability, protocol in checks:
        if manifest.has(capability):
            problems += _implements(adapter, protocol)
    if manifest.has(Capability.EVENTS_PULL) and not inspect.isasyncgenfunction(
        getattr(type(adapter), "listen", None)
    ):
        problems.append("listen must be an async generator")
    return problems


def _embedding_problems(embedding: Embedding, settings: ProviderSettings) -> list[str]:
    problems = []
    if "tenant=" in embedding.url_query or embedding.url_query.startswith(("?", "&")):
        problems.append("url_query is appended after ?tenant=<id>&: no tenant, no separator")
    origins = embedding.frame_origins(settings)
    if not origins or not all(o.startswith(("https://", "http://")) for o in origins):
        problems.append(f"frame_origins must be origins, got {origins!r}")
    if not embedding.instructions.strip():
        problems.append("instructions are empty")
    if isinstance(embedding, HostScripts):
        scripts = embedding.script_urls(settings)
        if not scripts or not all(url.startswith(("https://", "http://")) for url in scripts):
            problems.append(f"script_urls must be http(s) URLs, got {scripts!r}")
    return problems


class _RecordedPositions:
    """A position store that can tell whether an adapter holds it."""

    async def get(self, topic: str) -> str | None:
        return None

    async def put(self, topic: str, position: str) -> None:
        return None

    def given_to(self, adapter: Adapter) -> bool:
        assert isinstance(self, PositionStore)
        return any(value is self for value in vars(adapter).values())


def _implements(value: Any, protocol: type[Any]) -> list[str]:
    """Members of ``protocol`` that ``value`` lacks, or has without the protocol's async-ness."""
    problems = []
    for member in _members(protocol):
        expected = inspect.getattr_static(protocol, member, None)
        if not hasattr(value, member):
            problems.append(f"{type(value).__name__} lacks {protocol.__name__}.{member}")
            continue
        actual = inspect.getattr_static(type(value), member, None)
        if inspect.iscoroutinefunction(expected) and not inspect.iscoroutinefunction(actual):
            problems.append(f"{type(value).__name__}.{member} must be async")
    return problems


def _members(protocol: type[Any]) -> list[str]:
    members = getattr(protocol, "__protocol_attrs__", None)
    if members is None:  # Python < 3.12
        from typing import _get_protocol_attrs  # type: ignore[attr-defined]

        members = _get_protocol_attrs(protocol)
    return sorted(members)


def _defining_module(value: Any) -> str:
    target = value if inspect.isclass(value) or inspect.isfunction(value) else type(value)
    return str(target.__module__)


def _imports_server_or_widget(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):
        roots = [alias.name.split(".")[0] for alias in node.names]
    else:
        roots = [node.module.split(".")[0]] if node.module and node.level == 0 else []
    return any(root in {"server", "widget"} for root in roots)

"""docker/compose.yaml comes up in any start order and configures the nodes the way the server
reads its settings; .dockerignore keeps local environments out of the build context.

No Docker engine runs here: these tests read the files the way Docker does (YAML, compose
variables, COPY lines, ignore patterns) and check what a `docker compose up` depends on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from server.config import Settings
from tests.docker.compose import (
    DOCKER,
    REPO,
    dockerignore_patterns,
    final_stage_copies,
    ignored,
    load_compose,
    required_variables,
)

VARIABLES = {
    "CUECARD_SECRET_KEY": "docker-test-Zr8fQ2mX9pL4vT7cN1bK6hJ3sD5gW0yEuA",
    "CUECARD_DB_PASSWORD": "db-password-from-env",
    "CUECARD_PUBLIC_URL": "https://assist.example.com",
}
NODES = ("cuecard-a", "cuecard-b")
RESTARTING = {"always", "unless-stopped", "on-failure"}


@pytest.fixture
def compose() -> dict[str, Any]:
    return load_compose(VARIABLES)


def test_the_secrets_and_the_public_url_must_be_given() -> None:
    assert set(required_variables()) == set(VARIABLES)
    for name in VARIABLES:
        with pytest.raises(KeyError, match=name):
            load_compose({**VARIABLES, name: ""})


def test_every_service_restarts_and_reports_its_health(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("restart") in RESTARTING, name
        assert service["healthcheck"]["test"], name


def test_the_nodes_start_only_once_postgres_and_redis_are_healthy(
    compose: dict[str, Any],
) -> None:
    for node in NODES:
        depends_on = compose["services"][node]["depends_on"]
        assert depends_on == {
            "postgres": {"condition": "service_healthy", "restart": True},
            "redis": {"condition": "service_healthy", "restart": True},
        }, node


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    mounts = compose["services"]["postgres"]["volumes"]
    volume, target = next(m.split(":") for m in mounts if m.endswith(":/var/lib/postgresql/data"))

    assert volume in compose["volumes"]  # named, so it outlives `docker compose down`
    assert target == "/var/lib/postgresql/data"


def test_each_node_reaches_postgres_and_redis_by_their_service_names(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    postgres = services["postgres"]["environment"]
    for node in NODES:
        settings = node_settings(services[node], monkeypatch)
        database, redis = urlsplit(settings.database_url), urlsplit(settings.redis_url or "")

        assert (database.hostname, database.port) == ("postgres", 5432)
        assert database.username == postgres["POSTGRES_USER"]
        assert database.password == postgres["POSTGRES_PASSWORD"] == "db-password-from-env"
        assert database.path == f"/{postgres['POSTGRES_DB']}"
        assert (redis.hostname, redis.port) in {("redis", 6379)}
        assert settings.base_url == "https://assist.example.com"


def test_each_node_publishes_the_port_it_listens_on_and_checks_readiness(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = set()
    for node in NODES:
        service = compose["services"][node]
        settings = node_settings(service, monkeypatch)
        [mapping] = service["ports"]
        host_port, container_port = mapping.split(":")
        published.add(host_port)

        assert settings.host == "0.0.0.0"  # noqa: S104 (inside a container, on purpose)
        assert int(container_port) == settings.port
        assert f"http://127.0.0.1:{settings.port}/readyz" in " ".join(
            service["healthcheck"]["test"]
        )
    assert len(published) == len(NODES)


def test_the_image_is_built_from_the_repository_root(compose: dict[str, Any]) -> None:
    for node in NODES:
        build = compose["services"][node]["build"]
        context = (DOCKER / build["context"]).resolve()

        assert context == REPO
        assert (context / build["dockerfile"]).is_file()


def test_the_build_context_leaves_out_local_environments_and_build_output() -> None:
    patterns = dockerignore_patterns()
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "widget/node_modules/esbuild/package.json",
        "widget/dist/widget.js",
        "server/__pycache__/app.cpython-311.pyc",
        "cuecard.db",
        "docker/.env",
    ):
        assert ignored(path, patterns), path


def test_the_build_context_keeps_every_file_the_dockerfile_copies() -> None:
    patterns = dockerignore_patterns()
    copied = [
        path.relative_to(REPO).as_posix()
        for copy in final_stage_copies()
        if copy.from_stage is None
        for source in copy.sources
        for path in source_files(source)
    ]

    assert {"pyproject.toml", "server/app.py", "widget/app.py"} <= set(copied)
    assert "server/admin/templates/base.html" in copied
    assert [path for path in copied if ignored(path, patterns)] == []


def source_files(source: str) -> list[Path]:
    """The repository's files a COPY source names (compiled Python left out, as Docker would)."""
    found = []
    for path in sorted(REPO.glob(source.rstrip("/"))):
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        # A local npm install (the Lightning component's test tools) is not the repository's.
        found.extend(f for f in files if not {"__pycache__", "node_modules"} & set(f.parts))
    return found


def node_settings(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The Settings a node builds from its compose environment and the image's ENV lines."""
    image_env = {"CUECARD_HOST": "0.0.0.0", "CUECARD_PORT": "8080"}  # noqa: S104
    for name in list(os.environ):
        if name.startswith("CUECARD_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    for name, value in {**dockerfile_env(image_env), **service["environment"]}.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def dockerfile_env(expected: dict[str, str]) -> dict[str, str]:
    """The image's ENV values (checked to be the ones the tests assume)."""
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    found = {
        name: value
        for line in text.splitlines()
        if line.startswith("ENV ")
        for name, value in (pair.split("=", 1) for pair in line.split()[1:])
    }
    assert found == expected
    return found

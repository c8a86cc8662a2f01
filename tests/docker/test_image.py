"""The image's install step works from exactly the files its Dockerfile copies.

No Docker engine runs here, so the test does what the Dockerfile's last stage does, outside a
container: it lays out a directory from the Dockerfile's COPY lines (through .dockerignore,
with the widget stage's output taken from this checkout's ``widget/dist``), installs it with
``pip install .`` into a fresh virtual environment, then runs the installed ``cuecard``. The
third-party dependencies, which the image downloads from PyPI, come from this project's own
environment instead, so a missing file of ours is what this test finds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.docker.compose import REPO, Copy, dockerignore_patterns, final_stage_copies, ignored
from tests.fixtures.network import free_port

# The widget stage's output, as the last stage copies it (`COPY --from=widget <path> ...`).
WIDGET_STAGE = {"/src/widget/dist": REPO / "widget" / "dist"}
STEP_SECONDS = 300
STARTUP_SECONDS = 60


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the package installed from the Dockerfile's files only."""
    if not (WIDGET_STAGE["/src/widget/dist"] / "index.html").is_file():
        pytest.fail("widget/dist is missing: the widget is not built; run make widget")
    root = tmp_path_factory.mktemp("image")
    app = root / "app"
    app.mkdir()
    for copy in final_stage_copies():
        copy_like_docker(copy, app)
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=root)
    lend_dependencies(venv)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "--no-deps", "."], cwd=app)
    # The installed package, not the copied sources, is what the image runs.
    shutil.rmtree(app)
    return venv


def copy_like_docker(copy: Copy, app: Path) -> None:
    """Put what one COPY line copies where it copies it (WORKDIR /app is ``app``)."""
    destination = app / copy.destination
    patterns = dockerignore_patterns()
    for source in copy.sources:
        if copy.from_stage is not None:
            shutil.copytree(WIDGET_STAGE[source], destination, dirs_exist_ok=True)
            continue
        for found in sorted(REPO.glob(source.rstrip("/"))):
            for path in [found] if found.is_file() else sorted(found.rglob("*")):
                relative = path.relative_to(REPO).as_posix()
                if not path.is_file() or ignored(relative, patterns):
                    continue
                # A folder's contents land in the destination folder, a file under its name.
                inside = path.relative_to(found) if found.is_dir() else Path(path.name)
                target = destination / inside
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def lend_dependencies(venv: Path) -> None:
    """This environment's packages (aiohttp, numpy...) importable in ``venv``, after its own."""
    site = Path(sysconfig.get_paths()["purelib"])
    [target] = (venv / "lib").glob("python3*/site-packages")
    (target / "zz-cuecard-dependencies.pth").write_text(f"{site}\n", encoding="utf-8")


def run(command: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=STEP_SECONDS, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_installed_command_runs(image_venv: Path) -> None:
    done = run([str(image_venv / "bin" / "cuecard"), "--help"], cwd=image_venv)

    assert "Usage: cuecard" in done.stdout
    assert "serve" in done.stdout


def test_every_module_and_data_file_is_in_the_installed_package(image_venv: Path) -> None:
    check = """
import importlib, pathlib, pkgutil, sys
venv = pathlib.Path(sys.prefix)
count = 0
for name in ("server", "providers", "widget"):
    package = importlib.import_module(name)
    assert pathlib.Path(package.__file__).is_relative_to(venv), package.__file__
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if module.name.startswith("server.store.migrations."):
            continue  # Alembic's scripts, run by Alembic; their files are checked below
        importlib.import_module(module.name)
        count += 1
import server, widget
server_dir = pathlib.Path(server.__file__).parent
widget_dir = pathlib.Path(widget.__file__).parent
for data in ("admin/templates/base.html", "admin/static/admin.css", "admin/static/admin.js",
             "demo/conversations", "demo/kb", "store/migrations/env.py",
             "store/migrations/versions"):
    assert (server_dir / data).exists(), data
for data in ("dist/index.html", "dist/widget.js"):
    assert (widget_dir / data).exists(), data
print(count)
"""
    done = run([str(image_venv / "bin" / "python"), "-c", check], cwd=image_venv)

    assert int(done.stdout) > 100  # every module imported, not just the top packages


def test_the_installed_server_serves_the_admin_and_the_widget(
    image_venv: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "CUECARD_SECRET_KEY": "docker-test-Zr8fQ2mX9pL4vT7cN1bK6hJ3sD5gW0yEuA",
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'image.db'}",
        "CUECARD_PORT": str(port),
    }
    with (tmp_path / "err.txt").open("w") as err:
        server = subprocess.Popen(
            [str(image_venv / "bin" / "cuecard"), "serve"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            base = wait_until_listening(server, tmp_path / "err.txt")
            pages = {path: fetch(base + path) for path in PAGES}
        finally:
            server.terminate()
            server.wait(timeout=20)

    for path, (status, body) in pages.items():
        assert status == 200, path
        assert PAGES[path] in body, path


PAGES = {
    "/readyz": "ok",
    "/admin/sign-in": "Sign in",
    "/admin/static/admin.css": "cuecard admin",
    "/widget/?tenant=acme": "<html",
}


def wait_until_listening(process: subprocess.Popen[bytes], stderr: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in stderr.read_text().splitlines():
            if line.startswith("cuecard listening on "):
                return line.removeprefix("cuecard listening on ").strip()
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"the installed cuecard did not start:\n{stderr.read_text()}")


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.read().decode()

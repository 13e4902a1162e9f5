"""Browser tests: Debian's Chromium driven by Playwright against the real app, with axe-core.

Nothing is downloaded for the browser: Playwright launches ``/usr/bin/chromium`` (Debian's
``chromium`` package; installed here when missing and we are root, else the tests skip
saying why). axe-core comes from npm (``package.json``/``package-lock.json`` beside this
file), installed into ``node_modules`` here on first use with ``npm ci``.

The app runs in a child process (``serve_demo.py``): a throwaway workspace, the demo
programme, and ``pioneer.web.serve`` on a free loopback port; it is stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: axe impacts that fail the check (minor and moderate are reported by axe, not failed here).
FAILING_IMPACTS = ("serious", "critical")
START_TIMEOUT = 60.0


def _child_env(workspace: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PIONEER_WORKSPACE"] = str(workspace)
    env["PIONEER_SECRET_KEY"] = "browser-tests-only-secret-key-" + "x" * 40
    env["PIONEER_SECURE_COOKIES"] = "0"
    env.pop("DATABASE_URL", None)  # the child's own SQLite file, never a real database
    env.pop("PIONEER_DEBUG", None)
    return env


def _install_chromium() -> str | None:
    """Install Debian's chromium if missing; the reason it cannot be had, or None."""
    if CHROMIUM.exists():
        return None
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return (
            f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
            "run `apt-get install -y --no-install-recommends chromium` (make system)"
        )
    done = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        timeout=900,
    )
    if done.returncode != 0 or not CHROMIUM.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"apt-get install chromium failed: {' / '.join(tail)}"
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    problem = _install_chromium()
    if problem is not None:
        pytest.skip(f"browser tests skipped: {problem}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script, from npm at the version pinned in package-lock.json."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is needed from npm but npm is not installed (apt: npm)")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not AXE.exists():
            pytest.fail(f"`npm ci` in {HERE} failed, so axe-core is missing:\n{done.stderr}")
    return AXE


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LiveApp:
    """The running app: its base URL, workspace, respondent link and demo logins."""

    base_url: str
    workspace: Path
    link: str
    logins: dict[str, str]

    def url(self, path: str) -> str:
        return self.base_url + path

    def new_link(self, year: int, site_id: str) -> str:
        """The path of a fresh link for another, not yet invited contact (child process)."""
        return self._run("new_link.py", str(year), site_id).strip()

    def fielded_responses(self, year: int) -> list[dict[str, str]]:
        """The wave's submitted answers as response-frame rows, read by a child process."""
        return json.loads(self._run("read_answers.py", str(year)))

    def run_python(self, code: str, *args: str) -> str:
        """Run Python ``code`` in a child process on the app's store (its workspace)."""
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=_child_env(self.workspace),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _run(self, script: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(HERE / script), *args],
            env=_child_env(self.workspace),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The demo programme served by the real app in a child process (stopped afterwards)."""
    workspace = tmp_path_factory.mktemp("browser-workspace")
    info = workspace / "demo.json"
    log = (workspace / "server.log").open("w")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "serve_demo.py"), str(port), str(info)],
        env=_child_env(workspace),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"the app stopped (exit {server.returncode}):\n{_tail(workspace)}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app did not answer within {START_TIMEOUT:.0f} s:\n{_tail(workspace)}"
                )
            if info.exists() and _answers(base_url + "/accounts/login/"):
                break
            time.sleep(0.2)
        demo = json.loads(info.read_text())
        yield LiveApp(base_url, workspace, demo["link"], demo["logins"])
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(workspace: Path) -> str:
    text = (workspace / "server.log").read_text(errors="replace")
    return "\n".join(text.splitlines()[-30:])


# Module scope, not session: Playwright's sync API keeps an event loop running while it is
# open, and Django then refuses database calls ("async context") in the tests that follow.
@pytest.fixture(scope="module")
def browser(chromium_path: str):
    """Headless Chromium (Playwright gives each launch a fresh, temporary profile)."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="pioneer-browser-") as downloads,
        sync_playwright() as p,
    ):
        launched = p.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            downloads_path=downloads,
        )
        yield launched
        launched.close()


@dataclass
class AxeCheck:
    """Runs axe-core in a page and keeps the serious and critical violations it finds."""

    script: Path
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Every violation found, any impact: (page name, impact, rule id).
    found: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, page, name: str) -> None:
        page.add_script_tag(path=str(self.script))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        self.checked.append(name)
        for violation in result["violations"]:
            self.found.append((name, str(violation.get("impact")), violation["id"]))
            if violation.get("impact") in FAILING_IMPACTS:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                self.problems.append(
                    f"{name} ({page.url}): {violation['impact']} {violation['id']}: "
                    f"{violation['help']} [{targets}]"
                )

    def assert_clean(self) -> None:
        assert not self.problems, "axe-core found serious or critical violations:\n" + "\n".join(
            self.problems
        )


@pytest.fixture
def axe(axe_script: Path) -> AxeCheck:
    return AxeCheck(axe_script)

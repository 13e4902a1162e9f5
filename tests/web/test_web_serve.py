"""``pioneer.web.serve``: a real server in a child process answers on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import pioneer.web


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("port", [0, 70000, "8000", True])
def test_serve_refuses_a_bad_port(port):
    with pytest.raises(ValueError, match="the port must be a whole number from 1 to 65535"):
        pioneer.web.serve(port)


def test_a_port_in_use_is_refused_with_the_fix(capsys, monkeypatch):
    from pioneer.cli import main
    from pioneer.errors import ServiceError

    monkeypatch.setenv("PIONEER_BASE_URL", "http://127.0.0.1:1/")  # serve would set it
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServiceError, match=rf"cannot serve on 127\.0\.0\.1:{port}"):
            pioneer.web.serve(port)
        with pytest.raises(SystemExit) as exited:
            main(["serve", "--demo", "--port", str(port)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"ServiceError: cannot serve on 127.0.0.1:{port}" in err
    assert f"make demo PORT={port + 1}" in err


def test_serve_migrates_loads_the_registry_and_answers(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIONEER_", "DJANGO_", "DATABASE_URL"))
    }
    env["PIONEER_WORKSPACE"] = str(tmp_path / "ws")
    code = f"import pioneer.web as w; w.serve({port})"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        page = _get(f"http://127.0.0.1:{port}/accounts/login/", server, log)
        assert "Sign in" in page
        assert "govuk-template" in page
        # Everything the page needs is in it: no stylesheet or script from elsewhere.
        assert "<link" not in page
        assert "<script" not in page
    finally:
        server.kill()
        server.wait(timeout=10)
    assert (tmp_path / "ws" / "pioneer.sqlite3").exists()
    assert (tmp_path / "ws" / "django_secret_key").exists()


def _get(url: str, server: subprocess.Popen, log, wait: float = 60.0) -> str:
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if server.poll() is not None:
                raise AssertionError(log.read_text(errors="replace")[-2000:]) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)

"""A throwaway PostgreSQL server for the web tests: found or installed, started on loopback.

Debian keeps the server programs in ``/usr/lib/postgresql/<version>/bin``; if none is there
and we are root, ``apt-get install postgresql`` fetches them. The cluster lives in a temporary
folder, listens on 127.0.0.1 on a free port with trust authentication (loopback only), runs
as the ``postgres`` user when we are root (the server refuses to run as root), and is
deleted when stopped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailableError(Exception):
    """Why a test server cannot be had on this machine."""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, Path(found).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def why_unavailable() -> str | None:
    """``None`` if a server can be started (possibly after installing it), else the reason."""
    if find_bindir() is not None:
        return None
    if os.geteuid() != 0:
        return (
            "PostgreSQL is not installed and these tests are not running as root, so they "
            "cannot apt-get install it; install the Debian package 'postgresql' to run them"
        )
    if shutil.which("apt-get") is None:
        return "PostgreSQL is not installed and there is no apt-get to install it with"
    return None


def install() -> Path:
    """``apt-get install postgresql`` (Debian), refreshing the package lists if needed."""
    reason = why_unavailable()
    if reason:
        raise PostgresUnavailableError(reason)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    folder = find_bindir()
    if done.returncode != 0 or folder is None:
        raise PostgresUnavailableError(f"apt-get install postgresql failed: {done.stderr[-500:]}")
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running throwaway server; :meth:`stop` shuts it down and deletes its files."""

    bindir: Path
    folder: Path
    port: int
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://pioneer@127.0.0.1:{self.port}/pioneer"

    def stop(self) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Cluster:
    """Initialise and start a cluster; raises :class:`PostgresUnavailableError` with the reason."""
    bindir = find_bindir() or install()
    folder = Path(tempfile.mkdtemp(prefix="pioneer-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise PostgresUnavailableError(
                "running as root and there is no 'postgres' user to run the server as"
            ) from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(bindir, folder, _free_port(), run_as)
    data = folder / "data"
    steps = [
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "pioneer",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        ],
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            _server_options(cluster.port, folder),
            "start",
        ],
    ]
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = folder / "server.log"
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            cluster.stop()
            raise PostgresUnavailableError(
                f"{Path(step[0]).name} failed: {done.stderr[-800:]} {done.stdout[-300:]} {tail}"
            )
    return cluster


def _server_options(port: int, folder: Path) -> str:
    # Durability is irrelevant for a throwaway test server; speed is not.
    return (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )

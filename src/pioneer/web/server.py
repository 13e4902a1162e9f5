"""Start the web app: configure Django, bring the store up to date, and serve.

The server is Django's development server (``runserver``, threaded, no auto-reload): enough
for the demo and a single evaluator on one machine. A shared deployment runs
``gunicorn pioneer.web.wsgi`` behind an HTTPS proxy instead (see ``docs/web.md``).
"""

from __future__ import annotations

import os
import socket

from pioneer.errors import ServiceError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def configure(*, loopback: bool = True) -> None:
    """Point Django at Pioneer's settings and set it up (idempotent).

    On loopback the session cookie may travel over plain http (nobody else can see it);
    anywhere else cookies stay ``Secure`` and a TLS proxy is expected.
    """
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pioneer.web.settings")
    if loopback:
        os.environ.setdefault("PIONEER_SECURE_COOKIES", "0")
    django.setup()


def prepare_store(programme_id: str = "pioneers") -> None:
    """Apply migrations and load the programme registry (both safe to repeat)."""
    from django.core.management import call_command

    from pioneer.web.programme.registry import load_registry

    call_command("migrate", interactive=False, verbosity=0)
    load_registry(programme_id)


def check_port_free(host: str, port: int) -> None:
    """Refuse early, with the fix, when another program already listens on the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServiceError(
                f"cannot serve on {host}:{port}: {error.strerror or error}. Stop the program "
                f"using that port, or choose another: pioneer serve --port {port + 1} "
                f"(make demo PORT={port + 1})"
            ) from None


def serve(port: int = 8000, host: str = "127.0.0.1") -> None:
    """Migrate, load the registry, and run the threaded development server (blocks).

    Off loopback, set ``PIONEER_ALLOWED_HOSTS`` to the names clients will use.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"the port must be a whole number from 1 to 65535; got {port!r}")
    check_port_free(host, port)
    configure(loopback=host in LOOPBACK)
    prepare_store()
    from django.core.management import call_command

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    call_command("runserver", address, use_reloader=False, use_threading=True, use_ipv6=":" in host)

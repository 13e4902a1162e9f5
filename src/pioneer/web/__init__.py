"""The Django web application: accounts and roles, fielding waves, invitations, the
questionnaire and the response monitor (a thin layer over ``pioneer.fielding``).

Two entry points for the command line, importable without configuring Django first:
:func:`serve` and :func:`demo_setup`.
"""

from __future__ import annotations

from typing import Any


def serve(port: int = 8000, host: str = "127.0.0.1") -> None:
    """Migrate the store, load the registry and serve the app on ``host:port`` (blocks)."""
    from pioneer.web.server import serve as _serve

    _serve(port, host)


def demo_setup(*, seed: int = 2019, echo: bool = True) -> Any:
    """Create the demo programme and demo logins (printed); see ``pioneer.web.demo``."""
    from pioneer.web.server import configure

    configure()
    from pioneer.web.demo import demo_setup as _demo_setup

    return _demo_setup(seed=seed, echo=echo)


__all__ = ["demo_setup", "serve"]

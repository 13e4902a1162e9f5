"""``python -m pioneer.web.manage <command>``: Django's management commands for Pioneer."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from django.core.management import execute_from_command_line

    from pioneer.web.server import configure

    configure(loopback=False)
    execute_from_command_line(["pioneer-web", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

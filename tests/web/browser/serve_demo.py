"""Launcher for the browser tests: the demo programme, then the real app on a loopback port.

Run as ``python serve_demo.py PORT INFO.json`` with ``PIONEER_WORKSPACE`` pointing at a
throwaway folder. Writes the respondent's link and the demo logins to ``INFO.json`` (so the
test can use them without parsing printed text), then serves until it is terminated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(port: int, info: Path) -> None:
    import pioneer.web as web

    demo = web.demo_setup(echo=False)
    logins = {login.username: login.password for login in demo.logins}
    scratch = info.with_suffix(".partial")
    scratch.write_text(json.dumps({"link": demo.respondent_link, "logins": logins}))
    scratch.replace(info)  # appears whole, never half-written
    web.serve(port)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))

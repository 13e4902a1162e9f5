"""Print a wave's submitted answers (``fielded_responses``) as JSON, for the browser tests.

Run as ``python read_answers.py YEAR`` with ``PIONEER_WORKSPACE`` set to the app's folder;
prints a list of response-frame rows (dicts).
"""

from __future__ import annotations

import json
import sys


def main(year: int) -> None:
    from pioneer.web.server import configure

    configure()
    from pioneer.web.fielding.export import fielded_responses

    frame = fielded_responses(year)
    rows = [{k: str(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    print(json.dumps(rows))


if __name__ == "__main__":
    main(int(sys.argv[1]))

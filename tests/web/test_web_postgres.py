"""The database tests again, on a real PostgreSQL server started for the purpose.

A child pytest run with ``PIONEER_TEST_POSTGRES=1`` (see ``conftest.py``): the server is
installed if missing (Debian package, as root), started on loopback, used and removed.
``PIONEER_TEST_POSTGRES=0`` skips it; it also skips, saying why, where no server can be had.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import web_postgres

HERE = Path(__file__).resolve().parent
ON_POSTGRES = (
    "test_web_models.py",
    "test_web_permissions.py",
    "test_web_contacts.py",
    "test_web_questionnaire.py",
    "test_web_mail.py",
    "test_web_reminders.py",
    "test_web_qual_store.py",
    "test_web_qual_views.py",
)


@pytest.mark.skipif(
    os.environ.get("PIONEER_TEST_POSTGRES") in ("0", "1"),
    reason="PIONEER_TEST_POSTGRES=0 turns the PostgreSQL run off; =1 means this is that run",
)
def test_the_store_tests_pass_on_postgresql():
    if web_postgres.find_bindir() is None:
        try:
            web_postgres.install()
        except web_postgres.PostgresUnavailableError as error:
            pytest.skip(f"no PostgreSQL server for the store tests: {error}")
    # A fresh environment: the child must read the settings after it has set DATABASE_URL.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PIONEER_WORKSPACE")
    }
    env["PIONEER_TEST_POSTGRES"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "--no-cov", "-p", "no:cacheprovider"]
    command += [str(HERE / name) for name in ON_POSTGRES]
    done = subprocess.run(
        command, env=env, cwd=HERE.parents[1], capture_output=True, text=True, timeout=900
    )
    report = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert " passed" in done.stdout
    assert " skipped" not in done.stdout, report

"""Django for the web tests only: settings, a throwaway workspace, and optionally PostgreSQL.

The rest of the suite runs without Django settings, so they are switched on here, when this
folder is collected, rather than in pyproject. ``PIONEER_TEST_POSTGRES=1`` runs these tests
against a throwaway PostgreSQL server (installed if needed, see ``web_postgres``);
otherwise they run on SQLite and ``test_web_postgres.py`` re-runs the database tests on
PostgreSQL in a child process.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

POSTGRES = os.environ.get("PIONEER_TEST_POSTGRES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    import django

    workspace = tempfile.mkdtemp(prefix="pioneer-web-tests-")
    config.add_cleanup(lambda: shutil.rmtree(workspace, ignore_errors=True))
    os.environ["PIONEER_WORKSPACE"] = workspace
    os.environ.setdefault("PIONEER_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pioneer.web.settings")
    # Never point the tests at a developer's real database.
    os.environ.pop("DATABASE_URL", None)
    if POSTGRES:
        import web_postgres

        try:
            cluster = web_postgres.start()
        except web_postgres.PostgresUnavailableError as error:
            raise pytest.UsageError(f"PIONEER_TEST_POSTGRES=1 but {error}") from None
        config.add_cleanup(cluster.stop)
        os.environ["DATABASE_URL"] = cluster.url
        from django.conf import settings

        if settings.configured:
            # DJANGO_SETTINGS_MODULE was set, so pytest-django read the settings (SQLite)
            # before this hook ran: repoint them, and drop the connection handler's copies.
            from django.db import connections

            from pioneer.web.database import parse_database_url

            settings.DATABASES["default"] = parse_database_url(cluster.url)
            connections.__dict__.pop("settings", None)
            if hasattr(connections._connections, "default"):
                del connections["default"]
    django.setup()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """A fast hasher: the tests sign in many times and test no hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- shared objects -------------------------------------------------------------------------


@pytest.fixture
def sites(db):
    """Three sites: A and B for cross-site checks, C for a lead with two sites."""
    from pioneer.web.programme.models import Site

    return {
        key: Site.objects.create(site_id=site_id, name=name, programme_wave=wave)
        for key, site_id, name, wave in (
            ("A", "barnsley", "Barnsley", 1),
            ("B", "leeds", "Leeds", 1),
            ("C", "wakefield", "Wakefield", 2),
        )
    }


@pytest.fixture
def make_user(db):
    """``make_user(name, role, *sites)``: an active user holding ``role`` (on each site)."""
    from django.contrib.auth import get_user_model

    from pioneer.web.accounts.models import Membership

    def make(username: str, role: str | None = None, *on_sites):
        user = get_user_model().objects.create_user(username, password="correct horse 42")
        if role is not None and not on_sites:
            Membership.objects.create(user=user, role=role)
        for site in on_sites:
            Membership.objects.create(user=user, role=role, site=site)
        return get_user_model().objects.get(pk=user.pk)

    return make


@pytest.fixture
def users(sites, make_user):
    """One user per role; the site lead leads site A only."""
    return {
        "programme_admin": make_user("admin", "programme_admin"),
        "researcher": make_user("researcher", "researcher"),
        "site_lead": make_user("lead_a", "site_lead", sites["A"]),
        "nobody": make_user("nobody"),
    }


@pytest.fixture
def waves(db):
    import datetime as dt

    from pioneer.web.fielding.models import SurveyWave

    return {
        2018: SurveyWave.objects.create(
            year=2018,
            instrument_id="ki2018",
            opens=dt.date(2018, 9, 1),
            closes=dt.date(2018, 11, 30),
            status="open",
        ),
        2019: SurveyWave.objects.create(
            year=2019,
            instrument_id="ki2018",
            opens=dt.date(2019, 9, 2),
            closes=dt.date(2019, 11, 29),
            status="open",
        ),
    }

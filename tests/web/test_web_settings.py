"""Settings: the DATABASE_URL parser, SQLite WAL, the secret key, safe defaults, log redaction."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from pioneer.web.database import parse_database_url, sqlite
from pioneer.web.logs import RedactPersonalData, redact


def test_a_postgresql_url_is_parsed():
    config = parse_database_url(
        "postgresql://pioneer:p%40ss%3Aw0rd@db.example.org:6543/evaluation?sslmode=require"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == (
        "evaluation",
        "pioneer",
        "p@ss:w0rd",
    )
    assert (config["HOST"], config["PORT"]) == ("db.example.org", "6543")
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_a_postgres_url_without_password_or_port_and_a_socket_folder():
    config = parse_database_url("postgres://me@/pioneer?host=/var/run/postgresql")
    assert (config["USER"], config["PASSWORD"], config["PORT"]) == ("me", "", "")
    assert config["HOST"] == "/var/run/postgresql"
    assert config["OPTIONS"] == {}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:///pioneer.sqlite3", "pioneer.sqlite3"),
        ("sqlite:////srv/p.sqlite3", "/srv/p.sqlite3"),
    ],
)
def test_an_sqlite_url_is_parsed(url, name):
    config = parse_database_url(url)
    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", name)
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "scheme 'mysql' is not supported"),
        ("postgresql://u:secret@h:5432/", "names no database"),
        ("postgresql://u:secret@h:port/db", "the port is not a number"),
        ("sqlite://host/file", "an SQLite URL has no host"),
        ("sqlite://", "no file named"),
    ],
)
def test_a_bad_url_says_what_to_write(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        parse_database_url(url)
    assert "Fix:" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_sqlite_connections_switch_on_write_ahead_logging(tmp_path, django_db_blocker):
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler({"default": sqlite(tmp_path / "store.sqlite3")})
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        connection.close()


def _settings_in_child(tmp_path, **env):
    """Import the settings module in a fresh interpreter and report a few values."""
    code = (
        "import json, pioneer.web.settings as s; print(json.dumps({"
        "'key': s.SECRET_KEY, 'debug': s.DEBUG, 'secure': s.SESSION_COOKIE_SECURE, "
        "'csrf_secure': s.CSRF_COOKIE_SECURE, 'engine': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME'])}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIONEER_", "DATABASE_URL", "DJANGO_"))
    }
    clean.update({"PIONEER_WORKSPACE": str(tmp_path / "ws"), **env})
    done = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_defaults_are_safe_and_the_secret_key_is_generated_once_into_the_workspace(tmp_path):
    first = _settings_in_child(tmp_path)
    key_file = tmp_path / "ws" / "django_secret_key"
    assert key_file.read_text().strip() == first["key"]
    assert len(first["key"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (first["debug"], first["secure"], first["csrf_secure"]) == (False, True, True)
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "ws" / "pioneer.sqlite3")
    assert _settings_in_child(tmp_path)["key"] == first["key"]


def test_the_environment_overrides_the_defaults(tmp_path):
    values = _settings_in_child(
        tmp_path,
        PIONEER_SECRET_KEY="from-the-environment",
        PIONEER_DEBUG="1",
        PIONEER_SECURE_COOKIES="0",
        DATABASE_URL="postgresql://u@localhost/pioneer",
    )
    assert values["key"] == "from-the-environment"
    assert (values["debug"], values["secure"]) == (True, False)
    assert values["engine"] == "django.db.backends.postgresql"
    assert not (tmp_path / "ws" / "django_secret_key").exists()


def test_the_secret_key_file_is_not_tracked_by_git():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        ["git", "check-ignore", "-q", "workspace/django_secret_key"], cwd=root, check=False
    )
    assert done.returncode == 0


def test_redaction_masks_addresses_and_tokens():
    text = "sent to Ann.Able+x@example.org with /s/AbCdEfGhIjKlMnOpQrStUv/ ok"
    assert redact(text) == "sent to [e-mail] with /s/[token]/ ok"
    assert redact("GET /sites/barnsley/ 200") == "GET /sites/barnsley/ 200"
    site = "GET /sites/airedale_wharfedale_craven/ 200"
    assert redact(site) == site
    assert redact("session 3kq9x0v1l2m3n4o5p6q7r8s9t0u1w2y3") == "session [token]"


def test_the_log_filter_rewrites_the_formatted_message():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "mail to %s", ("a@b.org",), None)
    assert RedactPersonalData().filter(record)
    assert (record.getMessage(), record.args) == ("mail to [e-mail]", ())


def test_every_handler_of_the_configured_logging_redacts():
    # (pytest adds capture handlers of its own; the ones our settings made are StreamHandlers)
    for name in ("django", "django.server", "pioneer"):
        handlers = [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]
        assert handlers
        assert all(any(isinstance(f, RedactPersonalData) for f in h.filters) for h in handlers)

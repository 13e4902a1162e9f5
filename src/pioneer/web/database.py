"""The store's connection settings: an SQLite file by default, PostgreSQL via ``DATABASE_URL``.

A small parser of our own (no ``dj-database-url``): it understands the two schemes the
project supports and turns anything else into a :class:`ImproperlyConfigured` message that
says what to write instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")

#: SQLite in write-ahead-log mode lets readers carry on while one writer commits; IMMEDIATE
#: transactions take the write lock at BEGIN, so concurrent writers queue instead of failing.
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def sqlite(path: str | Path) -> dict[str, Any]:
    """Settings for an SQLite file at ``path`` with WAL switched on at each connection."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(SQLITE_OPTIONS),
    }


def parse_database_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES`` entry for ``url``.

    ``postgresql://user:password@host:5432/name?sslmode=require`` (query parameters go to
    the driver's options; ``%xx`` escapes are decoded) or ``sqlite:///absolute/path.sqlite3``
    (``sqlite:///relative.sqlite3`` is relative to the working directory).
    """
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:
            raise ImproperlyConfigured(
                f"DATABASE_URL {_redact(text)!r}: an SQLite URL has no host. "
                "Fix: write sqlite:///relative/file.sqlite3 or sqlite:////absolute/file.sqlite3"
            )
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ImproperlyConfigured(
                "DATABASE_URL 'sqlite://': no file named. Fix: write sqlite:///pioneer.sqlite3"
            )
        return sqlite(path)
    if scheme in POSTGRES_SCHEMES:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                f"DATABASE_URL {_redact(text)!r} names no database. "
                "Fix: end the URL with /<database name>, e.g. postgresql://user@localhost/pioneer"
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(
                f"DATABASE_URL {_redact(text)!r}: the port is not a number. Fix: write host:5432"
            ) from None
        host = unquote(parts.hostname or "")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        # A Unix-socket directory may be given as ?host=/path, as libpq allows.
        host = query.pop("host", host)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": host,
            "PORT": str(port) if port else "",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": query,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported. "
        "Fix: use postgresql://user:password@host:port/name or sqlite:///file.sqlite3"
    )


def _redact(url: str) -> str:
    """The URL with any password replaced, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()

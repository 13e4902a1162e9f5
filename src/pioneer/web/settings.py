"""Django settings for the Pioneer web application, read from the environment.

Environment variables (all optional):

``PIONEER_WORKSPACE``     folder for the SQLite file and the generated secret key
                          (default ``./workspace``, which git ignores)
``DATABASE_URL``          ``postgresql://user:password@host:port/name`` or ``sqlite:///file``
``PIONEER_SECRET_KEY``    the secret key (default: generated once into the workspace)
``PIONEER_DEBUG``         ``1`` to switch debug pages on (never in production)
``PIONEER_ALLOWED_HOSTS`` comma-separated host names (default ``127.0.0.1,localhost``)
``PIONEER_SECURE_COOKIES`` ``0`` to send session and CSRF cookies over plain http
                          (``pioneer.web.serve`` does this for loopback only)
``PIONEER_LOGIN_MAX_FAILURES`` / ``PIONEER_LOGIN_LOCK_SECONDS``  login throttling
``PIONEER_SMTP_HOST`` / ``PIONEER_SMTP_PORT``  mail server (default ``localhost:25``); also
                          ``PIONEER_SMTP_USER``, ``PIONEER_SMTP_PASSWORD``,
                          ``PIONEER_SMTP_STARTTLS``
``PIONEER_MAIL_FROM``     sender of invitations; ``PIONEER_BASE_URL`` the site's public address
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pioneer.web.database import parse_database_url, sqlite

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip().lower() in _TRUE


WORKSPACE = Path(os.environ.get("PIONEER_WORKSPACE") or "workspace").resolve()


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in the workspace."""
    key = os.environ.get("PIONEER_SECRET_KEY", "").strip()
    if key:
        return key
    path = WORKSPACE / "django_secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created with owner-only permissions; never committed (workspace/ is git-ignored).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = _secret_key()
DEBUG = _flag("PIONEER_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PIONEER_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "pioneer.web.programme",
    "pioneer.web.accounts",
    "pioneer.web.fielding",
    "pioneer.web.qualitative",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pioneer.web.urls"
WSGI_APPLICATION = "pioneer.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_url = os.environ.get("DATABASE_URL", "").strip()
DATABASES = {"default": parse_database_url(_url) if _url else sqlite(WORKSPACE / "pioneer.sqlite3")}
# Keep each server thread's connection between requests, as the PostgreSQL settings already
# do: opening an SQLite connection (and setting its pragmas) cost more than a whole
# questionnaire page's queries.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "programme:home"
LOGOUT_REDIRECT_URL = "accounts:login"

#: Failed logins allowed per username and address before the pair is locked, and for how long.
PIONEER_LOGIN_MAX_FAILURES = int(os.environ.get("PIONEER_LOGIN_MAX_FAILURES", "5"))
PIONEER_LOGIN_LOCK_SECONDS = int(os.environ.get("PIONEER_LOGIN_LOCK_SECONDS", "900"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Cookies and headers. Secure cookies are on unless switched off for plain-http loopback use.
_secure = _flag("PIONEER_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sessions stay server-side: the database table is the record, and a file cache in the
# workspace (readable by the server's user only) spares each request the table read, which
# was a fifth of a questionnaire page's time. The cache is shared by all server processes,
# so ending a session (sign-out, "save and come back later") ends it everywhere at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(WORKSPACE / "cache" / "sessions"),
        "TIMEOUT": SESSION_COOKIE_AGE,
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _flag("PIONEER_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000

# Invitations and reminders go by SMTP (pioneer.web.fielding.mail); links in them start with
# PIONEER_BASE_URL, the address respondents reach the site on.
EMAIL_BACKEND = os.environ.get(
    "PIONEER_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("PIONEER_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PIONEER_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PIONEER_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PIONEER_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _flag("PIONEER_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("PIONEER_MAIL_FROM", "Pioneer evaluation <survey@localhost>")
PIONEER_BASE_URL = os.environ.get("PIONEER_BASE_URL", "http://127.0.0.1:8000")

# Logs never carry personal data: the filter masks e-mail addresses and long tokens (such as
# invitation links) in every message, and user names are never logged by our code.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "pioneer.web.logs.RedactPersonalData"}},
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "pioneer": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

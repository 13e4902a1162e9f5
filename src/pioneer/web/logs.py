"""Keep personal data out of the logs: a filter that masks e-mail addresses and tokens."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: Long runs of URL-safe characters with a digit or capital in them: invitation tokens and
#: session keys in paths or messages (site ids such as ``airedale_wharfedale_craven`` stay).
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[a-z_-]*[A-Z0-9])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")


def redact(text: str) -> str:
    """``text`` with e-mail addresses and token-like strings replaced by placeholders."""
    return _TOKEN.sub("[token]", _EMAIL.sub("[e-mail]", text))


class RedactPersonalData(logging.Filter):
    """Rewrite each record's message with :func:`redact` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True

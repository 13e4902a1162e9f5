"""Invitation tokens and pseudonymous ids.

A token is the secret part of a respondent's link: 16 random bytes (128 bits) from the
operating system's generator, written URL-safe (22 characters). The store keeps only the
SHA-256 hash of a token, so a copy of the database does not open anyone's questionnaire.
With 128 random bits an unkeyed hash is enough: there is no dictionary to try.

Panel ids and respondent ids are random too: they must never be computed from a name,
an e-mail address or anything else about the person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

#: Random bytes in a token (128 bits).
TOKEN_BYTES = 16
#: Characters of a token as written in a link (``base64url`` of 16 bytes, no padding).
TOKEN_LENGTH = 22
#: Random bytes in a panel or respondent id (64 bits: unique across any programme).
ID_BYTES = 8

_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")


def new_token() -> tuple[str, str]:
    """A fresh ``(token, token_hash)`` pair: put the token in the e-mail, store the hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest (64 lowercase characters) of a token as presented."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_well_formed(token: str) -> bool:
    """True if ``token`` has the shape of a token this module makes (22 URL-safe characters).

    Check this before any look-up, so a mangled or over-long link gets a clear page
    rather than a hash computed over anything a client sends.
    """
    return isinstance(token, str) and _TOKEN.match(token) is not None


def matches(token: str, stored_hash: str) -> bool:
    """True if the presented ``token`` hashes to ``stored_hash``; constant-time comparison.

    Never raises: a malformed token or hash simply does not match.
    """
    if not is_well_formed(token) or not isinstance(stored_hash, str):
        return False
    if _HASH.match(stored_hash) is None:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def new_panel_id(prefix: str = "ki") -> str:
    """A pseudonymous panel id (``ki-`` and 16 hex digits), random, for a new key informant.

    Carry the same id into later waves for the same person; never derive it from who
    they are.
    """
    return f"{prefix}-{secrets.token_hex(ID_BYTES)}"


def new_respondent_id(prefix: str = "r") -> str:
    """A random id for one questionnaire in one wave (the frame's ``respondent_id``)."""
    return f"{prefix}-{secrets.token_hex(ID_BYTES)}"

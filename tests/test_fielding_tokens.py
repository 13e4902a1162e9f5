"""Invitation tokens (128 random bits, stored as a SHA-256 hash) and pseudonymous ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pioneer.fielding import tokens


def test_a_token_is_16_random_bytes_written_url_safe():
    token, _ = tokens.new_token()
    assert len(token) == tokens.TOKEN_LENGTH == 22
    raw = base64.urlsafe_b64decode(token + "==")
    assert len(raw) == tokens.TOKEN_BYTES == 16  # 128 bits
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    assert tokens.is_well_formed(token)


def test_the_randomness_comes_from_the_secrets_module(monkeypatch):
    asked = []
    original = tokens.secrets.token_urlsafe

    def spy(nbytes):
        asked.append(nbytes)
        return original(nbytes)

    monkeypatch.setattr(tokens.secrets, "token_urlsafe", spy)
    tokens.new_token()
    assert asked == [16]


def test_tokens_differ_and_use_the_whole_alphabet():
    made = [tokens.new_token()[0] for _ in range(500)]
    assert len(set(made)) == 500
    # 500 tokens x 22 characters drawn uniformly from 64: every symbol turns up
    # (a missing one has probability about 64 * (63/64)**11000, below 1e-70)
    assert len(set("".join(made))) == 64


def test_the_stored_hash_is_sha256_hex_and_never_the_token():
    token, digest = tokens.new_token()
    # by hand: the standard library's SHA-256 of the token's UTF-8 bytes
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest != token
    assert token not in digest
    assert tokens.hash_token(token) == digest


def test_a_known_hash():
    # printf 'abc' | sha256sum  (FIPS 180-2, appendix B.1)
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert tokens.hash_token("abc") == expected


def test_matches():
    token, digest = tokens.new_token()
    other, _ = tokens.new_token()
    assert tokens.matches(token, digest)
    assert not tokens.matches(other, digest)
    assert not tokens.matches(token, digest.upper())  # stored hashes are lowercase hex
    assert not tokens.matches(token + "x", digest)
    assert not tokens.matches("", digest)
    assert not tokens.matches(token, "")
    assert not tokens.matches(None, digest)  # type: ignore[arg-type]


def test_matches_compares_in_constant_time(monkeypatch):
    calls = []
    original = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    token, digest = tokens.new_token()
    assert tokens.matches(token, digest)
    assert calls == [(digest, digest)]


def test_malformed_tokens():
    assert not tokens.is_well_formed("short")
    assert not tokens.is_well_formed("a" * 23)
    assert not tokens.is_well_formed("a" * 21 + "/")
    assert not tokens.is_well_formed(None)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_no_string_equals_its_own_hash(text):
    assert tokens.hash_token(text) != text
    assert len(tokens.hash_token(text)) == 64


def test_panel_and_respondent_ids_are_random():
    ids = {tokens.new_panel_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"ki-[0-9a-f]{16}", i) for i in ids)
    assert re.fullmatch(r"r-[0-9a-f]{16}", tokens.new_respondent_id())
    assert tokens.new_panel_id(prefix="p").startswith("p-")


def test_ids_take_no_personal_data():
    # the functions accept nothing about the person: only an optional prefix
    for function in (tokens.new_panel_id, tokens.new_respondent_id, tokens.new_token):
        assert set(inspect.signature(function).parameters) <= {"prefix"}

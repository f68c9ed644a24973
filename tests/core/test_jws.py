"""Compact JWS with Ed25519: real signatures, the algorithm pinned, every failure a JwsError."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.jws import (
    JwsError,
    b64url_decode,
    b64url_encode,
    public_key_from_text,
    public_key_text,
    sign,
    verify,
)

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
TRUSTED = {"k1": KEY.public_key()}
CLAIMS = {"typ": "booking", "bid": "B-123", "office": "chuo"}


def test_a_token_signed_by_a_trusted_key_verifies_with_its_claims() -> None:
    verified = verify(sign(CLAIMS, KEY, "k1"), TRUSTED)
    assert verified.kid == "k1"
    assert dict(verified.claims) == CLAIMS


def test_a_flipped_bit_in_the_signature_is_refused() -> None:
    head, body, sig = sign(CLAIMS, KEY, "k1").split(".")
    raw = bytearray(b64url_decode(sig))
    raw[0] ^= 1
    with pytest.raises(JwsError) as info:
        verify(f"{head}.{body}.{b64url_encode(bytes(raw))}", TRUSTED)
    assert info.value.reason == "bad_signature"


def test_changed_claims_are_refused() -> None:
    head, _, sig = sign(CLAIMS, KEY, "k1").split(".")
    forged = b64url_encode(json.dumps({**CLAIMS, "office": "shisui"}).encode())
    with pytest.raises(JwsError) as info:
        verify(f"{head}.{forged}.{sig}", TRUSTED)
    assert info.value.reason == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256", ""])
def test_any_algorithm_but_eddsa_is_refused_before_a_key_is_used(alg: str) -> None:
    _, body, sig = sign(CLAIMS, KEY, "k1").split(".")
    head = b64url_encode(json.dumps({"alg": alg, "kid": "k1"}).encode())
    with pytest.raises(JwsError) as info:
        verify(f"{head}.{body}.{sig}", TRUSTED)
    assert info.value.reason == "alg_not_allowed"


def test_a_key_that_is_not_trusted_is_unknown() -> None:
    with pytest.raises(JwsError) as info:
        verify(sign(CLAIMS, OTHER, "k9"), TRUSTED)
    assert info.value.reason == "unknown_key"


def test_a_signature_by_another_key_under_a_trusted_kid_is_bad() -> None:
    with pytest.raises(JwsError) as info:
        verify(sign(CLAIMS, OTHER, "k1"), TRUSTED)
    assert info.value.reason == "bad_signature"


def test_rotation_keeps_old_and_new_keys_valid() -> None:
    keys = {"k1": KEY.public_key(), "k2": OTHER.public_key()}
    assert verify(sign(CLAIMS, KEY, "k1"), keys).kid == "k1"
    assert verify(sign(CLAIMS, OTHER, "k2"), keys).kid == "k2"


def test_public_keys_round_trip_through_their_config_text() -> None:
    text = public_key_text(KEY.public_key())
    assert len(text) == 43
    assert verify(sign(CLAIMS, KEY, "k1"), {"k1": public_key_from_text(text)}).kid == "k1"


def test_four_kilobytes_of_garbage_is_too_long() -> None:
    with pytest.raises(JwsError) as info:
        verify("A" * 4097, TRUSTED)
    assert info.value.reason == "too_long"


@given(st.text(max_size=600))
def test_any_text_gives_a_jws_error_and_nothing_else(text: str) -> None:
    with pytest.raises(JwsError):
        verify(text, TRUSTED)


@given(st.binary(max_size=200), st.binary(max_size=200), st.binary(max_size=80))
def test_any_three_base64url_parts_give_a_jws_error_and_nothing_else(
    header: bytes, body: bytes, sig: bytes
) -> None:
    token = ".".join(b64url_encode(part) or "A" for part in (header, body, sig))
    with pytest.raises(JwsError):
        verify(token, TRUSTED)


@pytest.mark.parametrize("part", [0, 1, 2])
@pytest.mark.parametrize("intruder", ["é", "\u3042", "\U0001f600", "\x00", " "])
def test_a_non_base64url_character_in_any_part_is_malformed_before_anything_else(
    part: int, intruder: str
) -> None:
    parts = sign(CLAIMS, KEY, "k1").split(".")
    parts[part] = parts[part][:4] + intruder + parts[part][4:]
    with pytest.raises(JwsError) as info:
        verify(".".join(parts), TRUSTED)
    assert (info.value.reason, str(info.value)) == ("malformed", "a JWS part is not base64url")


@given(st.text(min_size=1, max_size=200))
def test_any_text_as_the_payload_of_a_trusted_header_gives_a_jws_error(body: str) -> None:
    head, _, sig = sign(CLAIMS, KEY, "k1").split(".")
    with pytest.raises(JwsError):
        verify(f"{head}.{body}.{sig}", TRUSTED)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_signed_claims_with_a_non_finite_number_are_a_bad_payload(constant: str) -> None:
    head = b64url_encode(json.dumps({"alg": "EdDSA", "kid": "k1"}).encode())
    body = b64url_encode(f'{{"typ":"pickup","exp":{constant}}}'.encode())
    signature = b64url_encode(KEY.sign(f"{head}.{body}".encode()))
    with pytest.raises(JwsError) as info:
        verify(f"{head}.{body}.{signature}", TRUSTED)
    assert info.value.reason == "bad_payload"
    assert "(not_finite)" in str(info.value)


def test_a_header_with_a_repeated_key_is_a_bad_header() -> None:
    head = b64url_encode(b'{"alg":"none","alg":"EdDSA","kid":"k1"}')
    body = b64url_encode(json.dumps(CLAIMS).encode())
    signature = b64url_encode(KEY.sign(f"{head}.{body}".encode()))
    with pytest.raises(JwsError) as info:
        verify(f"{head}.{body}.{signature}", TRUSTED)
    assert info.value.reason == "bad_header"

"""Booking tokens: real signatures, typed claims, every refusal a BookingTokenError."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import CheckInWindow
from kiosk.core.booking_codes import (
    damm_check_digit,
    format_booking_code,
    make_booking_code,
    normalize_booking_code,
)
from kiosk.core.booking_tokens import BookingTokenError, TrustList, read_booking_token
from kiosk.core.jws import JwsError, b64url_decode, b64url_encode, public_key_text, sign
from kiosk.devices.health import HealthState
from tests.core.checkin_support import KEY, NOW, OLD_KEY, STRANGER, token

TRUST = TrustList(
    {"k1": public_key_text(OLD_KEY.public_key()), "k2": public_key_text(KEY.public_key())},
    issued=NOW,
)


def reason_of(text: str, trust: TrustList = TRUST) -> str:
    with pytest.raises(BookingTokenError) as info:
        read_booking_token(text, trust)
    return info.value.reason


def test_a_valid_token_gives_its_typed_claims() -> None:
    booking = read_booking_token(token(window=(20, 5)), TRUST)

    assert booking.kid == "k2"
    assert booking.booking_id == "bk-1"
    assert booking.office == "chuo"
    assert booking.service == "insurance"
    assert booking.slot == NOW + timedelta(minutes=10)
    assert booking.window == CheckInWindow(20, 5)
    assert booking.expires == (NOW + timedelta(minutes=10, days=1)).astimezone(UTC)
    assert booking.code == "12345671"


def test_a_token_without_a_window_leaves_it_to_the_config() -> None:
    assert read_booking_token(token(), TRUST).window is None


def test_a_flipped_bit_in_the_signature_is_a_bad_signature() -> None:
    head, body, sig = token().split(".")
    raw = bytearray(b64url_decode(sig))
    raw[10] ^= 0x04
    assert reason_of(f"{head}.{body}.{b64url_encode(bytes(raw))}") == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_a_token_with_its_algorithm_swapped_is_a_bad_signature(alg: str) -> None:
    _, body, sig = token().split(".")
    head = b64url_encode(json.dumps({"alg": alg, "kid": "k2"}).encode())
    assert reason_of(f"{head}.{body}.{sig}") == "bad_signature"
    assert reason_of(f"{head}.{body}.") == "unreadable"  # alg none with no signature


def test_a_key_that_is_not_trusted_is_unknown() -> None:
    assert reason_of(token(key=STRANGER, kid="k9")) == "unknown_key"


def test_a_stranger_signing_under_a_trusted_kid_is_a_bad_signature() -> None:
    assert reason_of(token(key=STRANGER, kid="k2")) == "bad_signature"


def test_rotated_keys_old_tokens_stop_when_their_key_is_removed() -> None:
    trust = TrustList({"k1": public_key_text(OLD_KEY.public_key())}, issued=NOW)
    old, new = token(key=OLD_KEY, kid="k1"), token(key=KEY, kid="k2")
    assert read_booking_token(old, trust).kid == "k1"
    assert reason_of(new, trust) == "unknown_key"

    trust.replace(
        {"k1": public_key_text(OLD_KEY.public_key()), "k2": public_key_text(KEY.public_key())},
        issued=NOW,
    )
    assert read_booking_token(old, trust).kid == "k1"
    assert read_booking_token(new, trust).kid == "k2"

    trust.replace({"k2": public_key_text(KEY.public_key())}, issued=NOW)
    assert reason_of(old, trust) == "unknown_key"
    assert read_booking_token(new, trust).kid == "k2"


def test_a_bad_key_in_a_replacement_keeps_the_old_keys() -> None:
    trust = TrustList({"k2": public_key_text(KEY.public_key())}, issued=NOW)
    with pytest.raises(JwsError):
        trust.replace({"k3": "not-a-key"}, issued=NOW)
    assert trust.kids == ["k2"]


def test_a_pickup_token_is_not_a_booking() -> None:
    assert reason_of(token(typ="pickup")) == "not_a_booking"


@pytest.mark.parametrize(
    "change",
    [
        {"slot": "half past ten"},
        {"slot": "2026-11-27T10:10:00"},  # no offset
        {"exp": "tomorrow"},
        {"bid": ""},
        {"svc": 7},
        {"win": {"before": -1, "after": 5}},
        {"win": [30, 15]},
        # ids are shown (an unnamed service by its id, the booking on the slip): one plain line
        {"svc": "insurance\u202e"},
        {"svc": "x" * 65},
        {"bid": "bk-1\n\nこの予約は取り消されました"},
        {"office": "chuo\x00"},
        {"code": "1234\u200b5678"},
    ],
)
def test_signed_claims_we_cannot_use_are_not_a_booking(change: dict[str, object]) -> None:
    claims = {
        "typ": "booking",
        "bid": "bk-1",
        "office": "chuo",
        "svc": "insurance",
        "slot": "2026-11-27T10:10:00+09:00",
        "exp": 1_900_000_000,
        **change,
    }
    assert reason_of(sign(claims, KEY, "k2")) == "not_a_booking"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "unreadable"),
        ("\x00\x01\x1b[A\x7f", "unreadable"),
        ("   \t\r\n", "unreadable"),
        ("A" * 4096 + "x", "unreadable"),
        ("\ufffd\ufffd\ufffdq", "unreadable"),
        ("https://www.city.example.jp/", "not_a_booking"),
        ("4901234567894", "not_a_booking"),
    ],
)
def test_text_that_is_no_token_is_unreadable_or_not_a_booking(text: str, reason: str) -> None:
    assert reason_of(text) == reason


def test_a_token_cut_off_anywhere_is_unreadable() -> None:
    full = token()
    for cut in range(3, len(full) - 1, 7):
        assert reason_of(full[:cut]) == "unreadable", cut


def test_control_characters_inside_a_token_are_ignored() -> None:
    full = token()
    noisy = "\x02" + full[:40] + "\x1b\x00" + full[40:] + "\r\n"
    assert read_booking_token(noisy, TRUST).booking_id == "bk-1"


def test_4_kb_of_garbage_is_unreadable() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 16
    assert len(garbage) == 4096
    assert reason_of(garbage) == "unreadable"


@settings(max_examples=300)
@given(st.text(max_size=600))
def test_any_text_is_a_booking_or_a_booking_token_error(text: str) -> None:
    try:
        read_booking_token(text, TRUST)
    except BookingTokenError as exc:
        assert exc.reason in {"unreadable", "not_a_booking", "bad_signature", "unknown_key"}


@settings(max_examples=300)
@given(st.data())
def test_any_change_to_a_real_token_is_refused_or_still_the_same_booking(
    data: st.DataObject,
) -> None:
    full = token()
    position = data.draw(st.integers(0, len(full) - 1))
    replacement = data.draw(st.text(max_size=3))
    changed = full[:position] + replacement + full[position + 1 :]
    try:
        booking = read_booking_token(changed, TRUST)
    except BookingTokenError:
        return
    assert booking.booking_id == "bk-1"  # e.g. a changed padding bit; never other claims


def test_an_empty_trust_list_is_degraded_health() -> None:
    assert TrustList({}).health(NOW).reason == "no_trusted_keys"


def test_a_trust_list_older_than_its_maximum_age_is_degraded() -> None:
    trust = TrustList(
        {"k2": public_key_text(KEY.public_key())},
        issued=datetime(2026, 9, 1, tzinfo=UTC),
        max_age=timedelta(days=30),
    )
    health = trust.health(NOW)
    assert (health.state, health.reason) == (HealthState.DEGRADED, "trust_list_stale")
    assert trust.health(datetime(2026, 9, 20, tzinfo=UTC)).state is HealthState.OK


def test_a_booking_code_has_a_damm_check_digit() -> None:
    assert damm_check_digit("572") == "4"  # the published example
    assert make_booking_code(1234567) == "12345671"
    assert format_booking_code("12345671") == "1234-5671"
    assert normalize_booking_code("1234-5671") == "12345671"
    assert normalize_booking_code("１２３４ ５６７１") == "12345671"


@given(st.integers(0, 10**7 - 1), st.integers(0, 7), st.integers(1, 9))
def test_every_single_wrong_digit_in_a_booking_code_is_caught(
    number: int, position: int, delta: int
) -> None:
    code = make_booking_code(number)
    wrong = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1 :]
    assert normalize_booking_code(code) == code
    assert normalize_booking_code(wrong) is None


@given(st.integers(0, 10**7 - 1), st.integers(0, 6))
def test_every_swap_of_neighbouring_digits_is_caught(number: int, position: int) -> None:
    code = make_booking_code(number)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert normalize_booking_code(swapped) is None

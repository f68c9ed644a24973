"""Check-in with booking tokens and short codes: real signatures, real SQLite, every outcome."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.booking_tokens import TRUST_HEALTH
from kiosk.core.checkin import CheckInResult, OutcomeFamily
from kiosk.core.jws import b64url_decode, b64url_encode, public_key_text
from kiosk.devices.health import HealthState
from kiosk.devices.printer.protocol import Ticket
from kiosk.store.used_bookings import UsedBookingRepository
from tests.core.checkin_support import (
    CODE,
    KEY,
    NOW,
    STRANGER,
    CheckInParts,
    make_parts,
    token,
)

SLOT = NOW + timedelta(minutes=10)  # 10:10


@pytest.fixture
def parts(tmp_path: Path) -> CheckInParts:
    return make_parts(tmp_path)


def test_a_valid_token_checks_in_with_the_service_and_expected_time(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(), NOW)

    assert outcome.result is CheckInResult.ACCEPTED
    assert outcome.family is OutcomeFamily.ACCEPTED
    assert outcome.text("en").title == "You are checked in"
    assert outcome.text("en").body == (
        "Insurance and pension — your turn at about 10:10. Please take a seat."
    )
    assert (
        outcome.text("ja").body
        == "保険・年金　10:10 頃にお呼びします。お掛けになってお待ちください。"
    )
    row = UsedBookingRepository(parts.db).get("bk-1")
    assert row is not None and (row.outcome, row.office) == ("accepted", "chuo")
    assert parts.events() == [
        (
            "checkin.accepted",
            {
                "booking_id": "bk-1",
                "office": "chuo",
                "service": "insurance",
                "slot": "2026-11-27T01:10:00.000Z",
                "kid": "k2",
                "expected": "2026-11-27T01:10:00.000Z",
                "code": CODE,
            },
        )
    ]


def test_a_late_arrival_inside_the_window_is_expected_now_rounded_up(
    parts: CheckInParts,
) -> None:
    outcome = parts.service.check_in(token(NOW - timedelta(minutes=12)), NOW + timedelta(minutes=1))
    assert outcome.result is CheckInResult.ACCEPTED
    assert "about 10:05" in outcome.text("en").body


@pytest.mark.parametrize(
    ("slot", "service", "result", "title", "body"),
    [
        (
            NOW + timedelta(hours=1),
            "insurance",
            CheckInResult.TOO_EARLY,
            "Too early to check in",
            "Check-in opens at 10:30. Please scan again then.",
        ),
        (
            NOW - timedelta(minutes=16),
            "insurance",
            CheckInResult.TOO_LATE,
            "The check-in time has passed",
            "Check-in for this booking closed at 09:59. Please ask at the counter.",
        ),
        (
            NOW + timedelta(minutes=11),  # childcare opens only 10 minutes before
            "childcare",
            CheckInResult.TOO_EARLY,
            "Too early to check in",
            "Check-in opens at 10:01. Please scan again then.",
        ),
        (
            NOW + timedelta(days=6),
            "insurance",
            CheckInResult.WRONG_DAY,
            "This booking is for 3 December",
            "Please come on the day of your booking, or ask at the counter if the date is wrong.",
        ),
        (
            NOW - timedelta(days=1),
            "insurance",
            CheckInResult.WRONG_DAY,
            "This booking is for 26 November",
            "Please come on the day of your booking, or ask at the counter if the date is wrong.",
        ),
    ],
)
def test_a_booking_outside_its_window_is_refused_with_what_to_do(
    parts: CheckInParts,
    slot: datetime,
    service: str,
    result: CheckInResult,
    title: str,
    body: str,
) -> None:
    outcome = parts.service.check_in(token(slot, service=service), NOW)

    assert outcome.result is result
    assert outcome.family is OutcomeFamily.REJECTED
    assert (outcome.text("en").title, outcome.text("en").body) == (title, body)
    assert [(kind, data["reason"]) for kind, data in parts.events()] == [
        ("checkin.rejected", result.value)
    ]
    assert UsedBookingRepository(parts.db).count() == 0


def test_the_wrong_day_is_named_in_japanese(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(NOW + timedelta(days=6)), NOW)
    assert outcome.text("ja").title == "この予約は 12月3日 のご予約です"


def test_a_window_in_the_token_wins_over_the_config(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(NOW + timedelta(hours=1), window=(90, 0)), NOW)
    assert outcome.result is CheckInResult.ACCEPTED


def test_an_expired_booking_is_refused(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(expires=NOW - timedelta(minutes=1)), NOW)
    assert outcome.result is CheckInResult.EXPIRED
    assert outcome.text("en").title == "This booking has expired"


def test_a_booking_of_another_office_names_that_office(parts: CheckInParts) -> None:
    known = parts.service.check_in(token(office="shisui"), NOW)
    unknown = parts.service.check_in(token(office="kita", booking_id="bk-2"), NOW)

    assert known.result is CheckInResult.WRONG_OFFICE
    assert known.text("en").title == "This booking is for Shisui branch"
    assert known.text("ja").title == "この予約は 四街道支所 のご予約です"
    assert unknown.text("en").title == "This booking is for another office"
    assert unknown.text("ja").title == "この予約は別の庁舎のご予約です"
    assert "kita" not in unknown.text("ja").body + unknown.text("en").body
    assert [data["reason"] for _, data in parts.events()] == ["wrong_office", "wrong_office"]


def test_a_used_booking_is_already_used_with_the_time_of_its_check_in(
    parts: CheckInParts,
) -> None:
    first = parts.service.check_in(token(), NOW)
    again = parts.service.check_in(token(), NOW + timedelta(minutes=2))

    assert first.result is CheckInResult.ACCEPTED
    assert again.result is CheckInResult.ALREADY_USED
    assert again.text("en").title == "Already checked in at 10:00"
    assert [(kind, data.get("reason")) for kind, data in parts.events()] == [
        ("checkin.accepted", None),
        ("checkin.rejected", "already_used"),
    ]


def test_the_same_scan_twice_within_seconds_is_one_check_in(parts: CheckInParts) -> None:
    first = parts.service.check_in(token(), NOW)
    repeats = [parts.service.check_in(token(), NOW + timedelta(seconds=s)) for s in (0, 1, 4)]

    assert [r.result for r in repeats] == [CheckInResult.ACCEPTED] * 3
    assert all(r.repeated for r in repeats)
    assert repeats[-1].texts == first.texts
    assert [kind for kind, _ in parts.events()] == ["checkin.accepted"]
    assert UsedBookingRepository(parts.db).count() == 1


def test_a_used_booking_survives_a_restart(parts: CheckInParts) -> None:
    parts.service.check_in(token(), NOW)

    restarted = parts.reopen()
    again = restarted.service.check_in(token(), NOW + timedelta(minutes=1))

    assert again.result is CheckInResult.ALREADY_USED
    assert restarted.events()[-1][1]["reason"] == "already_used"


def test_the_same_scan_after_a_restart_within_seconds_is_still_one_check_in(
    parts: CheckInParts,
) -> None:
    parts.service.check_in(token(), NOW)
    restarted = parts.reopen()
    again = restarted.service.check_in(token(), NOW + timedelta(seconds=2))
    assert (again.result, again.repeated) == (CheckInResult.ACCEPTED, True)
    assert "about 10:10" in again.text("en").body


def test_a_bit_flipped_signature_is_a_bad_signature(parts: CheckInParts) -> None:
    head, body, sig = token().split(".")
    raw = bytearray(b64url_decode(sig))
    raw[-1] ^= 0x80
    outcome = parts.service.check_in(f"{head}.{body}.{b64url_encode(bytes(raw))}", NOW)

    assert outcome.result is CheckInResult.BAD_SIGNATURE
    assert outcome.text("en").title == "This booking could not be verified"
    assert parts.events() == [
        ("checkin.rejected", {"reason": "bad_signature", "detail": "bad_signature"})
    ]


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_a_token_with_its_algorithm_swapped_is_refused(parts: CheckInParts, alg: str) -> None:
    _, body, sig = token().split(".")
    head = b64url_encode(json.dumps({"alg": alg, "kid": "k2", "typ": "JWT"}).encode())
    outcome = parts.service.check_in(f"{head}.{body}.{sig}", NOW)
    assert outcome.result is CheckInResult.BAD_SIGNATURE
    assert parts.events()[0][1] == {"reason": "bad_signature", "detail": "alg_not_allowed"}
    assert UsedBookingRepository(parts.db).count() == 0


def test_an_unknown_key_is_refused_and_a_rotation_makes_it_known(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(key=STRANGER, kid="k3"), NOW)
    assert outcome.result is CheckInResult.UNKNOWN_KEY
    assert outcome.text("en").title == "This booking cannot be checked at this kiosk"

    parts.service.replace_trusted_keys(
        {"k3": public_key_text(STRANGER.public_key()), "k2": public_key_text(KEY.public_key())},
        NOW,
    )
    rotated = parts.service.check_in(token(key=STRANGER, kid="k3"), NOW)
    assert rotated.result is CheckInResult.ACCEPTED
    old_key_token = token(booking_id="bk-old", key=KEY, kid="k1")
    assert parts.service.check_in(old_key_token, NOW).result is CheckInResult.UNKNOWN_KEY


def test_a_pickup_token_is_not_a_booking(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(token(typ="pickup"), NOW)
    assert outcome.result is CheckInResult.NOT_A_BOOKING
    assert outcome.text("en").title == "This code is not a booking"


def test_a_url_is_not_a_booking(parts: CheckInParts) -> None:
    assert parts.service.check_in("https://example.jp/", NOW).result is (
        CheckInResult.NOT_A_BOOKING
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x03\x04\x1b\x7f",
        "\x1b[A\x1b[B\x1b[1;5C",  # a barcode that "types" arrow keys and Ctrl sequences
        bytes(range(256)).decode("latin-1") * 16,  # 4 KB of garbage
    ],
)
def test_garbage_and_control_characters_are_unreadable(parts: CheckInParts, text: str) -> None:
    outcome = parts.service.check_in(text, NOW)

    assert outcome.result is CheckInResult.UNREADABLE
    assert outcome.family is OutcomeFamily.UNREADABLE
    assert outcome.text("en").body == (
        "Turn up your screen brightness and try again, or type the booking code."
    )
    stored = parts.outbox.pending()
    assert [(e.type, e.priority.value) for e in stored] == [("checkin.rejected", "telemetry")]


def test_a_truncated_token_is_unreadable(parts: CheckInParts) -> None:
    assert parts.service.check_in(token()[:-20], NOW).result is CheckInResult.UNREADABLE


def test_a_typed_code_offline_is_queued_as_unverified(parts: CheckInParts) -> None:
    outcome = parts.service.check_in_code("1234-5671", NOW)

    assert outcome.result is CheckInResult.CODE_UNVERIFIED
    assert outcome.family is OutcomeFamily.ACCEPTED
    assert outcome.ref == "code:12345671"
    assert outcome.text("en").title == "Checked in, to be confirmed"
    assert parts.events() == [
        ("checkin.code_entered", {"code": "12345671", "verified": False, "online": False})
    ]
    row = UsedBookingRepository(parts.db).get("code:12345671")
    assert row is not None and row.outcome == "unverified"


def test_a_typed_code_online_says_we_are_confirming(parts: CheckInParts) -> None:
    parts.service.set_link_online(True)
    outcome = parts.service.check_in_code("12345671", NOW)

    assert outcome.result is CheckInResult.CODE_PENDING
    assert outcome.text("en").body == "We are confirming your booking. Please take a seat."
    assert parts.events()[0][1] == {"code": "12345671", "verified": False, "online": True}


def test_a_mistyped_code_is_invalid_and_recorded_nowhere(parts: CheckInParts) -> None:
    outcome = parts.service.check_in_code("12345672", NOW)
    assert outcome.result is CheckInResult.CODE_INVALID
    assert parts.events() == []


def test_a_code_typed_twice_later_is_already_used(parts: CheckInParts) -> None:
    parts.service.check_in_code(CODE, NOW)
    same = parts.service.check_in_code(CODE, NOW + timedelta(seconds=2))
    later = parts.service.check_in_code(CODE, NOW + timedelta(minutes=3))

    assert (same.result, same.repeated) == (CheckInResult.CODE_UNVERIFIED, True)
    assert later.result is CheckInResult.ALREADY_USED
    assert [kind for kind, _ in parts.events()] == ["checkin.code_entered", "checkin.rejected"]


def test_a_token_scanned_after_its_code_was_typed_is_already_used(parts: CheckInParts) -> None:
    parts.service.check_in_code(CODE, NOW)
    assert parts.service.check_in(token(), NOW + timedelta(minutes=1)).result is (
        CheckInResult.ALREADY_USED
    )


def test_the_servers_answer_gives_the_queue_position_to_listeners(parts: CheckInParts) -> None:
    seen = []
    parts.service.subscribe(seen.append)
    parts.service.check_in_code(CODE, NOW)

    updated = parts.service.apply_server_answer(
        "code:12345671", accepted=True, position=3, wait_minutes=12, service_id="insurance"
    )

    assert updated is not None and seen == [updated]
    assert updated.result is CheckInResult.ACCEPTED
    assert updated.text("en").title == "Your booking is confirmed"
    assert updated.text("en").body == (
        "Insurance and pension — your turn at about 10:15. Please take a seat."
    )
    assert updated.text("en").detail == "People ahead of you: 3"
    row = UsedBookingRepository(parts.db).get("code:12345671")
    assert row is not None and row.detail["server"]["position"] == 3


def test_a_server_refusing_a_code_says_to_ask_at_the_counter(parts: CheckInParts) -> None:
    parts.service.check_in_code(CODE, NOW)
    updated = parts.service.apply_server_answer("code:12345671", accepted=False)
    assert updated is not None and updated.result is CheckInResult.CODE_REFUSED
    assert parts.service.apply_server_answer("code:00000000", accepted=True) is None


def test_a_stale_trust_list_is_reported_as_degraded_health(tmp_path: Path) -> None:
    parts = make_parts(tmp_path, trust_list_issued="2026-08-01T00:00:00Z")
    health = parts.health.get(TRUST_HEALTH)
    assert (health.state, health.reason) == (HealthState.DEGRADED, "trust_list_stale")

    parts.service.replace_trusted_keys({"k2": public_key_text(KEY.public_key())}, NOW)
    assert parts.health.get(TRUST_HEALTH).state is HealthState.OK


class RecordingSlipPrinter:
    def __init__(self) -> None:
        self.slips: list[Ticket] = []

    def print_slip(self, layout: Ticket) -> bool:
        self.slips.append(layout)
        return True


def test_an_accepted_check_in_prints_a_slip_when_configured(tmp_path: Path) -> None:
    printer = RecordingSlipPrinter()
    parts = make_parts(tmp_path, slip_printer=printer, print_slip=True)
    outcome = parts.service.check_in(token(), NOW)
    refused = parts.service.check_in(token(booking_id="bk-2", office="kita"), NOW)

    assert parts.service.print_slip(outcome, "ja") is True
    assert parts.service.print_slip(refused, "ja") is False
    slip = printer.slips[0]
    assert (slip.title, slip.number) == ("保険・年金", "10:10")
    assert slip.lines == ("お呼びする時刻の目安", "受付 10:00", "予約 10:10", "予約番号 1234-5671")


def test_the_slip_tells_the_printer_its_language(tmp_path: Path) -> None:
    # The printer draws the scripts its fonts lack (a Korean or Chinese slip) by the language.
    printer = RecordingSlipPrinter()
    parts = make_parts(tmp_path, slip_printer=printer, print_slip=True)
    outcome = parts.service.check_in(token(), NOW)

    parts.service.print_slip(outcome, "en")
    parts.service.print_slip(outcome, "ja")

    assert [slip.language for slip in printer.slips] == ["en", "ja"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), minutes=st.integers(-3000, 3000))
def test_any_scan_at_any_time_ends_in_an_outcome(
    parts: CheckInParts, text: str, minutes: int
) -> None:
    when = NOW + timedelta(minutes=minutes)
    for candidate in (text, token()[: len(text)] + text):
        outcome = parts.service.check_in(candidate, when)
        assert isinstance(outcome.result, CheckInResult)
        assert set(outcome.texts) == {"ja", "en"}
        assert all(t.title and "%" not in t.title for t in outcome.texts.values())


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slot_min=st.integers(-2000, 2000),
    exp_min=st.integers(-100, 3000),
    scan_min=st.integers(-100, 100),
)
def test_any_valid_token_at_any_time_ends_in_an_outcome(
    parts: CheckInParts, slot_min: int, exp_min: int, scan_min: int
) -> None:
    slot = NOW + timedelta(minutes=slot_min)
    text = token(
        slot, booking_id=f"bk-{slot_min}-{exp_min}", expires=slot + timedelta(minutes=exp_min)
    )
    outcome = parts.service.check_in(text, NOW + timedelta(minutes=scan_min))
    assert outcome.result in {
        CheckInResult.ACCEPTED,
        CheckInResult.TOO_EARLY,
        CheckInResult.TOO_LATE,
        CheckInResult.WRONG_DAY,
        CheckInResult.EXPIRED,
        CheckInResult.ALREADY_USED,
    }
    assert outcome.at.tzinfo is not None and outcome.at.utcoffset() is not None

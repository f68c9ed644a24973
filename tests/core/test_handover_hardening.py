"""Hand-over hardening (issue 10): assignments, maintenance opens, PIN budgets, hostile scans.

Real SQLite file, real signatures and scrypt verifiers, the physical FakeBoard.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from kiosk.core.command_handlers import (
    HANDOVER_ASSIGN,
    HANDOVER_CANCEL,
    MAINTENANCE_OPEN,
    register_handover_handlers,
    register_maintenance_open,
)
from kiosk.core.commands import CommandError, CommandHandler, CommandProcessor
from kiosk.core.handover import OutcomeCode
from kiosk.core.jws import b64url_encode
from kiosk.store.outbox import rfc3339
from tests.core.checkin_support import KEY
from tests.core.handover_support import (
    PIN,
    Parts,
    assign,
    build,
    cheap_verifier,
    load_case,
    pickup_token,
    settings,
    staff_card,
)

STAFF_ID, STAFF_PIN = "s-77", "7777"  # handover_support's settings() configures this one


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return build(tmp_path / "kiosk.sqlite3")


class HandlerTable:
    """Stands in for the CommandProcessor: keeps what is registered, by action."""

    def __init__(self) -> None:
        self.handlers: dict[str, CommandHandler] = {}

    def register(self, action: str, handler: CommandHandler) -> None:
        self.handlers[action] = handler

    def run(self, action: str, args: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.handlers[action](args)


def handover_commands(parts: Parts) -> HandlerTable:
    table = HandlerTable()
    register_handover_handlers(cast(CommandProcessor, table), parts.service)
    return table


def maintenance(parts: Parts, audits: list[dict[str, Any]]) -> HandlerTable:
    table = HandlerTable()
    register_maintenance_open(
        cast(CommandProcessor, table), parts.board, parts.service, audits.append
    )
    return table


# -- item 2: an assignment never changes a loaded case -------------------------------------


def test_an_assignment_never_replaces_the_pin_verifier_of_a_loaded_case(parts: Parts) -> None:
    assign(parts, "case-1", "M", old=False)
    door = load_case(parts, "case-1")
    loaded = parts.service.case("case-1")
    assert loaded is not None
    forged = cheap_verifier("0000")

    assert not parts.service.assign_case("case-1", "M", has_old_passport=False, pin_verifier=forged)

    after = parts.service.case("case-1")
    assert after is not None
    assert (after.state, after.door, after.pin_verifier) == ("loaded", door, loaded.pin_verifier)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert start.code is OutcomeCode.ENTER_PIN
    assert parts.service.enter_pin(start.handover_id, "0000").code is OutcomeCode.PIN_WRONG
    assert parts.board.pulses(door) == 1  # the loading's unlock only
    assert parts.service.enter_pin(start.handover_id, PIN).code is OutcomeCode.OPENING


def test_the_assign_command_on_a_loaded_case_fails_as_not_assignable_naming_its_state(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M", old=False)
    load_case(parts, "case-1")
    commands = handover_commands(parts)
    args = {
        "case_id": "case-1",
        "size": "M",
        "has_old_passport": False,
        "pin_verifier": cheap_verifier("0000"),
    }
    with pytest.raises(CommandError) as info:
        commands.run(HANDOVER_ASSIGN, args)
    assert info.value.code == "not_assignable"
    assert str(info.value) == (
        "case case-1 is loaded: an assignment never changes a case past 'assigned'; "
        "cancel it first (handover.cancel)"
    )
    # A cancel is the audited way out; the cancelled case still takes no new assignment.
    assert commands.run(HANDOVER_CANCEL, {"case_id": "case-1"}) == {"case_id": "case-1"}
    assert parts.event_types().count("handover.case_cancelled") == 1
    with pytest.raises(CommandError) as again:
        commands.run(HANDOVER_ASSIGN, args)
    assert again.value.code == "not_assignable"


def test_the_same_assignment_again_is_idempotent_while_the_case_waits(parts: Parts) -> None:
    verifier = cheap_verifier()
    for _ in range(3):
        assert parts.service.assign_case(
            "case-1", "M", has_old_passport=True, pin_verifier=verifier
        )
    assert parts.event_types().count("handover.case_assigned") == 1


def test_a_changed_assignment_updates_a_case_not_loaded_yet(parts: Parts) -> None:
    assign(parts, "case-1", "M")
    replacement = cheap_verifier("135790")
    assert parts.service.assign_case(
        "case-1", "L", has_old_passport=False, pin_verifier=replacement
    )
    case = parts.service.case("case-1")
    assert case is not None
    assert (case.state, case.size, case.has_old_passport, case.pin_verifier) == (
        "assigned",
        "L",
        False,
        replacement,
    )


def test_an_assignment_is_refused_while_staff_are_loading_the_case(parts: Parts) -> None:
    assign(parts, "case-1", "M")
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    parts.service.select_case(start.handover_id, "case-1")
    case = parts.service.case("case-1")
    assert case is not None and case.state == "loading"
    assert not parts.service.assign_case(
        "case-1", "M", has_old_passport=True, pin_verifier=cheap_verifier("0000")
    )


# -- item 3: a maintenance open never fires a door that may hold a document ----------------


def test_a_maintenance_open_refuses_a_fault_compartment_that_still_has_its_case(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M")
    at = rfc3339(parts.clock.now())
    with parts.service.journal.transaction() as tx:
        # As a loading that ended in staff_check leaves it: the passport may be inside.
        parts.service.journal.repo.set_compartment(tx, 17, "fault", "case-1", at)
        parts.service.journal.repo.update_case(tx, "case-1", at, state="staff_check", door=17)
    audits: list[dict[str, Any]] = []
    with pytest.raises(CommandError) as info:
        maintenance(parts, audits).run(MAINTENANCE_OPEN, {"door": 17, "staff_id": "t-1"})
    assert info.value.code == "door_has_case"
    assert str(info.value) == "door 17 is fault with case case-1; not opened remotely"
    assert parts.board.pulses(17) == 0
    assert audits == []


def test_a_maintenance_open_refuses_a_loaded_compartment(parts: Parts) -> None:
    assign(parts, "case-1", "M")
    door = load_case(parts, "case-1")
    with pytest.raises(CommandError) as info:
        maintenance(parts, []).run(MAINTENANCE_OPEN, {"door": door, "staff_id": "t-1"})
    assert info.value.code == "door_has_case"
    assert parts.board.pulses(door) == 1  # the loading's unlock only


def test_a_maintenance_open_refuses_a_door_whose_item_sensor_sees_something(
    parts: Parts,
) -> None:
    parts.board.put_item(45)  # a spare door nobody told the kiosk about
    with pytest.raises(CommandError) as info:
        maintenance(parts, []).run(MAINTENANCE_OPEN, {"door": 45, "staff_id": "t-1"})
    assert info.value.code == "item_present"
    assert parts.board.pulses(45) == 0


def test_a_maintenance_open_refuses_a_door_whose_sensors_cannot_be_read(parts: Parts) -> None:
    parts.board.silence(2)  # doors 33-48
    with pytest.raises(CommandError) as info:
        maintenance(parts, []).run(MAINTENANCE_OPEN, {"door": 40, "staff_id": "t-1"})
    assert info.value.code == "content_unknown"
    assert parts.board.total_pulses() == 0


def test_a_maintenance_open_fires_an_empty_fault_compartment_once_and_audits_it(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M")
    parts.board.jam(17)
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    parts.service.select_case(start.handover_id, "case-1")
    for _ in range(4):
        parts.clock.advance(9)
        outcome = parts.service.poll(start.handover_id)
    assert outcome.code is OutcomeCode.DOOR_DID_NOT_OPEN
    compartment = {c.door: c for c in parts.service.compartments()}[17]
    assert (compartment.state, compartment.case_id) == ("fault", "")
    pulses = parts.board.pulses(17)
    audits: list[dict[str, Any]] = []

    result = maintenance(parts, audits).run(MAINTENANCE_OPEN, {"door": 17, "staff_id": "t-1"})

    assert result is not None and result["door"] == 17
    assert parts.board.pulses(17) == pulses + 1
    assert [a["stage"] for a in audits] == ["requested", "unlock_sent"]


# -- item 6: the staff keypad has its own budget ---------------------------------------------


def test_ten_wrong_staff_pins_pause_only_the_staff_keypad_never_the_citizens(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M", old=False)
    load_case(parts, "case-1")
    codes = [parts.service.identify_staff_pin(STAFF_ID, "0000").code for _ in range(10)]
    assert codes == [OutcomeCode.STAFF_REFUSED] * 5 + [OutcomeCode.STAFF_PIN_PAUSED] * 5
    assert parts.service.identify_staff_pin(STAFF_ID, STAFF_PIN).code is (
        OutcomeCode.STAFF_PIN_PAUSED
    )
    exhausted = [d for t, d in parts.events() if t == "handover.pin_budget_exhausted"]
    assert exhausted == [{"failures": 5, "window_s": 3600.0, "keypad": "staff"}]

    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert start.code is OutcomeCode.ENTER_PIN
    assert parts.service.enter_pin(start.handover_id, PIN).code is OutcomeCode.OPENING


def test_a_paused_staff_keypad_still_lets_a_staff_card_in_and_reopens_after_the_window(
    parts: Parts,
) -> None:
    for _ in range(5):
        parts.service.identify_staff_pin(STAFF_ID, "0000")
    card = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    assert card.code is OutcomeCode.STAFF_IDENTIFIED
    parts.service.cancel(card.handover_id)
    parts.clock.advance(3601)
    assert parts.service.identify_staff_pin(STAFF_ID, STAFF_PIN).code is (
        OutcomeCode.STAFF_IDENTIFIED
    )


def test_a_spent_citizen_budget_does_not_pause_the_staff_keypad(tmp_path: Path) -> None:
    parts = build(tmp_path / "k.sqlite3", settings_=settings(pin_budget=2))
    assign(parts, "case-1", "M", old=False)
    load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, "000000")
    assert parts.service.enter_pin(start.handover_id, "000001").code is OutcomeCode.PIN_PAUSED
    assert parts.service.identify_staff_pin(STAFF_ID, STAFF_PIN).code is (
        OutcomeCode.STAFF_IDENTIFIED
    )


def test_an_unknown_staff_number_is_refused_and_counts_against_the_staff_budget(
    parts: Parts,
) -> None:
    assert parts.service.identify_staff_pin("s-99", STAFF_PIN).code is OutcomeCode.STAFF_REFUSED
    failed = [d for t, d in parts.events() if t == "handover.pin_failed"]
    assert failed == [{"staff_id": "s-99", "keypad": "staff"}]


def test_without_staff_pins_a_staff_pin_sign_in_is_refused_and_counts_nothing(
    tmp_path: Path,
) -> None:
    parts = build(tmp_path / "k.sqlite3", settings_=settings(staff_pins={}))
    assert parts.service.identify_staff_pin("1024", "7777").code is OutcomeCode.STAFF_REFUSED
    assert [d for t, d in parts.events() if t == "handover.refused"] == [
        {"reason": "staff_refused", "detail": "no_staff_pins"}
    ]
    assert "handover.pin_failed" not in parts.event_types()


def test_a_malformed_staff_verifier_is_a_recorded_refusal(tmp_path: Path) -> None:
    parts = build(tmp_path / "k.sqlite3", settings_=settings(staff_pins={STAFF_ID: "scrypt$x"}))
    assert parts.service.identify_staff_pin(STAFF_ID, STAFF_PIN).code is OutcomeCode.STAFF_REFUSED
    assert [d for t, d in parts.events() if t == "handover.refused"] == [
        {"reason": "staff_refused", "staff_id": STAFF_ID, "detail": "bad_verifier"}
    ]


# -- item 9: a non-ASCII scan is a refusal with its event --------------------------------------


def with_non_ascii_payload(token: str) -> str:
    head, body, sig = token.split(".")
    return f"{head}.{body[:10]}é{body[10:]}.{sig}"


def test_a_pickup_code_with_a_non_ascii_payload_is_unreadable_and_recorded(
    parts: Parts,
) -> None:
    text = with_non_ascii_payload(pickup_token("case-1", parts.clock.now()))
    assert parts.service.scan_pickup(text).code is OutcomeCode.UNREADABLE
    assert [d["reason"] for t, d in parts.events() if t == "handover.refused"] == ["unreadable"]


def test_a_staff_card_with_a_non_ascii_payload_is_refused_and_recorded(parts: Parts) -> None:
    text = with_non_ascii_payload(staff_card(parts.clock.now()))
    assert parts.service.identify_staff_card(text).code is OutcomeCode.STAFF_REFUSED
    assert [d for t, d in parts.events() if t == "handover.refused"] == [
        {"reason": "staff_refused", "detail": "unreadable"}
    ]


# -- item 14: a deeply nested scan is a refusal with its event ---------------------------------


def test_a_signed_deeply_nested_pickup_code_is_not_a_pickup_and_recorded(parts: Parts) -> None:
    head = b64url_encode(json.dumps({"alg": "EdDSA", "kid": "k2"}).encode())
    body = b64url_encode(("[" * 1400 + "]" * 1400).encode())
    signature = b64url_encode(KEY.sign(f"{head}.{body}".encode()))
    outcome = parts.service.scan_pickup(f"{head}.{body}.{signature}")
    assert outcome.code is OutcomeCode.NOT_A_PICKUP
    refused = [d for t, d in parts.events() if t == "handover.refused"]
    assert [d["reason"] for d in refused] == ["not_a_pickup"]
    assert "too_deep" in refused[0]["detail"]


def test_the_budgets_keep_staff_and_case_failures_apart_in_the_store(parts: Parts) -> None:
    assign(parts, "staff-7", "M", old=False)  # a case whose id looks like a staff key
    load_case(parts, "staff-7")
    parts.service.identify_staff_pin(STAFF_ID, "0000")
    start = parts.service.scan_pickup(pickup_token("staff-7", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, "000000")
    with parts.db.reading() as conn:
        rows = conn.execute("SELECT case_id FROM pin_failure ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [f"#staff:{STAFF_ID}", "staff-7"]


# -- item 11: PIN pauses survive clock jumps only as long as they should ----------------------


class FakeMonotonic:
    """The monotonic clock, moved by hand (it never jumps back)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def paused_kiosk(tmp_path: Path) -> tuple[Parts, FakeMonotonic]:
    """Two loaded cases and a citizen budget of 2 wrong PINs, not spent yet."""
    monotonic = FakeMonotonic()
    parts = build(tmp_path / "k.sqlite3", settings_=settings(pin_budget=2), monotonic=monotonic)
    for case_id in ("case-1", "case-2"):
        assign(parts, case_id, "M", old=False)
        load_case(parts, case_id)
    return parts, monotonic


def spend_citizen_budget(parts: Parts) -> None:
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, "000000")
    assert parts.service.enter_pin(start.handover_id, "000001").code is OutcomeCode.PIN_PAUSED


def scan_code(parts: Parts) -> OutcomeCode:
    outcome = parts.service.scan_pickup(pickup_token("case-2", parts.clock.now()))
    if outcome.handover_id:
        parts.service.cancel(outcome.handover_id)
    return outcome.code


def stored_stamps(parts: Parts) -> list[str]:
    with parts.db.reading() as conn:
        return [r[0] for r in conn.execute("SELECT at FROM pin_failure ORDER BY id")]


def test_failures_stored_a_year_ahead_pause_pins_one_window_after_the_clock_is_fixed(
    tmp_path: Path,
) -> None:
    parts, _ = paused_kiosk(tmp_path)
    fixed = parts.clock.now()
    parts.clock.advance(365 * 86400)  # the clock runs a year ahead
    spend_citizen_budget(parts)
    # The clock is put right and the kiosk restarts (a new process: a new monotonic clock).
    clock = parts.clock
    clock.moment = fixed
    parts = build(tmp_path / "k.sqlite3", clock=clock, settings_=settings(pin_budget=2))

    assert scan_code(parts) is OutcomeCode.PIN_PAUSED
    assert stored_stamps(parts) == [rfc3339(fixed)] * 2  # clamped to now, not a year on
    parts.clock.advance(3599)
    assert scan_code(parts) is OutcomeCode.PIN_PAUSED
    parts.clock.advance(2)
    assert scan_code(parts) is OutcomeCode.ENTER_PIN


def test_a_pause_ends_after_its_window_on_the_monotonic_clock_when_the_clock_goes_back(
    tmp_path: Path,
) -> None:
    parts, monotonic = paused_kiosk(tmp_path)
    spend_citizen_budget(parts)
    parts.clock.advance(600)
    monotonic.now += 600
    assert scan_code(parts) is OutcomeCode.PIN_PAUSED
    parts.clock.advance(-1800)  # the clock goes back half an hour, ten minutes in
    monotonic.now += 1
    assert scan_code(parts) is OutcomeCode.PIN_PAUSED
    # 59 minutes after the pause began (the monotonic clock): still paused.
    parts.clock.advance(2939)
    monotonic.now += 2939
    assert scan_code(parts) is OutcomeCode.PIN_PAUSED
    # The wall clock alone would keep the pause another 30 minutes; its window is over.
    parts.clock.advance(60)
    monotonic.now += 60
    assert scan_code(parts) is OutcomeCode.ENTER_PIN
    assert scan_code(parts) is OutcomeCode.ENTER_PIN  # and it stays over


def test_a_clock_jump_forward_and_back_pauses_at_most_one_window_more(tmp_path: Path) -> None:
    parts, monotonic = paused_kiosk(tmp_path)
    spend_citizen_budget(parts)
    parts.clock.advance(7 * 86400)  # a week ahead: the wall clock says the pause is over
    monotonic.now += 5
    assert scan_code(parts) is OutcomeCode.ENTER_PIN
    parts.clock.advance(-7 * 86400)  # back: the same failures do not pause again for long
    monotonic.now += 5
    paused_again = scan_code(parts)
    parts.clock.advance(3600)
    monotonic.now += 3600
    assert (paused_again, scan_code(parts)) == (OutcomeCode.PIN_PAUSED, OutcomeCode.ENTER_PIN)

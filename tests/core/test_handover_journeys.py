"""Hand-over journeys on a real SQLite file with real signatures and the physical FakeBoard.

The FakeBoard implements the Locker Protocol (not our driver): these tests are about the
state machine and its journal. tests/core/test_handover_with_simulator.py runs the same
journeys through the real Kerong driver and the locker simulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.handover import HandoverState, OutcomeCode
from kiosk.store.handover import HandoverRepository
from tests.core.handover_support import (
    PIN,
    FakeBoard,
    FakeSlot,
    Parts,
    act,
    assign,
    build,
    load_case,
    pickup_token,
    run_to_end,
    settings,
    staff_card,
)


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return build(tmp_path / "kiosk.sqlite3")


def steps_of(parts: Parts, handover_id: str) -> list[str]:
    with parts.db.reading() as conn:
        return [s.step for s in HandoverRepository.steps(conn, handover_id)]


def test_staff_loading_chooses_the_smallest_free_fitting_compartment_and_reports_loaded(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M")
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    assert start.code is OutcomeCode.STAFF_IDENTIFIED

    opened = parts.service.select_case(start.handover_id, "case-1")

    assert (opened.code, opened.door, opened.state) == (
        OutcomeCode.OPENING,
        17,
        HandoverState.UNLOCK_SENT,
    )
    assert parts.board.pulses(17) == 1
    parts.board.pull(17)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.PUT_DOCUMENT
    parts.board.put_item(17)
    parts.board.push(17)
    done = parts.service.poll(start.handover_id)
    assert (done.code, done.door) == (OutcomeCode.LOADED, 17)
    assert steps_of(parts, start.handover_id) == [
        "staff_identified",
        "compartment_chosen",
        "unlock_sent",
        "door_opened",
        "loaded",
    ]
    case = parts.service.case("case-1")
    assert case is not None and (case.state, case.door) == ("loaded", 17)
    assert [t for t in parts.event_types() if t != "handover.case_assigned"] == [
        "handover.staff_identified",
        "handover.compartment_chosen",
        "handover.unlock_sent",
        "handover.door_opened",
        "handover.loaded",
    ]
    assert parts.board.unlock_log == [17]


def test_a_compartment_is_never_marked_loaded_while_its_door_reads_open(parts: Parts) -> None:
    assign(parts, "case-1", "S")
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    door = parts.service.select_case(start.handover_id, "case-1").door
    assert door == 1
    parts.board.pull(1)
    parts.board.put_item(1)
    for _ in range(3):
        outcome = parts.service.poll(start.handover_id)
        assert outcome.state is HandoverState.DOOR_OPENED
    compartment = next(c for c in parts.service.compartments() if c.door == 1)
    assert compartment.state == "reserved"
    parts.board.push(1)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.LOADED


def test_a_door_closed_empty_after_loading_is_not_loaded(parts: Parts) -> None:
    assign(parts, "case-1", "S")
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    parts.service.select_case(start.handover_id, "case-1")
    parts.board.pull(1)
    parts.service.poll(start.handover_id)
    parts.board.push(1)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.LOAD_ABORTED
    case = parts.service.case("case-1")
    assert case is not None and case.state == "assigned"
    assert next(c for c in parts.service.compartments() if c.door == 1).state == "free"


def test_citizen_pickup_in_hold_mode_takes_the_old_passport_then_opens_the_case_door(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "M", old=True)
    door = load_case(parts, "case-1")
    pulses_before = dict(parts.board.pulse_count)

    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert start.code is OutcomeCode.ENTER_PIN
    returned = parts.service.enter_pin(start.handover_id, PIN)
    assert (returned.code, returned.door) == (OutcomeCode.PUT_OLD_PASSPORT, 41)
    parts.board.pull(41)
    parts.service.poll(start.handover_id)
    parts.board.put_item(41)
    parts.board.push(41)
    opening = parts.service.poll(start.handover_id)
    assert (opening.code, opening.door) == (OutcomeCode.OPENING, door)
    parts.board.pull(door)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.TAKE_PASSPORT
    parts.board.take_item(door)
    assert parts.service.poll(start.handover_id).state is HandoverState.ITEM_TAKEN
    parts.board.push(door)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.COLLECTED

    assert steps_of(parts, start.handover_id) == [
        "token_verified",
        "pin_verified",
        "return_unlock_sent",
        "return_opened",
        "return_closed",
        "unlock_sent",
        "door_opened",
        "item_taken",
        "collected",
    ]
    new_pulses = {
        d: n - pulses_before.get(d, 0)
        for d, n in parts.board.pulse_count.items()
        if n - pulses_before.get(d, 0)
    }
    assert new_pulses == {41: 1, door: 1}
    case = parts.service.case("case-1")
    assert case is not None and (case.state, case.returned) == ("collected", "door:41")
    assert [c.case_id for c in parts.service.returned_passports()] == ["case-1"]
    assert next(c for c in parts.service.compartments() if c.door == 41).state == "returned"
    assert parts.service.mark_return_reviewed("case-1", "s-12") is True
    assert next(c for c in parts.service.compartments() if c.door == 41).state == "free"


def test_a_case_without_an_old_passport_skips_the_return_step(parts: Parts) -> None:
    assign(parts, "case-1", "L", old=False)
    door = load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    opening = parts.service.enter_pin(start.handover_id, PIN)
    assert (opening.code, opening.door) == (OutcomeCode.OPENING, door)
    assert run_to_end(parts, start.handover_id) == "collected"
    assert parts.board.pulses(41) == 0


def test_citizen_pickup_in_punch_mode_punches_the_old_passport_before_the_door_opens(
    tmp_path: Path,
) -> None:
    slot = FakeSlot()
    parts = build(tmp_path / "k.sqlite3", slot=slot)
    assign(parts, "case-1", "S", old=True)
    door = load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    insert = parts.service.enter_pin(start.handover_id, PIN)
    assert insert.code is OutcomeCode.INSERT_OLD_PASSPORT
    assert slot.opens == 1
    assert parts.board.pulses(door) == 1  # only the loading unlock so far
    assert run_to_end(parts, start.handover_id) == "collected"
    assert slot.punched == 1
    assert parts.board.pulses(door) == 2
    case = parts.service.case("case-1")
    assert case is not None and case.returned == "slot"


def test_a_door_that_does_not_open_is_retried_once_then_sends_the_citizen_to_the_counter(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "S", old=False)
    door = load_case(parts, "case-1")
    parts.board.jam(door)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    parts.board.pull(door)
    parts.clock.advance(8.5)
    assert parts.service.poll(start.handover_id).state is HandoverState.UNLOCK_SENT
    parts.board.pull(door)
    parts.clock.advance(8.5)
    final = parts.service.poll(start.handover_id)
    assert (final.code, final.state) == (
        OutcomeCode.DOOR_DID_NOT_OPEN,
        HandoverState.DOOR_DID_NOT_OPEN,
    )
    assert parts.board.pulses(door) == 3  # loading, first try, one retry
    assert "handover.staff_alert" in parts.event_types()
    case = parts.service.case("case-1")
    assert case is not None and case.state == "staff_check"


def test_a_door_left_open_gets_a_reminder_then_an_alarm(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    door = load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    parts.board.pull(door)
    parts.service.poll(start.handover_id)
    parts.clock.advance(31)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.CLOSE_DOOR
    assert parts.service.poll(start.handover_id).code is OutcomeCode.CLOSE_DOOR
    parts.clock.advance(90)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.DOOR_ALARM
    parts.service.poll(start.handover_id)
    types = parts.event_types()
    assert types.count("handover.door_left_open") == 1
    assert types.count("handover.door_alarm") == 1


def test_an_unlock_is_fired_even_when_the_sensor_already_reads_open(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    door = load_case(parts, "case-1")
    parts.board.models[door].sensor_reads_open = True  # a cut sensor cable
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.service.enter_pin(start.handover_id, PIN)
    assert parts.board.pulses(door) == 2


def test_a_door_opened_without_a_command_raises_the_tamper_alarm_once(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    door = load_case(parts, "case-1")
    parts.service.watch()
    parts.board.force_open(door)
    parts.service.watch()
    parts.service.watch()
    forced = [d for t, d in parts.events() if t == "handover.door_forced"]
    assert forced == [
        {"door": door, "compartment_state": "loaded", "case_id": "case-1", "was": "closed"}
    ]


def test_a_silent_board_refuses_the_pickup_with_a_clear_outcome(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    parts.board.silence(0)
    outcome = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert outcome.code is OutcomeCode.LOCKER_UNAVAILABLE
    assert outcome.title_id == "handover.locker_unavailable.title"
    case = parts.service.case("case-1")
    assert case is not None and case.state == "loaded"
    assert parts.service.handover(outcome.handover_id) is None


def test_a_board_that_goes_silent_between_pin_and_unlock_ends_in_locker_failed(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.board.silence(0)
    outcome = parts.service.enter_pin(start.handover_id, PIN)
    assert (outcome.code, outcome.state) == (
        OutcomeCode.LOCKER_UNAVAILABLE,
        HandoverState.ABANDONED,
    )
    assert parts.board.pulses(1) == 1  # the loading only


def test_wrong_pins_lock_the_case_for_staff_after_three(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    first = parts.service.enter_pin(start.handover_id, "000000")
    second = parts.service.enter_pin(start.handover_id, "111111")
    third = parts.service.enter_pin(start.handover_id, "222222")
    assert [(o.code, o.args) for o in (first, second)] == [
        (OutcomeCode.PIN_WRONG, (2,)),
        (OutcomeCode.PIN_WRONG, (1,)),
    ]
    assert third.code is OutcomeCode.CASE_LOCKED
    assert parts.service.enter_pin(start.handover_id, PIN).code is OutcomeCode.CASE_LOCKED
    again = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert again.code is OutcomeCode.CASE_LOCKED
    assert parts.board.pulses(1) == 1
    assert parts.event_types().count("handover.pin_failed") == 3
    assert parts.event_types().count("handover.case_locked") == 1


def test_wrong_pin_attempts_count_across_scans_of_the_same_case(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    for _ in range(2):
        start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
        parts.service.enter_pin(start.handover_id, "999999")
        parts.service.cancel(start.handover_id)
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert parts.service.enter_pin(start.handover_id, "999999").code is OutcomeCode.CASE_LOCKED


def test_the_kiosk_failure_budget_across_cases_pauses_pin_entry_and_alerts(
    tmp_path: Path,
) -> None:
    parts = build(tmp_path / "k.sqlite3", settings_=settings(pin_budget=4))
    for n in range(3):
        assign(parts, f"case-{n}", "S", old=False)
        load_case(parts, f"case-{n}")
    outcomes = []
    for n in range(2):
        start = parts.service.scan_pickup(pickup_token(f"case-{n}", parts.clock.now()))
        outcomes.append(parts.service.enter_pin(start.handover_id, "000000").code)
        outcomes.append(parts.service.enter_pin(start.handover_id, "000001").code)
    third = parts.service.scan_pickup(pickup_token("case-2", parts.clock.now()))
    assert outcomes == [
        OutcomeCode.PIN_WRONG,
        OutcomeCode.PIN_WRONG,
        OutcomeCode.PIN_WRONG,
        OutcomeCode.PIN_PAUSED,
    ]
    assert third.code is OutcomeCode.PIN_PAUSED
    assert parts.event_types().count("handover.pin_budget_exhausted") == 1
    parts.clock.advance(3601)
    start = parts.service.scan_pickup(pickup_token("case-2", parts.clock.now()))
    assert parts.service.enter_pin(start.handover_id, PIN).code is OutcomeCode.OPENING


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda now: pickup_token("case-1", now, office="shisui"), OutcomeCode.WRONG_OFFICE),
        (lambda now: pickup_token("case-1", now, days=-1), OutcomeCode.EXPIRED),
        (lambda now: pickup_token("case-9", now), OutcomeCode.CASE_UNKNOWN),
        (lambda now: staff_card(now), OutcomeCode.NOT_A_PICKUP),
        (lambda now: "https://example.jp/not-a-token", OutcomeCode.UNREADABLE),
        (lambda now: pickup_token("case-1", now)[:-4] + "AAAA", OutcomeCode.BAD_SIGNATURE),
    ],
)
def test_a_pickup_token_that_is_not_for_this_case_here_and_now_is_refused(
    parts: Parts, make: object, code: OutcomeCode
) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    assert callable(make)
    outcome = parts.service.scan_pickup(make(parts.clock.now()))
    assert outcome.code is code
    assert parts.board.total_pulses() == 1
    refused = [d["reason"] for t, d in parts.events() if t == "handover.refused"]
    assert refused == [code.value]


def test_a_reused_pickup_token_is_refused_as_already_collected(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    token = pickup_token("case-1", parts.clock.now())
    start = parts.service.scan_pickup(token)
    parts.service.enter_pin(start.handover_id, PIN)
    assert run_to_end(parts, start.handover_id) == "collected"
    assert parts.service.scan_pickup(token).code is OutcomeCode.ALREADY_COLLECTED
    assert parts.board.pulses(1) == 2


def test_a_second_scan_during_an_open_pickup_is_refused_as_busy(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    token = pickup_token("case-1", parts.clock.now())
    start = parts.service.scan_pickup(token)
    parts.service.enter_pin(start.handover_id, PIN)
    assert parts.service.scan_pickup(token).code is OutcomeCode.BUSY


DISK_FULL_CHILD = """
import resource, signal, sys
from pathlib import Path
from kiosk.core.handover import OutcomeCode
from tests.core.handover_support import FakeBoard, build, pickup_token, StepClock
from datetime import datetime
board = FakeBoard.load(Path(sys.argv[2]))
parts = build(Path(sys.argv[1]), board, clock=StepClock(datetime.fromisoformat(sys.argv[3])))
wal = Path(sys.argv[1] + "-wal").stat().st_size
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
# The disk is full from here: no file of this process may grow.
resource.setrlimit(resource.RLIMIT_FSIZE, (wal, resource.RLIM_INFINITY))
outcome = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
print(outcome.code.value, board.total_pulses())
"""


def test_a_full_disk_refuses_new_hand_overs_and_corrupts_nothing(tmp_path: Path) -> None:
    path, board_file = tmp_path / "k.sqlite3", tmp_path / "board.json"
    parts = build(path, FakeBoard(tuple(range(1, 49)), state_file=board_file))
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    events_before = parts.event_types()
    parts.db.close()
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            DISK_FULL_CHILD,
            str(path),
            str(board_file),
            parts.clock.now().isoformat(),
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.split() == ["store_unavailable", "1"]
    after = build(path, FakeBoard.load(board_file), clock=parts.clock)
    with after.db.reading() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert after.event_types() == events_before
    case = after.service.case("case-1")
    assert case is not None and case.state == "loaded"
    assert after.service.scan_pickup(pickup_token("case-1", after.clock.now())).code is (
        OutcomeCode.ENTER_PIN
    )


def test_a_read_only_state_database_refuses_loading_without_opening_a_door(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "S", old=False)
    with parts.db.reading() as conn:
        conn.execute("PRAGMA query_only = ON")
    outcome = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    assert outcome.code is OutcomeCode.STORE_UNAVAILABLE
    assert parts.board.total_pulses() == 0


def test_a_store_failure_mid_pickup_fires_nothing_and_keeps_the_last_step(parts: Parts) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    with parts.db.reading() as conn:
        conn.execute("PRAGMA query_only = ON")
    outcome = parts.service.enter_pin(start.handover_id, PIN)
    assert outcome.code is OutcomeCode.STORE_UNAVAILABLE
    assert parts.board.pulses(1) == 1
    record = parts.service.handover(start.handover_id)
    assert record is not None and record.state is HandoverState.TOKEN_VERIFIED


def test_a_loading_with_no_free_compartment_of_the_size_is_refused(parts: Parts) -> None:
    for door in range(33, 41):
        parts.board.put_item(door)  # something is in every L compartment
    assign(parts, "case-1", "L")
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    assert parts.service.select_case(start.handover_id, "case-1").code is (
        OutcomeCode.NO_FREE_COMPARTMENT
    )
    assert parts.board.total_pulses() == 0


def test_staff_pin_identifies_and_a_wrong_staff_pin_is_refused(parts: Parts) -> None:
    assert parts.service.identify_staff_pin("s-77", "1234").code is OutcomeCode.STAFF_REFUSED
    assert parts.service.identify_staff_pin("s-77", "7777").code is OutcomeCode.STAFF_IDENTIFIED
    assert parts.service.identify_staff_card(staff_card(parts.clock.now(), office="x")).code is (
        OutcomeCode.STAFF_REFUSED
    )


def test_an_idle_pickup_is_abandoned_and_the_case_can_be_collected_later(
    parts: Parts,
) -> None:
    assign(parts, "case-1", "S", old=False)
    load_case(parts, "case-1")
    start = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    parts.clock.advance(121)
    assert parts.service.poll(start.handover_id).code is OutcomeCode.ABANDONED
    again = parts.service.scan_pickup(pickup_token("case-1", parts.clock.now()))
    assert again.code is OutcomeCode.ENTER_PIN


def test_every_outcome_code_has_title_and_body_in_both_catalogues() -> None:
    from kiosk.i18n.catalog import load_catalogs

    catalogs = load_catalogs(("ja", "en"))
    for code in OutcomeCode:
        for language, catalog in catalogs.items():
            assert code.title_id in catalog.messages, (language, code)
            assert code.body_id in catalog.messages, (language, code)


def test_act_helper_moves_a_board_door(tmp_path: Path) -> None:
    board = FakeBoard((1, 2))
    board.unlock(1)
    assert board.pull(1) is True
    assert board.pull(2) is False
    assert act.__name__ == "act"

"""Random event sequences: never an undefined state, never a door outside the hand-over's own.

"Wrong doors opened must be 0": every pulse the board recorded is matched by a journalled
unlock of that door by a hand-over allowed to open it (its case's compartment or its return
compartment).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.handover import HandoverState
from kiosk.core.handover.machine import (
    TERMINAL_STATES,
    FireAction,
    HandoverRecord,
    Kind,
    Observation,
    Target,
    advance,
)
from kiosk.devices.locker.protocol import DoorState, DoorStatus
from kiosk.store.handover import HandoverRepository
from tests.core.handover_support import (
    PIN,
    FakeBoard,
    FakeSlot,
    Parts,
    StepClock,
    assign,
    build,
    pickup_token,
    staff_card,
)
from tests.core.handover_support import (
    settings as handover_settings,
)

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
door_status = st.builds(
    DoorStatus,
    st.just(0),
    st.sampled_from(list(DoorState)),
    st.sampled_from([True, False, None]),
)


@st.composite
def records(draw: st.DrawFn) -> HandoverRecord:
    kind = draw(st.sampled_from(list(Kind)))
    state = draw(st.sampled_from([s for s in HandoverState]))
    mode = draw(st.sampled_from(["hold", "punch", "none"]))
    return HandoverRecord(
        id="h",
        kind=kind,
        case_id="c",
        door=draw(st.sampled_from([None, 5])),
        return_door=41 if mode == "hold" else None,
        return_mode=mode,
        state=state,
        target=draw(st.sampled_from(list(Target))),
        state_since=T0,
        started_at=T0,
        fires=draw(st.integers(0, 3)),
        opened_at=draw(st.sampled_from([None, T0])),
        reminded=draw(st.booleans()),
        alarmed=draw(st.booleans()),
        recovered=draw(st.booleans()),
    )


@settings(max_examples=2000, deadline=None)
@given(
    records(),
    st.dictionaries(st.sampled_from([5, 41, 7]), door_status),
    st.sampled_from([True, False, None]),
    st.floats(0, 400),
)
def test_the_machine_never_fires_outside_the_hand_overs_doors_nor_after_a_restart(
    record: HandoverRecord,
    doors: dict[int, DoorStatus],
    slot: bool | None,
    seconds: float,
) -> None:
    doors = {d: DoorStatus(d, s.state, s.item_present) for d, s in doors.items()}
    obs = Observation(T0 + timedelta(seconds=seconds), doors, slot)
    transition = advance(record, obs, handover_settings())
    for step in transition.steps:
        assert step.record.state in set(HandoverState)
        assert step.record.allowed_doors() <= record.allowed_doors()
    fire = transition.fire
    if fire is not None:
        assert not record.state.terminal
        if fire.action is FireAction.UNLOCK:
            assert fire.door in record.allowed_doors()
            assert not record.recovered
    if record.state in TERMINAL_STATES:
        assert transition.steps == ()


ACTIONS = st.one_of(
    st.tuples(st.just("pull"), st.integers(1, 48)),
    st.tuples(st.just("push"), st.integers(1, 48)),
    st.tuples(st.just("put"), st.integers(1, 48)),
    st.tuples(st.just("take"), st.integers(1, 48)),
    st.tuples(st.just("jam"), st.integers(1, 48)),
    st.tuples(st.just("force"), st.integers(1, 48)),
    st.tuples(st.just("silence"), st.integers(0, 2)),
    st.tuples(st.just("wake"), st.integers(0, 2)),
    st.tuples(st.just("wait"), st.sampled_from([1, 9, 31, 121, 3601])),
    st.tuples(st.just("poll"), st.just(0)),
    st.tuples(st.just("scan"), st.integers(0, 3)),
    st.tuples(st.just("pin"), st.booleans()),
    st.tuples(st.just("staff"), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.just(0)),
    st.tuples(st.just("insert"), st.just(0)),
    st.tuples(st.just("restart"), st.just(0)),
)


def check_no_wrong_door(parts: Parts) -> None:
    journalled: Counter[int] = Counter()
    with parts.db.reading() as conn:
        rows = HandoverRepository.all_handovers(conn)
        for row in rows:
            HandoverState(row.state)  # every stored state is a defined one
            allowed = {d for d in (row.door, row.return_door) if d is not None}
            for step in HandoverRepository.steps(conn, row.id):
                HandoverState(step.state)
                if step.step in ("unlock_sent", "return_unlock_sent", "unlock_retried"):
                    door = step.data["door"]
                    assert door in allowed, (row, step)
                    journalled[door] += 1
            if row.kind == "pickup" and row.door is not None:
                case = HandoverRepository.case(conn, row.case_id)
                assert case is not None
    for door, pulses in parts.board.pulse_count.items():
        assert pulses <= journalled[door], (door, pulses, journalled[door])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.sampled_from(["hold", "punch"]), st.lists(ACTIONS, max_size=40))
def test_random_event_sequences_never_reach_an_undefined_state_nor_open_a_wrong_door(
    mode: str, actions: list[tuple[str, int]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.sqlite3"
        clock = StepClock(T0)
        board = FakeBoard(tuple(range(1, 49)))
        slot = FakeSlot() if mode == "punch" else None
        parts = build(path, board, clock=clock, slot=slot)
        for n in range(4):
            assign(parts, f"case-{n}", "SML"[n % 3], old=n % 2 == 0)
        current = ""
        for action, arg in actions:
            service = parts.service
            if action == "pull":
                board.pull(arg)
            elif action == "push":
                board.push(arg)
            elif action == "put":
                board.put_item(arg)
            elif action == "take":
                board.take_item(arg)
            elif action == "jam":
                board.jam(arg)
            elif action == "force":
                board.force_open(arg)
            elif action == "silence":
                board.silence(arg)
            elif action == "wake":
                board.silence(arg, False)
            elif action == "wait":
                clock.advance(arg)
            elif action == "poll":
                service.watch()
            elif action == "scan":
                current = service.scan_pickup(pickup_token(f"case-{arg}", clock.now())).handover_id
            elif action == "pin":
                service.enter_pin(current, PIN if arg else "000000")
            elif action == "staff":
                outcome = service.identify_staff_card(staff_card(clock.now()))
                current = service.select_case(outcome.handover_id, f"case-{arg}").handover_id
            elif action == "cancel":
                service.cancel(current)
            elif action == "insert" and slot is not None:
                slot.insert()
            elif action == "restart":
                parts.db.close()
                parts = build(path, board, clock=clock, slot=slot)
                parts.service.recover()
                for record in parts.service.journal.live():
                    assert record.state is HandoverState.AWAITING_CLOSE
            check_no_wrong_door(parts)
        parts.db.close()

"""The hand-over state machine: pure transitions, no I/O.

The service (:mod:`kiosk.core.handover.service`) reads the sensors into an
:class:`Observation`, asks :func:`advance` what follows, commits every :class:`Step` of the
answer to the journal (each in its own transaction, with its outbox event), and only then
carries out the one :class:`Fire` the answer may hold (an unlock, a slot flap, a punch).
"Unlock sent" is therefore on disk before the pulse goes out: a crash between the two reads
as "unlock sent" and is settled as such (:mod:`kiosk.core.handover.recovery`), never as an
unexplained open door.

Staff loading::

    staff_identified ─case─> compartment_chosen ─> unlock_sent ─open─> door_opened
        door_opened ─closed, item present (or no item sensor)─> loaded
        door_opened ─closed, item sensor empty─> load_aborted

Citizen pickup::

    token_verified ─PIN─> pin_verified ─┬─ old passport, hold ─> return_unlock_sent ─open─>
                                        │     return_opened ─closed─> return_closed ─┐
                                        ├─ old passport, punch ─> return_slot_opened ─in─>│
                                        │     return_punch_sent ─gone─> return_punched ─┤
                                        └─ no old passport (or already returned) ───────┤
        unlock_sent <───────────────────────────────────────────────────────────────────┘
        unlock_sent ─open─> door_opened ─item gone─> item_taken ─closed─> collected
        door_opened ─closed, item still there─> not_collected (staff check)

Everywhere: an unlock (or punch) whose sensor does not change within ``open_timeout_s`` is
fired again ``unlock_retries`` times, then ``door_did_not_open`` (go to the counter, staff
alert); a door open longer than ``reminder_s`` gets a reminder, longer than ``alarm_s`` an
alarm; a board error on a fire ends in ``locker_failed``. ``awaiting_close`` exists only
after a restart: a door of the hand-over is open and nothing more will be fired for it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from kiosk.core.handover.settings import HandoverSettings
from kiosk.devices.locker.protocol import DoorState, DoorStatus

log = logging.getLogger(__name__)


class Kind(enum.StrEnum):
    """What a hand-over does."""

    LOADING = "loading"
    PICKUP = "pickup"


class Target(enum.StrEnum):
    """Which opening the current step is about."""

    NONE = "none"
    DOOR = "door"  # the case's compartment
    RETURN = "return"  # the return compartment (hold mode)
    SLOT = "slot"  # the intake slot (punch mode)


class HandoverState(enum.StrEnum):
    """Every state a hand-over can be in; the journal stores these values."""

    STAFF_IDENTIFIED = "staff_identified"
    COMPARTMENT_CHOSEN = "compartment_chosen"
    TOKEN_VERIFIED = "token_verified"
    PIN_VERIFIED = "pin_verified"
    RETURN_UNLOCK_SENT = "return_unlock_sent"
    RETURN_OPENED = "return_opened"
    RETURN_CLOSED = "return_closed"
    RETURN_SLOT_OPENED = "return_slot_opened"
    RETURN_PUNCH_SENT = "return_punch_sent"
    RETURN_PUNCHED = "return_punched"
    UNLOCK_SENT = "unlock_sent"
    DOOR_OPENED = "door_opened"
    ITEM_TAKEN = "item_taken"
    AWAITING_CLOSE = "awaiting_close"
    # terminal
    LOADED = "loaded"
    LOAD_ABORTED = "load_aborted"
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"
    ABANDONED = "abandoned"
    DOOR_DID_NOT_OPEN = "door_did_not_open"
    LOCKER_FAILED = "locker_failed"
    CASE_LOCKED = "case_locked"
    STAFF_CHECK = "staff_check"

    @property
    def terminal(self) -> bool:
        """True when nothing more happens to this hand-over."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        HandoverState.LOADED,
        HandoverState.LOAD_ABORTED,
        HandoverState.COLLECTED,
        HandoverState.NOT_COLLECTED,
        HandoverState.ABANDONED,
        HandoverState.DOOR_DID_NOT_OPEN,
        HandoverState.LOCKER_FAILED,
        HandoverState.CASE_LOCKED,
        HandoverState.STAFF_CHECK,
    }
)
UNLOCKING_STATES = frozenset({HandoverState.UNLOCK_SENT, HandoverState.RETURN_UNLOCK_SENT})
OPEN_DOOR_STATES = frozenset(
    {
        HandoverState.DOOR_OPENED,
        HandoverState.ITEM_TAKEN,
        HandoverState.RETURN_OPENED,
        HandoverState.AWAITING_CLOSE,
    }
)


class OutcomeCode(enum.StrEnum):
    """What the screen shows; the screen texts are ``handover.<code>.title`` / ``.body``."""

    # staff loading
    STAFF_IDENTIFIED = "staff_identified"  # scan or choose the case
    STAFF_REFUSED = "staff_refused"
    STAFF_PIN_PAUSED = "staff_pin_paused"  # too many wrong staff PINs: the staff keypad waits
    CASE_UNKNOWN = "case_unknown"
    CASE_NOT_LOADABLE = "case_not_loadable"
    NO_FREE_COMPARTMENT = "no_free_compartment"
    PUT_DOCUMENT = "put_document"  # door %1 is open: put the passport in, close the door
    LOADED = "loaded"
    LOAD_ABORTED = "load_aborted"
    # citizen pickup
    ENTER_PIN = "enter_pin"
    PIN_WRONG = "pin_wrong"  # %1 attempts left
    CASE_LOCKED = "case_locked"
    PIN_PAUSED = "pin_paused"
    PUT_OLD_PASSPORT = "put_old_passport"  # return door %1 is open
    INSERT_OLD_PASSPORT = "insert_old_passport"  # the slot is open
    RETURN_MISSING = "return_missing"
    RETURN_UNAVAILABLE = "return_unavailable"
    TAKE_PASSPORT = "take_passport"  # door %1 is open
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"
    # pickup token refused
    WRONG_OFFICE = "wrong_office"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    CLOCK_UNSET = "clock_unset"  # the kiosk's clock cannot judge the code's validity now
    ALREADY_COLLECTED = "already_collected"
    NOT_READY = "not_ready"
    BUSY = "busy"
    NOT_A_PICKUP = "not_a_pickup"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    UNREADABLE = "unreadable"
    # any journey
    OPENING = "opening"  # door %1 is being unlocked
    CLOSE_DOOR = "close_door"  # reminder: door %1 is still open
    DOOR_ALARM = "door_alarm"
    DOOR_DID_NOT_OPEN = "door_did_not_open"
    LOCKER_UNAVAILABLE = "locker_unavailable"
    STORE_UNAVAILABLE = "store_unavailable"
    STAFF_CHECK = "staff_check"
    ABANDONED = "abandoned"
    NO_HANDOVER = "no_handover"

    @property
    def title_id(self) -> str:
        """The message id of the screen title."""
        return f"handover.{self.value}.title"

    @property
    def body_id(self) -> str:
        """The message id of the screen body (what to do next)."""
        return f"handover.{self.value}.body"


@dataclass(frozen=True)
class HandoverRecord:
    """One hand-over as the journal stores it.

    Attributes:
        id: uuid7.
        kind: loading or pickup.
        case_id: the case (empty before a staff member chose one).
        door: the case's compartment (None before it was chosen).
        return_door: the return compartment (hold mode, when an old passport comes back).
        return_mode: ``hold``, ``punch`` or ``none`` (no old passport, or already returned).
        state: the current state.
        target: which opening the current state is about.
        state_since: when the current state (or the last retry) began.
        started_at: when the hand-over began.
        fires: fires for the current target (the first unlock is 1, a retry 2…).
        opened_at: when the current target's door was seen open.
        reminded: the door-left-open reminder was given.
        alarmed: the door-left-open alarm was raised.
        recovered: settled after a restart (nothing more is fired for it).
        actor: the staff id (loading); empty for a pickup.
        reason: why a terminal state was reached (``idle``, ``item_left``…).
    """

    id: str
    kind: Kind
    case_id: str
    door: int | None
    return_door: int | None
    return_mode: str
    state: HandoverState
    target: Target
    state_since: datetime
    started_at: datetime
    fires: int = 0
    opened_at: datetime | None = None
    reminded: bool = False
    alarmed: bool = False
    recovered: bool = False
    actor: str = ""
    reason: str = ""

    def target_door(self) -> int | None:
        """The door of the current target (None for the slot or before a door was chosen)."""
        if self.target is Target.DOOR:
            return self.door
        if self.target is Target.RETURN:
            return self.return_door
        return None

    def allowed_doors(self) -> frozenset[int]:
        """The only doors this hand-over may ever unlock."""
        return frozenset(d for d in (self.door, self.return_door) if d is not None)


@dataclass(frozen=True)
class Observation:
    """The sensors at one moment.

    Attributes:
        now: when they were read.
        doors: what ``Locker.read_doors()`` returned (missing doors count as unknown).
        slot_present: the intake slot's document sensor (punch mode), None when unknown.
    """

    now: datetime
    doors: Mapping[int, DoorStatus] = field(default_factory=dict)
    slot_present: bool | None = None

    def door(self, door: int | None) -> DoorStatus:
        """One door's status; UNKNOWN when not read."""
        if door is None:
            return DoorStatus(0, DoorState.UNKNOWN)
        return self.doors.get(door) or DoorStatus(door, DoorState.UNKNOWN)


class FireAction(enum.StrEnum):
    """An actuator the service drives after the steps are committed."""

    UNLOCK = "unlock"
    SLOT_OPEN = "slot_open"
    PUNCH = "punch"


@dataclass(frozen=True)
class Fire:
    """Drive one actuator once: ``unlock`` a door, open the slot's flap, or punch."""

    action: FireAction
    door: int | None = None


@dataclass(frozen=True)
class Step:
    """One journal entry: its name (also the event type ``handover.<name>``), the record
    after it and the event data."""

    name: str
    record: HandoverRecord
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    """What follows an observation: steps to commit, then at most one fire."""

    steps: tuple[Step, ...] = ()
    fire: Fire | None = None
    code: OutcomeCode | None = None


def outcome_for(record: HandoverRecord) -> OutcomeCode:
    """The screen a hand-over in this state shows when nothing new happened."""
    state = record.state
    if state is HandoverState.STAFF_IDENTIFIED:
        return OutcomeCode.STAFF_IDENTIFIED
    if state is HandoverState.TOKEN_VERIFIED:
        return OutcomeCode.ENTER_PIN
    if state in (HandoverState.RETURN_UNLOCK_SENT, HandoverState.RETURN_OPENED):
        return OutcomeCode.PUT_OLD_PASSPORT
    if state in (HandoverState.RETURN_SLOT_OPENED, HandoverState.RETURN_PUNCH_SENT):
        return OutcomeCode.INSERT_OLD_PASSPORT
    if state in (
        HandoverState.COMPARTMENT_CHOSEN,
        HandoverState.PIN_VERIFIED,
        HandoverState.RETURN_CLOSED,
        HandoverState.RETURN_PUNCHED,
    ):
        return OutcomeCode.OPENING
    if state is HandoverState.UNLOCK_SENT:
        return OutcomeCode.OPENING
    if state in (HandoverState.DOOR_OPENED, HandoverState.ITEM_TAKEN):
        if record.alarmed:
            return OutcomeCode.DOOR_ALARM
        if record.reminded:
            return OutcomeCode.CLOSE_DOOR
        return (
            OutcomeCode.PUT_DOCUMENT if record.kind is Kind.LOADING else OutcomeCode.TAKE_PASSPORT
        )
    if state is HandoverState.AWAITING_CLOSE:
        return OutcomeCode.DOOR_ALARM if record.alarmed else OutcomeCode.CLOSE_DOOR
    if record.reason in _REASON_CODES:
        return _REASON_CODES[record.reason]
    return _TERMINAL_CODES.get(state, OutcomeCode.STAFF_CHECK)


_TERMINAL_CODES = {
    HandoverState.LOADED: OutcomeCode.LOADED,
    HandoverState.LOAD_ABORTED: OutcomeCode.LOAD_ABORTED,
    HandoverState.COLLECTED: OutcomeCode.COLLECTED,
    HandoverState.NOT_COLLECTED: OutcomeCode.NOT_COLLECTED,
    HandoverState.ABANDONED: OutcomeCode.ABANDONED,
    HandoverState.DOOR_DID_NOT_OPEN: OutcomeCode.DOOR_DID_NOT_OPEN,
    HandoverState.LOCKER_FAILED: OutcomeCode.LOCKER_UNAVAILABLE,
    HandoverState.CASE_LOCKED: OutcomeCode.CASE_LOCKED,
    HandoverState.STAFF_CHECK: OutcomeCode.STAFF_CHECK,
}
_REASON_CODES = {
    "return_missing": OutcomeCode.RETURN_MISSING,
    "locker_unavailable": OutcomeCode.LOCKER_UNAVAILABLE,
}


# -- transitions ---------------------------------------------------------------------------


def advance(record: HandoverRecord, obs: Observation, settings: HandoverSettings) -> Transition:
    """What follows ``obs`` for a live hand-over (a terminal one stays as it is).

    Never returns a fire for a door outside ``record.allowed_doors()``, and never a fire
    for a recovered hand-over.
    """
    state, now = record.state, obs.now
    if state.terminal:
        return Transition(code=outcome_for(record))
    if state is HandoverState.PIN_VERIFIED:
        return _after_identity(record, now)
    if state in (
        HandoverState.COMPARTMENT_CHOSEN,
        HandoverState.RETURN_CLOSED,
        HandoverState.RETURN_PUNCHED,
    ):
        if record.recovered:  # NOTE: defensive; recovery never leaves these states live
            return _end(record, now, HandoverState.STAFF_CHECK, "recovered_mid_step")
        return _fire_unlock(record, now, Target.DOOR)
    if state in (HandoverState.STAFF_IDENTIFIED, HandoverState.TOKEN_VERIFIED):
        if _elapsed(record.state_since, now) > settings.idle_timeout_s:
            return _end(record, now, HandoverState.ABANDONED, "idle")
        return Transition(code=outcome_for(record))
    if state in UNLOCKING_STATES:
        return _unlocking(record, obs, settings)
    if state in OPEN_DOOR_STATES:
        return _door_open(record, obs, settings)
    if state is HandoverState.RETURN_SLOT_OPENED:
        if obs.slot_present is True:
            after = replace(record, state=HandoverState.RETURN_PUNCH_SENT, state_since=now, fires=1)
            return Transition(
                (Step("return_punch_sent", after),), Fire(FireAction.PUNCH), outcome_for(after)
            )
        if _elapsed(record.state_since, now) > settings.idle_timeout_s:
            return _end(record, now, HandoverState.ABANDONED, "return_missing")
        return Transition(code=outcome_for(record))
    if state is HandoverState.RETURN_PUNCH_SENT:
        if obs.slot_present is False:
            punched = replace(record, state=HandoverState.RETURN_PUNCHED, state_since=now)
            then = _fire_unlock(punched, now, Target.DOOR)
            return Transition((Step("return_punched", punched), *then.steps), then.fire, then.code)
        if _elapsed(record.state_since, now) > settings.open_timeout_s:
            if record.fires <= settings.unlock_retries:
                again = replace(record, state_since=now, fires=record.fires + 1)
                return Transition(
                    (Step("punch_retried", again, {"fires": again.fires}),),
                    Fire(FireAction.PUNCH),
                    outcome_for(again),
                )
            return _end(record, now, HandoverState.STAFF_CHECK, "punch_failed")
        return Transition(code=outcome_for(record))
    raise AssertionError(f"hand-over {record.id}: no transition from {state}")  # pragma: no cover


def after_pin(record: HandoverRecord, now: datetime) -> Transition:
    """The PIN was right: ``pin_verified``, then the return step or the unlock."""
    verified = replace(record, state=HandoverState.PIN_VERIFIED, state_since=now)
    then = _after_identity(verified, now)
    return Transition((Step("pin_verified", verified), *then.steps), then.fire, then.code)


def fire_failed(record: HandoverRecord, now: datetime, reason: str) -> Transition:
    """The board (or slot) did not carry out a fire: ``locker_failed``."""
    return _end(record, now, HandoverState.LOCKER_FAILED, "locker_unavailable", {"error": reason})


def end(record: HandoverRecord, now: datetime, state: HandoverState, reason: str) -> Transition:
    """End a live hand-over in a terminal ``state`` (cancel, idle, PIN lock…)."""
    return _end(record, now, state, reason)


def _after_identity(record: HandoverRecord, now: datetime) -> Transition:
    if record.return_mode == "hold" and record.return_door is not None:
        return _fire_unlock(record, now, Target.RETURN)
    if record.return_mode == "punch":
        after = replace(
            record,
            state=HandoverState.RETURN_SLOT_OPENED,
            target=Target.SLOT,
            state_since=now,
            fires=1,
        )
        return Transition(
            (Step("return_slot_opened", after),), Fire(FireAction.SLOT_OPEN), outcome_for(after)
        )
    return _fire_unlock(record, now, Target.DOOR)


def _fire_unlock(record: HandoverRecord, now: datetime, target: Target) -> Transition:
    state = (
        HandoverState.RETURN_UNLOCK_SENT if target is Target.RETURN else HandoverState.UNLOCK_SENT
    )
    after = replace(
        record,
        state=state,
        target=target,
        state_since=now,
        fires=1,
        opened_at=None,
        reminded=False,
        alarmed=False,
    )
    door = after.target_door()
    if door is None or record.recovered:
        return _end(record, now, HandoverState.STAFF_CHECK, "no_door")
    return Transition(
        (Step(state.value, after, {"door": door, "fires": 1}),),
        Fire(FireAction.UNLOCK, door),
        outcome_for(after),
    )


def _unlocking(record: HandoverRecord, obs: Observation, settings: HandoverSettings) -> Transition:
    now = obs.now
    door = record.target_door()
    status = obs.door(door)
    if status.state is DoorState.OPEN:
        state = (
            HandoverState.RETURN_OPENED
            if record.target is Target.RETURN
            else HandoverState.DOOR_OPENED
        )
        after = replace(record, state=state, state_since=now, opened_at=now)
        steps = [Step(state.value, after, {"door": door, "item": status.item_present})]
        if (
            record.kind is Kind.PICKUP
            and record.target is Target.DOOR
            and status.item_present is False
        ):
            after = replace(after, state=HandoverState.ITEM_TAKEN, state_since=now)
            steps.append(Step("item_taken", after, {"door": door}))
        return Transition(tuple(steps), None, outcome_for(after))
    if _elapsed(record.state_since, now) <= settings.open_timeout_s:
        return Transition(code=outcome_for(record))
    if record.fires <= settings.unlock_retries and door is not None and not record.recovered:
        again = replace(record, state_since=now, fires=record.fires + 1)
        return Transition(
            (
                Step(
                    "unlock_retried",
                    again,
                    {"door": door, "fires": again.fires, "seen": status.state.value},
                ),
            ),
            Fire(FireAction.UNLOCK, door),
            outcome_for(again),
        )
    return _end(
        record,
        now,
        HandoverState.DOOR_DID_NOT_OPEN,
        "door_did_not_open",
        {"door": door, "fires": record.fires, "seen": status.state.value},
    )


def _door_open(record: HandoverRecord, obs: Observation, settings: HandoverSettings) -> Transition:
    now = obs.now
    door = record.target_door()
    status = obs.door(door)
    if status.state is DoorState.CLOSED:
        return _closed(record, now, status.item_present)
    if status.state is DoorState.UNKNOWN:
        return Transition(code=outcome_for(record))
    if (
        record.state is HandoverState.DOOR_OPENED
        and record.kind is Kind.PICKUP
        and status.item_present is False
    ):
        taken = replace(record, state=HandoverState.ITEM_TAKEN, state_since=now)
        return Transition((Step("item_taken", taken, {"door": door}),), None, outcome_for(taken))
    opened = record.opened_at or record.state_since
    open_for = _elapsed(opened, now)
    if open_for > settings.alarm_s and not record.alarmed:
        after = replace(record, alarmed=True, reminded=True)
        return Transition(
            (
                Step(
                    "door_alarm",
                    after,
                    {"door": door, "reason": "door_left_open", "open_s": round(open_for, 1)},
                ),
            ),
            None,
            OutcomeCode.DOOR_ALARM,
        )
    if open_for > settings.reminder_s and not record.reminded:
        after = replace(record, reminded=True)
        return Transition(
            (Step("door_left_open", after, {"door": door, "open_s": round(open_for, 1)}),),
            None,
            OutcomeCode.CLOSE_DOOR,
        )
    return Transition(code=outcome_for(record))


def _closed(record: HandoverRecord, now: datetime, item: bool | None) -> Transition:
    """The hand-over's open door is closed again: what that means depends on what it is."""
    door = record.target_door()
    data = {"door": door, "item": item}
    if record.target is Target.RETURN:
        if item is False:
            return _end(record, now, HandoverState.ABANDONED, "return_missing", data)
        if item is None and record.recovered:
            return _end(record, now, HandoverState.STAFF_CHECK, "return_unconfirmed", data)
        closed = replace(record, state=HandoverState.RETURN_CLOSED, state_since=now)
        if record.recovered:
            return _end(closed, now, HandoverState.ABANDONED, "return_held", data)
        then = _fire_unlock(closed, now, Target.DOOR)
        return Transition((Step("return_closed", closed, data), *then.steps), then.fire, then.code)
    if record.kind is Kind.LOADING:
        if item is False:
            return _end(record, now, HandoverState.LOAD_ABORTED, "closed_empty", data)
        if item is None and record.recovered:
            return _end(record, now, HandoverState.STAFF_CHECK, "load_unconfirmed", data)
        return _end(record, now, HandoverState.LOADED, "", data)
    if item is True:
        return _end(record, now, HandoverState.NOT_COLLECTED, "item_left", data)
    if item is None and record.recovered and record.state is not HandoverState.ITEM_TAKEN:
        return _end(record, now, HandoverState.STAFF_CHECK, "collection_unconfirmed", data)
    return _end(record, now, HandoverState.COLLECTED, "", data)


def _end(
    record: HandoverRecord,
    now: datetime,
    state: HandoverState,
    reason: str,
    data: Mapping[str, Any] | None = None,
) -> Transition:
    after = replace(record, state=state, state_since=now, reason=reason)
    payload = {"reason": reason, **(data or {})} if reason else dict(data or {})
    return Transition((Step(state.value, after, payload),), None, outcome_for(after))


def _elapsed(since: datetime, now: datetime) -> float:
    return (now - since) / timedelta(seconds=1)

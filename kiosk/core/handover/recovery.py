"""Settling hand-overs after a restart: read the sensors, never fire a relay (DESIGN §6).

At start the app calls :func:`recover` (through ``HandoverService.recover``) before any
journey. Every hand-over the journal shows as live is settled from its last committed state
and what its door (or the intake slot) reads *now*, and reported as ``handover.recovered``
with the settlement code. Nothing is unlocked, opened or punched: a person who was at the
kiosk is gone or will be told to go to the counter, and staff see the case's state.

``item`` is the compartment's item sensor (None: no sensor, or it did not say).

===============================  ===============  ==================  ==========================
last committed state             door reads       item                settles to (settlement)
===============================  ===============  ==================  ==========================
staff_identified,                any              any                 abandoned
compartment_chosen,                                                   (``nothing_unlocked``);
token_verified, pin_verified                                          compartment freed, case
                                                                      back to assigned / loaded
*any state below*                unknown          -                   staff_check
                                                                      (``door_unknown``)
*any state below*                open             -                   awaiting_close
                                                                      (``awaiting_close``):
                                                                      settled by the normal
                                                                      close rules when it
                                                                      closes, nothing fired
loading: unlock_sent             closed           empty               abandoned
                                                                      (``unlocked_not_loaded``)
loading: unlock_sent             closed           present / None      staff_check
                                                                      (``load_unconfirmed``)
loading: door_opened,            closed           present             loaded
awaiting_close                                                        (``loaded_while_down``)
loading: door_opened, …          closed           empty               load_aborted
                                                                      (``closed_empty``)
loading: door_opened, …          closed           None                staff_check
                                                                      (``load_unconfirmed``)
pickup: return_unlock_sent,      closed           present             abandoned (``return_held``)
return_opened, awaiting_close                                         old passport recorded;
(return door)                                                         a new scan skips the
                                                                      return step
pickup: same                     closed           empty               abandoned
                                                                      (``nothing_returned``)
pickup: same                     closed           None                staff_check
                                                                      (``return_unconfirmed``)
pickup: return_closed,           -                -                   abandoned (``return_held``)
return_punched                                                        case stays loaded
pickup: return_slot_opened       slot: document   -                   abandoned
                                                                      (``return_in_slot_unpunched``)
pickup: return_slot_opened       slot: empty      -                   abandoned
                                                                      (``nothing_returned``)
pickup: return_punch_sent        slot: document   -                   abandoned
                                                                      (``return_in_slot_unpunched``)
pickup: return_punch_sent        slot: empty      -                   abandoned (``return_held``)
pickup: return_slot_opened,      slot: unknown    -                   staff_check
return_punch_sent                                                     (``return_unconfirmed``)
pickup: unlock_sent,             closed           present             not_collected
door_opened, awaiting_close                                           (``not_collected``): staff
                                                                      check
pickup: same                     closed           empty               collected
                                                                      (``collected_while_down``)
pickup: same                     closed           None                staff_check
                                                                      (``collection_unconfirmed``)
pickup: item_taken               closed           empty / None        collected
                                                                      (``collected_while_down``)
pickup: item_taken               closed           present             not_collected
===============================  ===============  ==================  ==========================

"Abandoned" returns the case to where it was (assigned for loading, loaded for pickup) and
frees a reserved compartment; "staff_check" keeps the case from self-service until staff
look. After recovery no hand-over is in a state that fires by itself; ``awaiting_close`` is
the only live state left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.core import events
from kiosk.core.handover.intake import IntakeSlot
from kiosk.core.handover.journal import HandoverJournal
from kiosk.core.handover.machine import (
    HandoverRecord,
    HandoverState,
    Kind,
    Observation,
    Step,
    Target,
)
from kiosk.devices.locker.protocol import DoorState, Locker, LockerError
from kiosk.store.outbox import rfc3339

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settlement:
    """How one interrupted hand-over was settled.

    Attributes:
        handover_id: the hand-over.
        kind: loading or pickup.
        case_id: its case.
        from_state: the last state the journal held.
        to_state: the state it was settled into.
        settlement: the row of the table (``nothing_unlocked``, ``awaiting_close``…).
        door: the door that was read (None for the slot or when none was involved).
        door_state: what that door read.
        item: its item sensor.
    """

    handover_id: str
    kind: Kind
    case_id: str
    from_state: HandoverState
    to_state: HandoverState
    settlement: str
    door: int | None
    door_state: str
    item: bool | None


_NOTHING_FIRED = frozenset(
    {
        HandoverState.STAFF_IDENTIFIED,
        HandoverState.COMPARTMENT_CHOSEN,
        HandoverState.TOKEN_VERIFIED,
        HandoverState.PIN_VERIFIED,
    }
)


def settle(record: HandoverRecord, obs: Observation) -> tuple[HandoverState, str, Target]:
    """The table above as a function: (state to settle into, settlement code, target).

    Pure; ``record`` must be live (not terminal).
    """
    state = record.state
    if state in _NOTHING_FIRED:
        return HandoverState.ABANDONED, "nothing_unlocked", record.target
    if state in (HandoverState.RETURN_CLOSED, HandoverState.RETURN_PUNCHED):
        return HandoverState.ABANDONED, "return_held", record.target
    if record.target is Target.SLOT:
        if obs.slot_present is None:
            return HandoverState.STAFF_CHECK, "return_unconfirmed", record.target
        if obs.slot_present:
            return HandoverState.ABANDONED, "return_in_slot_unpunched", record.target
        if state is HandoverState.RETURN_PUNCH_SENT:
            return HandoverState.ABANDONED, "return_held", record.target
        return HandoverState.ABANDONED, "nothing_returned", record.target
    status = obs.door(record.target_door())
    if status.state is DoorState.UNKNOWN:
        return HandoverState.STAFF_CHECK, "door_unknown", record.target
    if status.state is DoorState.OPEN:
        return HandoverState.AWAITING_CLOSE, "awaiting_close", record.target
    item = status.item_present
    if record.target is Target.RETURN:
        if item is None:
            return HandoverState.STAFF_CHECK, "return_unconfirmed", record.target
        if item:
            return HandoverState.ABANDONED, "return_held", record.target
        return HandoverState.ABANDONED, "nothing_returned", record.target
    if record.kind is Kind.LOADING:
        if state is HandoverState.UNLOCK_SENT:
            if item is False:
                return HandoverState.ABANDONED, "unlocked_not_loaded", record.target
            return HandoverState.STAFF_CHECK, "load_unconfirmed", record.target
        if item is True:
            return HandoverState.LOADED, "loaded_while_down", record.target
        if item is False:
            return HandoverState.LOAD_ABORTED, "closed_empty", record.target
        return HandoverState.STAFF_CHECK, "load_unconfirmed", record.target
    if item is True:
        return HandoverState.NOT_COLLECTED, "not_collected", record.target
    if item is None and state is not HandoverState.ITEM_TAKEN:
        return HandoverState.STAFF_CHECK, "collection_unconfirmed", record.target
    return HandoverState.COLLECTED, "collected_while_down", record.target


def recover(
    journal: HandoverJournal, locker: Locker, slot: IntakeSlot | None, now: datetime
) -> list[Settlement]:
    """Settle every live hand-over into a defined state and report it; fires nothing.

    Raises:
        StoreError: a settlement could not be stored (the rest stay live for the next try).
    """
    live = journal.live()
    if not live:
        return []
    try:
        doors = locker.read_doors()
    except LockerError as exc:
        log.warning("recovery: the locker did not answer (%s); doors count as unknown", exc)
        doors = {}
    slot_present = slot.document_present() if slot is not None else None
    obs = Observation(now, doors, slot_present)
    settlements: list[Settlement] = []
    for record in live:
        if (
            record.state is HandoverState.AWAITING_CLOSE
            and obs.door(record.target_door()).state is DoorState.OPEN
        ):
            settlements.append(_report_still_open(journal, record, obs))
            continue
        to_state, code, _target = settle(record, obs)
        door = record.target_door()
        status = obs.door(door)
        settled = replace(
            record,
            state=to_state,
            state_since=now,
            recovered=True,
            reason=code if to_state.terminal else record.reason,
            opened_at=now if to_state is HandoverState.AWAITING_CLOSE else record.opened_at,
            reminded=False if to_state is HandoverState.AWAITING_CLOSE else record.reminded,
            alarmed=False if to_state is HandoverState.AWAITING_CLOSE else record.alarmed,
        )
        data = {
            "from_state": record.state.value,
            "settlement": code,
            "door": door,
            "door_state": status.state.value if door is not None else "",
            "item": status.item_present if door is not None else obs.slot_present,
        }
        journal.commit(Step("recovered", settled, data))
        log.warning(
            "recovery: hand-over %s (%s, case %s) %s -> %s (%s)",
            record.id,
            record.kind.value,
            record.case_id or "-",
            record.state.value,
            to_state.value,
            code,
        )
        settlements.append(
            Settlement(
                record.id,
                record.kind,
                record.case_id,
                record.state,
                to_state,
                code,
                door,
                status.state.value if door is not None else "",
                status.item_present if door is not None else obs.slot_present,
            )
        )
    return settlements


@dataclass(frozen=True)
class CompartmentCheck:
    """What the sensors said about one compartment when a replaced database re-learned.

    Attributes:
        door: the door.
        verdict: ``empty`` (closed, item sensor says empty: vouched for) or ``unknown``
            (marked: open, unknown, item present or no item sensor).
        door_state: what the door read.
        item: its item sensor (None: none, or it did not say).
    """

    door: int
    verdict: str
    door_state: str
    item: bool | None


def relearn_occupancy(
    journal: HandoverJournal, locker: Locker, now: datetime
) -> list[CompartmentCheck]:
    """A replaced database knows no compartment's content: read the doors and item sensors
    and mark every ``free`` compartment it cannot vouch for as ``unknown``.

    Vouched for (stays ``free``): the door reads closed and the item sensor reads empty.
    Anything else (door open or unknown, an item present, no item sensor, no answer from
    the board) may hold a passport a lost database had recorded: ``unknown`` compartments
    are never chosen for loading or a return and never opened for a pickup, until staff
    check them and clear them (``HandoverService.clear_compartment``, an audited staff
    action). Compartments in any other state (a hand-over or a load since the start) are
    left alone. Fires nothing. One ``handover.occupancy_relearned`` event lists the result.

    Raises:
        StoreError: nothing was marked.
    """
    try:
        doors = locker.read_doors()
    except LockerError as exc:
        log.warning("re-learn: the locker did not answer (%s); every door counts as unknown", exc)
        doors = {}
    at = rfc3339(now)
    checks: list[CompartmentCheck] = []
    with journal.transaction() as tx:
        for compartment in journal.repo.compartments(tx):
            if compartment.state != "free":
                continue
            status = doors.get(compartment.door)
            state = status.state.value if status is not None else DoorState.UNKNOWN.value
            item = status.item_present if status is not None else None
            vouched = (
                status is not None
                and status.state is DoorState.CLOSED
                and status.item_present is False
            )
            if vouched:
                checks.append(CompartmentCheck(compartment.door, "empty", state, item))
            elif journal.repo.mark_unknown_if_free(tx, compartment.door, at):
                checks.append(CompartmentCheck(compartment.door, "unknown", state, item))
        journal.event(
            tx,
            events.HANDOVER_OCCUPANCY_RELEARNED,
            {
                "unknown": [c.door for c in checks if c.verdict == "unknown"],
                "empty": [c.door for c in checks if c.verdict == "empty"],
                "doors": {
                    str(c.door): {"door_state": c.door_state, "item": c.item} for c in checks
                },
            },
            now,
        )
    unknown = [c.door for c in checks if c.verdict == "unknown"]
    if unknown:
        log.warning("re-learn: compartments %s marked unknown until staff check them", unknown)
    return checks


def _report_still_open(
    journal: HandoverJournal, record: HandoverRecord, obs: Observation
) -> Settlement:
    """A hand-over recovered before is still waiting for its door: report it again."""
    door = record.target_door()
    status = obs.door(door)
    with journal.transaction() as tx:
        journal.event(
            tx,
            events.HANDOVER_RECOVERED,
            {
                "handover_id": record.id,
                "kind": record.kind.value,
                "case_id": record.case_id,
                "state": record.state.value,
                "from_state": record.state.value,
                "settlement": "awaiting_close",
                "door": door,
                "door_state": status.state.value,
                "item": status.item_present,
            },
            obs.now,
        )
    return Settlement(
        record.id,
        record.kind,
        record.case_id,
        record.state,
        record.state,
        "awaiting_close",
        door,
        status.state.value,
        status.item_present,
    )

"""Staff loading: a staff member identifies (card or number and PIN), scans or chooses a case,
and the smallest free compartment that fits opens for the document."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.core import events
from kiosk.core.handover.engine import HandoverEngine, usable
from kiosk.core.handover.machine import (
    HandoverRecord,
    HandoverState,
    Kind,
    Observation,
    OutcomeCode,
    Step,
    Target,
    advance,
)
from kiosk.core.handover.outcome import HandoverOutcome, outcome_of
from kiosk.core.handover.pin_budget import PinBudget
from kiosk.core.handover.pins import PinVerifier, PinVerifierError
from kiosk.core.handover.settings import SIZES
from kiosk.core.handover.tokens import HandoverTokenError, read_staff_card
from kiosk.core.trust import TrustList
from kiosk.devices.locker.protocol import DoorState, DoorStatus, LockerError
from kiosk.errors import StoreError
from kiosk.store.handover import CaseRow, CompartmentRow, staff_failure_key
from kiosk.store.outbox import rfc3339
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffSignIn:
    """A staff member's card or number and PIN, checked (nothing started).

    Attributes:
        staff_id: who signed in (the typed or the card's number, also when refused).
        how: ``card`` or ``pin``.
        at: when it was checked.
        refusal: None when signed in; else what the screen shows (``staff_refused``,
            ``staff_pin_paused``, ``clock_unset``, ``store_unavailable``).
    """

    staff_id: str
    how: str
    at: datetime
    refusal: HandoverOutcome | None = None

    @property
    def ok(self) -> bool:
        """True when the staff member is signed in."""
        return self.refusal is None


class StaffLoading:
    """The staff's loading journey.

    Args:
        engine: the hand-over's shared inside.
        staff_keys: the staff cards' key list.
        budget: the staff keypad's budget of wrong PINs (never the citizens').
    """

    def __init__(self, engine: HandoverEngine, staff_keys: TrustList, budget: PinBudget):
        self._engine = engine
        self._keys = staff_keys
        self._budget = budget

    def identify_card(self, text: str) -> HandoverOutcome:
        """A staff card was scanned: start a loading hand-over (``staff_identified``)."""
        check = self.verify_card(text)
        if check.refusal is not None:
            return check.refusal
        return self._start(check.staff_id, check.how, check.at)

    def identify_pin(self, staff_id: str, pin: str) -> HandoverOutcome:
        """A staff member typed their id and PIN: start a loading hand-over (see
        :meth:`verify_pin`)."""
        check = self.verify_pin(staff_id, pin)
        if check.refusal is not None:
            return check.refusal
        return self._start(check.staff_id, check.how, check.at)

    def verify_card(self, text: str) -> StaffSignIn:
        """Check a scanned staff card (key, office, expiry, a trusted clock); starts nothing.

        The photo booth's staff review signs staff in through this too.
        """
        engine = self._engine
        now = engine.clock.now()
        try:
            card = read_staff_card(text, self._keys)
        except HandoverTokenError as exc:
            refusal = engine.refuse(OutcomeCode.STAFF_REFUSED, now, {"detail": exc.reason})
            return StaffSignIn("", "card", now, refusal)
        if not engine.clock_trusted():
            refusal = engine.refuse(OutcomeCode.CLOCK_UNSET, now, {"staff_id": card.staff_id})
            return StaffSignIn(card.staff_id, "card", now, refusal)
        if card.office != engine.settings.office or now >= card.expires:
            refusal = engine.refuse(OutcomeCode.STAFF_REFUSED, now, {"staff_id": card.staff_id})
            return StaffSignIn(card.staff_id, "card", now, refusal)
        return StaffSignIn(card.staff_id, "card", now)

    def verify_pin(self, staff_id: str, pin: str) -> StaffSignIn:
        """Check a staff number and PIN (``[handover] staff_pins``); starts nothing.

        Wrong staff PINs count against the staff keypad's own budget: a spent budget pauses
        the staff keypad only (``staff_pin_paused``), never the citizens' PIN entry. An
        unknown staff id costs the same scrypt as a known one (no timing tells ids apart).
        The photo booth's staff review signs staff in through this too (the same budget).
        """
        engine = self._engine
        now = engine.clock.now()

        def refused(refusal: HandoverOutcome) -> StaffSignIn:
            return StaffSignIn(staff_id, "pin", now, refusal)

        staff_pins = engine.settings.staff_pins
        if not staff_pins:
            return refused(
                engine.refuse(OutcomeCode.STAFF_REFUSED, now, {"detail": "no_staff_pins"})
            )
        verifier = staff_pins.get(staff_id)
        try:
            with engine.lock, engine.journal.transaction() as tx:
                paused = self._budget.spent(tx, now)
            if paused:
                return refused(
                    engine.refuse(OutcomeCode.STAFF_PIN_PAUSED, now, {"staff_id": staff_id})
                )
            # NOTE: an unknown id is checked against a configured verifier and refused anyway.
            reference = verifier or next(iter(staff_pins.values()))
            ok = PinVerifier.parse(reference).matches(pin) and verifier is not None
            if not ok:
                self._pin_failed(staff_id, now)
                log.info("staff sign-in by PIN refused for staff %s", staff_id)
                return refused(HandoverOutcome(OutcomeCode.STAFF_REFUSED))
        except PinVerifierError:
            log.error("staff %s has a malformed PIN verifier in [handover] staff_pins", staff_id)
            data = {"staff_id": staff_id, "detail": "bad_verifier"}
            return refused(engine.refuse(OutcomeCode.STAFF_REFUSED, now, data))
        except StoreError:
            log.exception("staff PIN failure could not be stored")
            return refused(HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE))
        return StaffSignIn(staff_id, "pin", now)

    def _pin_failed(self, staff_id: str, now: datetime) -> None:
        engine = self._engine
        with engine.lock, engine.journal.transaction() as tx:
            engine.repo.add_pin_failure(tx, staff_failure_key(staff_id), rfc3339(now))
            engine.journal.event(
                tx,
                events.HANDOVER_PIN_FAILED,
                {"staff_id": staff_id, "keypad": self._budget.keypad.value},
                now,
            )
            engine.note_budget(tx, now, self._budget)

    def continue_loading(self, handover_id: str) -> HandoverOutcome:
        """Load the next case with the same staff member, without identifying again.

        Allowed within ``staff_session_s`` of the last loading hand-over's end.
        """
        engine = self._engine
        now = engine.clock.now()
        record = engine.journal.get(handover_id)
        if (
            record is None
            or record.kind is not Kind.LOADING
            or not record.state.terminal
            or (now - record.state_since).total_seconds() > engine.settings.staff_session_s
        ):
            return HandoverOutcome(OutcomeCode.STAFF_REFUSED)
        return self._start(record.actor, "session", now)

    def _start(self, staff_id: str, how: str, now: datetime) -> HandoverOutcome:
        engine = self._engine
        record = HandoverRecord(
            id=uuid7(),
            kind=Kind.LOADING,
            case_id="",
            door=None,
            return_door=None,
            return_mode="none",
            state=HandoverState.STAFF_IDENTIFIED,
            target=Target.NONE,
            state_since=now,
            started_at=now,
            actor=staff_id,
        )
        try:
            with engine.lock:
                engine.journal.start(
                    Step("staff_identified", record, {"staff_id": staff_id, "by": how})
                )
        except StoreError:
            log.exception("loading hand-over could not be started")
            return HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE)
        return outcome_of(record, OutcomeCode.STAFF_IDENTIFIED)

    def cases_to_load(self) -> list[CaseRow]:
        """Cases the server assigned that wait for loading (the staff screen lists them)."""
        engine = self._engine
        with engine.journal.db.reading() as conn:
            return engine.repo.cases(conn, "assigned")

    def select_case(self, handover_id: str, case_text: str) -> HandoverOutcome:
        """Staff scanned (or chose) a case: choose a compartment and open it."""
        engine = self._engine
        now = engine.clock.now()
        case_id = "".join(c for c in case_text if c.isprintable()).strip()
        with engine.lock:
            record = engine.journal.get(handover_id)
            if record is None or record.kind is not Kind.LOADING:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state is not HandoverState.STAFF_IDENTIFIED:
                return outcome_of(record)
            try:
                return self._open_for(record, case_id, now)
            except StoreError:
                log.exception("hand-over %s: case %s could not be stored", handover_id, case_id)
                return outcome_of(record, OutcomeCode.STORE_UNAVAILABLE)

    def _open_for(self, record: HandoverRecord, case_id: str, now: datetime) -> HandoverOutcome:
        engine = self._engine
        with engine.journal.db.reading() as conn:
            case = engine.repo.case(conn, case_id)
            compartments = engine.repo.compartments(conn)
        if case is None or case.office != engine.settings.office:
            return outcome_of(record, OutcomeCode.CASE_UNKNOWN, case_id=case_id)
        if case.state != "assigned":
            return outcome_of(record, OutcomeCode.CASE_NOT_LOADABLE, case_id=case_id)
        try:
            doors = engine.read_doors()
        except LockerError:
            return outcome_of(record, OutcomeCode.LOCKER_UNAVAILABLE, case_id=case_id)
        door = choose_compartment(compartments, case.size, doors)
        if door is None:
            unknown = any(
                doors.get(c.door) is None or doors[c.door].state is DoorState.UNKNOWN
                for c in compartments
                if c.role == "case" and c.state == "free"
            )
            code = OutcomeCode.LOCKER_UNAVAILABLE if unknown else OutcomeCode.NO_FREE_COMPARTMENT
            return outcome_of(record, code, case_id=case_id)
        chosen = replace(
            record,
            case_id=case_id,
            door=door,
            state=HandoverState.COMPARTMENT_CHOSEN,
            target=Target.DOOR,
            state_since=now,
        )
        engine.journal.commit(Step("compartment_chosen", chosen, {"door": door, "size": case.size}))
        return engine.run(chosen, advance(chosen, Observation(now), engine.settings), now)


def choose_compartment(
    compartments: list[CompartmentRow], size: str, doors: Mapping[int, DoorStatus]
) -> int | None:
    """The smallest free case compartment that fits, closed and (where sensed) empty."""
    fitting = [
        c
        for c in compartments
        if c.role == "case" and c.state == "free" and SIZES.index(c.size) >= SIZES.index(size)
    ]
    for c in sorted(fitting, key=lambda c: (SIZES.index(c.size), c.door)):
        if usable(doors.get(c.door)):
            return c.door
    return None


__all__ = ["StaffLoading", "StaffSignIn", "choose_compartment"]

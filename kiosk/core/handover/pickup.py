"""Citizen pickup: the pickup QR is verified, the PIN checked against the case's verifier
(a budget of wrong PINs per case and one for the whole keypad), then the compartment opens
(after the old passport's return step when the case has one)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from kiosk.core import events
from kiosk.core.handover.engine import HandoverEngine, usable
from kiosk.core.handover.machine import (
    HandoverRecord,
    HandoverState,
    Kind,
    OutcomeCode,
    Step,
    Target,
    after_pin,
    end,
)
from kiosk.core.handover.outcome import HandoverOutcome, outcome_of
from kiosk.core.handover.pin_budget import PinBudget
from kiosk.core.handover.pins import PinVerifier, PinVerifierError
from kiosk.core.handover.settings import ReturnMode
from kiosk.core.handover.tokens import HandoverTokenError, PickupToken, read_pickup_token
from kiosk.core.trust import TrustList
from kiosk.devices.locker.protocol import DoorState, DoorStatus, LockerError
from kiosk.errors import StoreError
from kiosk.store.handover import CaseRow, CompartmentRow
from kiosk.store.outbox import rfc3339
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

_TOKEN_REFUSALS = {
    "unreadable": OutcomeCode.UNREADABLE,
    "bad_signature": OutcomeCode.BAD_SIGNATURE,
    "unknown_key": OutcomeCode.UNKNOWN_KEY,
}
"""A pickup token's refusal reason -> the screen's code (any other: not a pickup code)."""
_CASE_REFUSALS = {
    "collected": OutcomeCode.ALREADY_COLLECTED,
    "locked": OutcomeCode.CASE_LOCKED,
    "staff_check": OutcomeCode.STAFF_CHECK,
}
"""A case's state that refuses a pickup -> the screen's code."""


class CitizenPickup:
    """The citizens' pickup journey.

    Args:
        engine: the hand-over's shared inside.
        pickup_keys: the pickup notices' key list.
        budget: the citizens' keypad budget of wrong PINs (never spent by staff PINs).
    """

    def __init__(self, engine: HandoverEngine, pickup_keys: TrustList, budget: PinBudget):
        self._engine = engine
        self._keys = pickup_keys
        self._budget = budget

    def scan(self, text: str) -> HandoverOutcome:
        """A pickup QR was scanned: verify it and ask for the PIN (or say why not)."""
        engine = self._engine
        now = engine.clock.now()
        try:
            token = read_pickup_token(text, self._keys)
        except HandoverTokenError as exc:
            code = _TOKEN_REFUSALS.get(exc.reason, OutcomeCode.NOT_A_PICKUP)
            return engine.refuse(code, now, {"detail": str(exc)[:120]})
        try:
            with engine.lock:
                return self._start(token, now)
        except StoreError:
            log.exception("pickup of case %s could not be started", token.case_id)
            return HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE, case_id=token.case_id)

    def _start(self, token: PickupToken, now: datetime) -> HandoverOutcome:
        engine = self._engine
        base = {"case_id": token.case_id, "kid": token.kid}
        if token.office != engine.settings.office:
            return engine.refuse(OutcomeCode.WRONG_OFFICE, now, {**base, "office": token.office})
        if not engine.clock_trusted():
            return engine.refuse(OutcomeCode.CLOCK_UNSET, now, base)
        if now >= token.expires:
            return engine.refuse(OutcomeCode.EXPIRED, now, base)
        if token.not_before is not None and now < token.not_before:
            return engine.refuse(OutcomeCode.NOT_YET_VALID, now, base)
        case = self._case_after_rescan(token.case_id, now)
        if isinstance(case, OutcomeCode):
            return engine.refuse(case, now, base)
        refusal = _CASE_REFUSALS.get(case.state)
        if refusal is not None:
            return engine.refuse(refusal, now, base)
        if case.state != "loaded" or case.door is None or not case.pin_verifier:
            return engine.refuse(OutcomeCode.NOT_READY, now, {**base, "case_state": case.state})
        if self.budget_spent(now):
            return engine.refuse(OutcomeCode.PIN_PAUSED, now, base)
        try:
            doors = engine.read_doors()
        except LockerError as exc:
            return engine.refuse(OutcomeCode.LOCKER_UNAVAILABLE, now, {**base, "detail": str(exc)})
        if doors.get(case.door) is None or doors[case.door].state is DoorState.UNKNOWN:
            return engine.refuse(OutcomeCode.LOCKER_UNAVAILABLE, now, {**base, "door": case.door})
        return_mode, return_door = "none", None
        if case.has_old_passport and not case.returned:
            if engine.settings.return_mode is ReturnMode.PUNCH:
                if engine.slot is None or not engine.slot.health().state.usable:
                    return engine.refuse(OutcomeCode.RETURN_UNAVAILABLE, now, base)
                return_mode = "punch"
            else:
                with engine.journal.db.reading() as conn:
                    compartments = engine.repo.compartments(conn)
                return_door = choose_return(compartments, doors)
                if return_door is None:
                    return engine.refuse(OutcomeCode.RETURN_UNAVAILABLE, now, base)
                return_mode = "hold"
        record = HandoverRecord(
            id=uuid7(),
            kind=Kind.PICKUP,
            case_id=case.case_id,
            door=case.door,
            return_door=return_door,
            return_mode=return_mode,
            state=HandoverState.TOKEN_VERIFIED,
            target=Target.NONE,
            state_since=now,
            started_at=now,
        )
        details = {
            "door": case.door,
            "return_door": return_door,
            "return_mode": return_mode,
            "kid": token.kid,
        }
        engine.journal.start(Step("token_verified", record, details))
        return outcome_of(record)

    def _case_after_rescan(self, case_id: str, now: datetime) -> CaseRow | OutcomeCode:
        """The case; the same person scanning again before the PIN abandons their first try.

        Returns the refusal's code when the case is unknown or another hand-over has it.
        """
        engine = self._engine
        with engine.journal.db.reading() as conn:
            case = engine.repo.case(conn, case_id)
        if case is None:
            return OutcomeCode.CASE_UNKNOWN
        if case.state != "collecting":
            return case
        live = [r for r in engine.journal.live() if r.case_id == case.case_id]
        if live and live[0].state is not HandoverState.TOKEN_VERIFIED:
            return OutcomeCode.BUSY
        for record in live:
            engine.run(record, end(record, now, HandoverState.ABANDONED, "rescanned"), now)
        with engine.journal.db.reading() as conn:
            again = engine.repo.case(conn, case_id)
        assert again is not None
        return again

    def enter_pin(self, handover_id: str, pin: str) -> HandoverOutcome:
        """The citizen typed the PIN: on success the return step or the door opens."""
        engine = self._engine
        now = engine.clock.now()
        with engine.lock:
            record = engine.journal.get(handover_id)
            if record is None or record.kind is not Kind.PICKUP:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state is not HandoverState.TOKEN_VERIFIED:
                return outcome_of(record)
            try:
                return self._check_pin(record, pin, now)
            except StoreError:
                log.exception("hand-over %s: PIN result could not be stored", handover_id)
                return outcome_of(record, OutcomeCode.STORE_UNAVAILABLE)

    def _check_pin(self, record: HandoverRecord, pin: str, now: datetime) -> HandoverOutcome:
        engine = self._engine
        if self.budget_spent(now):
            return outcome_of(record, OutcomeCode.PIN_PAUSED)
        with engine.journal.db.reading() as conn:
            case = engine.repo.case(conn, record.case_id)
        assert case is not None
        try:
            ok = PinVerifier.parse(case.pin_verifier).matches(pin)
        except PinVerifierError:
            log.error("case %s has a malformed PIN verifier", case.case_id)
            engine.run(record, end(record, now, HandoverState.STAFF_CHECK, "bad_verifier"), now)
            return outcome_of(record, OutcomeCode.NOT_READY)
        if not ok:
            return self._pin_failed(record, case, now)
        if case.pin_failures:
            with engine.journal.transaction() as tx:
                engine.repo.update_case(tx, case.case_id, rfc3339(now), pin_failures=0)
        try:
            doors = engine.read_doors()
        except LockerError:
            doors = {}
        needed = list(record.allowed_doors())
        if any(doors.get(d) is None or doors[d].state is DoorState.UNKNOWN for d in needed):
            log.warning("hand-over %s: doors %s unknown after the PIN; refused", record.id, needed)
            return engine.run(
                record, end(record, now, HandoverState.ABANDONED, "locker_unavailable"), now
            )
        return engine.run(record, after_pin(record, now), now)

    def _pin_failed(self, record: HandoverRecord, case: CaseRow, now: datetime) -> HandoverOutcome:
        engine = self._engine
        failures = case.pin_failures + 1
        left = max(0, engine.settings.pin_attempts_per_case - failures)
        at = rfc3339(now)
        with engine.journal.transaction() as tx:
            engine.repo.add_pin_failure(tx, case.case_id, at)
            engine.repo.update_case(tx, case.case_id, at, pin_failures=failures)
            engine.journal.event(
                tx,
                events.HANDOVER_PIN_FAILED,
                {
                    "handover_id": record.id,
                    "case_id": case.case_id,
                    "failures": failures,
                    "attempts_left": left,
                },
                now,
            )
            engine.repo.append_step(
                tx, record.id, "pin_failed", record.state.value, at, {"failures": failures}, None
            )
            engine.note_budget(tx, now, self._budget)
        log.info("hand-over %s: wrong PIN for case %s (%d)", record.id, case.case_id, failures)
        if left == 0:
            # NOTE: the terminal step is the ``handover.case_locked`` event (and a staff alert).
            engine.run(record, end(record, now, HandoverState.CASE_LOCKED, "pin_attempts"), now)
            return outcome_of(record, OutcomeCode.CASE_LOCKED)
        if self.budget_spent(now):
            return outcome_of(record, OutcomeCode.PIN_PAUSED)
        return HandoverOutcome(
            OutcomeCode.PIN_WRONG, record.id, record.state, None, (left,), record.case_id
        )

    def budget_spent(self, now: datetime) -> bool:
        """True while citizens' PIN entry is paused (wrong staff PINs never count here)."""
        engine = self._engine
        with engine.lock, engine.journal.transaction() as tx:
            return self._budget.spent(tx, now)


def choose_return(
    compartments: list[CompartmentRow], doors: Mapping[int, DoorStatus]
) -> int | None:
    """A free return compartment, closed and (where sensed) empty."""
    for c in compartments:
        if c.role == "return" and c.state == "free" and usable(doors.get(c.door)):
            return c.door
    return None


__all__ = ["CitizenPickup", "choose_return"]

"""What every hand-over journey shares: one lock, the journal, the locker, and the way a
transition is committed step by step and then fired (at most once).

:class:`HandoverEngine` is the hand-over's inside: the staff loading (:mod:`.loading`), the
citizen pickup (:mod:`.pickup`) and the staff and server desk (:mod:`.desk`) each hold the
same engine; :class:`~kiosk.core.handover.service.HandoverService` puts them together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime

from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.handover.intake import IntakeSlot
from kiosk.core.handover.journal import HandoverJournal
from kiosk.core.handover.machine import (
    OPEN_DOOR_STATES,
    UNLOCKING_STATES,
    Fire,
    FireAction,
    HandoverRecord,
    Observation,
    OutcomeCode,
    Transition,
    fire_failed,
)
from kiosk.core.handover.outcome import HandoverOutcome, outcome_of
from kiosk.core.handover.pin_budget import PinBudget
from kiosk.core.handover.settings import HandoverSettings
from kiosk.devices.health import HealthBoard
from kiosk.devices.locker.protocol import DoorState, DoorStatus, Locker, LockerError
from kiosk.errors import DeviceError, StoreError
from kiosk.store.database import Transaction

log = logging.getLogger(__name__)

LOCKER = "locker"
"""The health board's device name for the locker."""


class HandoverEngine:
    """The shared inside of the hand-over journeys (thread-safe through :attr:`lock`).

    Args:
        settings: the hand-over settings (``[handover]``).
        journal: the journal on the kiosk database.
        locker: the locker (any driver behind the Locker Protocol).
        clock: the time source.
        slot: the intake slot (``return_mode = "punch"``).
        health: the health board; the locker's health is reported as ``locker``.
        clock_guard: says whether the clock may judge a code's validity (None: it is not
            questioned).
    """

    def __init__(
        self,
        settings: HandoverSettings,
        journal: HandoverJournal,
        locker: Locker,
        clock: Clock,
        *,
        slot: IntakeSlot | None = None,
        health: HealthBoard | None = None,
        clock_guard: ClockGuard | None = None,
    ):
        self.settings = settings
        self.journal = journal
        self.repo = journal.repo
        self.locker = locker
        self.clock = clock
        self.slot = slot
        self.lock = threading.RLock()
        """Serialises every call (the board is one RS-485 line anyway)."""
        self._health = health
        self._clock_guard = clock_guard
        if health is not None:
            health.register(LOCKER)

    def clock_trusted(self) -> bool:
        """True when the clock may judge a code's validity (see ``kiosk.core.clock_guard``)."""
        if self._clock_guard is None:
            return True
        verdict = self._clock_guard.check()
        if not verdict.trusted:
            log.warning("code not judged: the clock cannot be trusted (%s)", verdict.health.reason)
        return verdict.trusted

    def read_doors(self) -> dict[int, DoorStatus]:
        """Every door's sensors.

        Raises:
            LockerError: the locker cannot be read (its health is reported first).
        """
        try:
            return dict(self.locker.read_doors())
        except LockerError as exc:
            self.report_locker(exc)
            raise

    def observe(self) -> Observation:
        """Read the doors (none when the locker cannot be read) and the intake slot."""
        now = self.clock.now()
        try:
            doors = self.locker.read_doors()
            if self._health is not None:
                self._health.report(LOCKER, self.locker.health())
        except LockerError as exc:
            self.report_locker(exc)
            doors = {}
        slot_present = None
        if self.slot is not None:
            slot_present = self.slot.document_present()
        return Observation(now, doors, slot_present)

    def run(self, record: HandoverRecord, transition: Transition, now: datetime) -> HandoverOutcome:
        """Commit every step, then fire (at most once); a failed fire is journalled too.

        Raises:
            StoreError: a step could not be stored; nothing after it happened.
        """
        current = record
        for step in transition.steps:
            self.journal.commit(step)
            current = step.record
        code = transition.code
        if transition.fire is not None:
            failure = self._fire(current, transition.fire)
            if failure is not None:
                failed = fire_failed(current, now, failure)
                for step in failed.steps:
                    self.journal.commit(step)
                    current = step.record
                code = failed.code
        return outcome_of(current, code)

    def _fire(self, record: HandoverRecord, fire: Fire) -> str | None:
        """Drive one actuator; returns the failure reason, or None when it was done."""
        try:
            if fire.action is FireAction.UNLOCK:
                if fire.door is None or fire.door not in record.allowed_doors():
                    # NOTE: the machine never asks this; refuse rather than open a wrong door.
                    log.error("hand-over %s: refused to unlock door %s", record.id, fire.door)
                    return "wrong_door_refused"
                self.locker.unlock(fire.door)
            elif self.slot is None:
                return "no_slot"
            elif fire.action is FireAction.SLOT_OPEN:
                self.slot.open()
            else:
                self.slot.punch()
        except LockerError as exc:
            log.warning("hand-over %s: %s failed: %s", record.id, fire.action, exc)
            self.report_locker(exc)
            return exc.health.reason or "locker_error"
        except DeviceError as exc:
            log.warning("hand-over %s: %s failed: %s", record.id, fire.action, exc)
            return "device_error"
        return None

    def report_locker(self, exc: LockerError) -> None:
        """Put the locker's failure on the health board."""
        if self._health is not None:
            self._health.report(LOCKER, exc.health)

    def watch_doors(self, obs: Observation) -> None:
        """Raise ``handover.door_forced`` for a door that opened without an unlock."""
        expected = set()
        for record in self.journal.live():
            door = record.target_door()
            if door is not None and (
                record.state in UNLOCKING_STATES or record.state in OPEN_DOOR_STATES
            ):
                expected.add(door)
        with self.journal.db.reading() as conn:
            compartments = self.repo.compartments(conn)
        for compartment in compartments:
            status = obs.door(compartment.door)
            if status.state is DoorState.UNKNOWN:
                continue
            seen = status.state.value
            if seen == compartment.door_seen:
                continue
            with self.journal.transaction() as tx:
                self.repo.set_door_seen(tx, compartment.door, seen)
                if status.state is DoorState.OPEN and compartment.door not in expected:
                    log.error("door %d opened without a command (tamper)", compartment.door)
                    self.journal.event(
                        tx,
                        events.HANDOVER_DOOR_FORCED,
                        {
                            "door": compartment.door,
                            "compartment_state": compartment.state,
                            "case_id": compartment.case_id,
                            "was": compartment.door_seen,
                        },
                        obs.now,
                    )

    def refuse(
        self, code: OutcomeCode, now: datetime, data: Mapping[str, object]
    ) -> HandoverOutcome:
        """A refusal before any hand-over began: its ``handover.refused`` event and outcome."""
        log.info("hand-over refused: %s %s", code.value, data)
        try:
            with self.journal.transaction() as tx:
                self.journal.event(tx, events.HANDOVER_REFUSED, {"reason": code.value, **data}, now)
        except StoreError:
            # NOTE: the refusal on screen is true either way; only its event is lost.
            log.exception("could not store the handover.refused event (%s)", code.value)
        case_id = data.get("case_id")
        return HandoverOutcome(code, case_id=case_id if isinstance(case_id, str) else "")

    def note_budget(self, tx: Transaction, now: datetime, budget: PinBudget) -> None:
        """After a wrong PIN: the ``handover.pin_budget_exhausted`` event once it is spent."""
        failures = budget.failures(tx, now)
        if failures == budget.budget:
            log.warning(
                "%s PIN failure budget spent: %d wrong PINs in the window",
                budget.keypad.value,
                failures,
            )
            self.journal.event(
                tx,
                events.HANDOVER_PIN_BUDGET_EXHAUSTED,
                {"failures": failures, "window_s": budget.window_s, "keypad": budget.keypad.value},
                now,
            )


def usable(status: DoorStatus | None) -> bool:
    """A compartment that may be chosen: closed and (where sensed) empty."""
    return (
        status is not None and status.state is DoorState.CLOSED and status.item_present is not True
    )


__all__ = ["LOCKER", "HandoverEngine", "usable"]

"""The hand-over service: staff loading and citizen pickup on a locker (the app's API).

The UI calls the journey methods (:meth:`HandoverService.scan_pickup`,
:meth:`~HandoverService.enter_pin`, :meth:`~HandoverService.identify_staff_card`,
:meth:`~HandoverService.select_case`) and, while a hand-over is on screen, :meth:`poll`
(about every 250 ms; an idle kiosk calls :meth:`watch` about once a second for the tamper
watch and door alarms). Every call returns a :class:`HandoverOutcome`: a stable code, the
ja/en message ids of its screen, and the door to name. Nothing here raises for a person's
mistake or a device fault; both are outcomes.

The work is done by the parts this service puts together on one
:class:`~kiosk.core.handover.engine.HandoverEngine` (the lock, the journal, the locker, how a
transition is committed and fired): :class:`~kiosk.core.handover.loading.StaffLoading`,
:class:`~kiosk.core.handover.pickup.CitizenPickup` and
:class:`~kiosk.core.handover.desk.HandoverDesk` (cases, compartments, maintenance).

Thread-safe: one lock serialises every call (the board is one RS-485 line anyway).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.core.clock import Clock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.handover.desk import HandoverDesk
from kiosk.core.handover.engine import LOCKER, HandoverEngine
from kiosk.core.handover.intake import IntakeSlot
from kiosk.core.handover.journal import HandoverJournal, StepListener
from kiosk.core.handover.loading import StaffLoading, StaffSignIn
from kiosk.core.handover.machine import (
    HandoverRecord,
    HandoverState,
    OutcomeCode,
    advance,
    end,
)
from kiosk.core.handover.outcome import (
    HandoverOutcome,
    MaintenanceOpen,
    StaffLists,
    outcome_of,
)
from kiosk.core.handover.pickup import CitizenPickup
from kiosk.core.handover.pin_budget import PinBudget, PinKeypad
from kiosk.core.handover.pins import PinVerifier, PinVerifierError
from kiosk.core.handover.recovery import (
    CompartmentCheck,
    Settlement,
    recover,
    relearn_occupancy,
)
from kiosk.core.handover.settings import HandoverSettings
from kiosk.core.handover.tokens import HandoverTrust
from kiosk.devices.health import HealthBoard
from kiosk.devices.locker.protocol import Locker
from kiosk.errors import StoreError
from kiosk.store.handover import CaseRow, CompartmentRow

log = logging.getLogger(__name__)


class HandoverService:
    """Passport hand-over through the locker, journalled step by step (DESIGN §1, §4, §6).

    Args:
        settings: the hand-over settings (``[handover]``).
        journal: the journal on the kiosk database.
        locker: the locker (any driver behind the Locker Protocol).
        trust: the pickup and staff-card key lists (one purpose each).
        clock: the time source.
        slot: the intake slot (``return_mode = "punch"``).
        health: the health board; the locker's health is reported as ``locker``.
        monotonic: the monotonic clock of the PIN pauses' upper bound (tests pass their own).
        clock_guard: says whether the clock may judge a pickup code's or staff card's
            validity; while it may not, both are refused (``clock_unset``). None: the clock
            is not questioned (tests of the journeys alone).
    """

    def __init__(
        self,
        settings: HandoverSettings,
        journal: HandoverJournal,
        locker: Locker,
        trust: HandoverTrust,
        clock: Clock,
        *,
        slot: IntakeSlot | None = None,
        health: HealthBoard | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        clock_guard: ClockGuard | None = None,
    ):
        self.settings = settings
        self.journal = journal
        self._engine = engine = HandoverEngine(
            settings, journal, locker, clock, slot=slot, health=health, clock_guard=clock_guard
        )
        citizen_budget = PinBudget(
            PinKeypad.CITIZEN,
            settings.pin_budget,
            settings.pin_budget_window_s,
            monotonic=monotonic,
        )
        staff_budget = PinBudget(
            PinKeypad.STAFF,
            settings.staff_pin_budget,
            settings.staff_pin_budget_window_s,
            monotonic=monotonic,
        )
        self.loading = StaffLoading(engine, trust.staff, staff_budget)
        """The staff's loading journey."""
        self.pickup = CitizenPickup(engine, trust.pickup, citizen_budget)
        """The citizens' pickup journey."""
        self.desk = HandoverDesk(engine)
        """Cases, compartments and maintenance opens."""
        self._warn_weak_staff_verifiers()
        self.desk.sync_compartments()

    def _warn_weak_staff_verifiers(self) -> None:
        for staff_id, verifier in sorted(self.settings.staff_pins.items()):
            try:
                weak = PinVerifier.parse(verifier).weaker_than_default
            except PinVerifierError:
                log.error("staff %s: malformed PIN verifier in [handover] staff_pins", staff_id)
                continue
            if weak:
                log.warning(
                    "staff %s: the PIN verifier is cheaper to guess than the default; "
                    "make a new one with `kiosk pin-verifier`",
                    staff_id,
                )

    def add_step_listener(self, listener: StepListener) -> None:
        """Call ``listener(step)`` after each committed journal step."""
        self.journal.add_listener(listener)

    # -- the server's side --------------------------------------------------------------------

    def assign_case(
        self, case_id: str, size: str, *, has_old_passport: bool, pin_verifier: str = ""
    ) -> bool:
        """The server assigned a case to this kiosk (or changed it before it was loaded).

        An assignment changes a case only while it waits to be loaded (``assigned``). A case
        being loaded, in a compartment, being collected or ended is never changed: a new PIN
        verifier for a loaded case would let whoever holds its PIN open the compartment. To
        change one, the server cancels it first (``handover.cancel``, an audited event) and
        staff take the document out. The same assignment of an ``assigned`` case again is
        idempotent (True, nothing written).

        Returns False when the assignment was refused; the caller reports that to the server.

        Raises:
            PinVerifierError: a malformed verifier.
            ValueError: an unknown size.
            StoreError: nothing was stored.
        """
        return self.desk.assign_case(
            case_id, size, has_old_passport=has_old_passport, pin_verifier=pin_verifier
        )

    def cancel_case(self, case_id: str) -> bool:
        """The server cancelled a case: it can no longer be loaded or collected.

        A document already in a compartment stays there for staff to remove. Returns False
        for an unknown case or one in a hand-over right now.

        Raises:
            StoreError: nothing was stored.
        """
        return self.desk.cancel_case(case_id)

    # -- staff loading ------------------------------------------------------------------------

    def identify_staff_card(self, text: str) -> HandoverOutcome:
        """A staff card was scanned: start a loading hand-over (``staff_identified``)."""
        return self.loading.identify_card(text)

    def identify_staff_pin(self, staff_id: str, pin: str) -> HandoverOutcome:
        """A staff member typed their id and PIN (``[handover] staff_pins``).

        Wrong staff PINs count against the staff keypad's own budget: a spent budget pauses
        the staff keypad only (``staff_pin_paused``), never the citizens' PIN entry. An
        unknown staff id costs the same scrypt as a known one (no timing tells ids apart).
        """
        return self.loading.identify_pin(staff_id, pin)

    def verify_staff_card(self, text: str) -> StaffSignIn:
        """Check a staff card without starting a hand-over (the photo booth's staff review)."""
        return self.loading.verify_card(text)

    def verify_staff_pin(self, staff_id: str, pin: str) -> StaffSignIn:
        """Check a staff number and PIN without starting a hand-over (the photo booth's staff
        review); wrong PINs count against the staff keypad's budget all the same."""
        return self.loading.verify_pin(staff_id, pin)

    @property
    def accepts_staff_pins(self) -> bool:
        """True when staff may sign in by number and PIN (``[handover] staff_pins``), not
        only with their card (the photo booth's staff keypad shows only then)."""
        return bool(self.settings.staff_pins)

    def continue_loading(self, handover_id: str) -> HandoverOutcome:
        """Load the next case with the same staff member, without identifying again.

        Allowed within ``staff_session_s`` of the last loading hand-over's end.
        """
        return self.loading.continue_loading(handover_id)

    def cases_to_load(self) -> list[CaseRow]:
        """Cases the server assigned that wait for loading (the staff screen lists them)."""
        return self.loading.cases_to_load()

    def select_case(self, handover_id: str, case_text: str) -> HandoverOutcome:
        """Staff scanned (or chose) a case: choose a compartment and open it."""
        return self.loading.select_case(handover_id, case_text)

    # -- citizen pickup -----------------------------------------------------------------------

    def scan_pickup(self, text: str) -> HandoverOutcome:
        """A pickup QR was scanned: verify it and ask for the PIN (or say why not)."""
        return self.pickup.scan(text)

    def enter_pin(self, handover_id: str, pin: str) -> HandoverOutcome:
        """The citizen typed the PIN: on success the return step or the door opens."""
        return self.pickup.enter_pin(handover_id, pin)

    # -- both journeys ------------------------------------------------------------------------

    def cancel(self, handover_id: str) -> HandoverOutcome:
        """The person pressed cancel: allowed before anything was unlocked."""
        engine = self._engine
        now = engine.clock.now()
        with engine.lock:
            record = self.journal.get(handover_id)
            if record is None:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state not in (HandoverState.STAFF_IDENTIFIED, HandoverState.TOKEN_VERIFIED):
                return outcome_of(record)
            try:
                return engine.run(
                    record, end(record, now, HandoverState.ABANDONED, "cancelled"), now
                )
            except StoreError:
                return outcome_of(record, OutcomeCode.STORE_UNAVAILABLE)

    def poll(self, handover_id: str) -> HandoverOutcome:
        """Read the sensors and move every live hand-over on; the outcome of ``handover_id``."""
        outcomes = self.watch()
        if handover_id in outcomes:
            return outcomes[handover_id]
        record = self.journal.get(handover_id)
        return HandoverOutcome(OutcomeCode.NO_HANDOVER) if record is None else outcome_of(record)

    def watch(self) -> dict[str, HandoverOutcome]:
        """Read the sensors once, move every live hand-over on, watch for forced doors.

        Returns the outcome of every hand-over that was live, by id.
        """
        engine = self._engine
        with engine.lock:
            obs = engine.observe()
            outcomes: dict[str, HandoverOutcome] = {}
            try:
                for record in self.journal.live():
                    outcomes[record.id] = engine.run(
                        record, advance(record, obs, self.settings), obs.now
                    )
                engine.watch_doors(obs)
            except StoreError:
                log.exception("hand-over step could not be stored")
                for record in self.journal.live():
                    outcomes[record.id] = outcome_of(record, OutcomeCode.STORE_UNAVAILABLE)
            return outcomes

    def recover(self) -> list[Settlement]:
        """Settle every hand-over a restart interrupted; never fires a relay (call at start)."""
        engine = self._engine
        with engine.lock:
            settlements = recover(self.journal, engine.locker, engine.slot, engine.clock.now())
            engine.watch_doors(engine.observe())
            return settlements

    def relearn_occupancy(self) -> list[CompartmentCheck]:
        """A replaced database: mark the compartments it cannot vouch for ``unknown``
        (reads the sensors; fires nothing; see ``recovery.relearn_occupancy``)."""
        engine = self._engine
        with engine.lock:
            return relearn_occupancy(self.journal, engine.locker, engine.clock.now())

    # -- what staff and the diagnostics read and do -------------------------------------------

    def handover(self, handover_id: str) -> HandoverRecord | None:
        """A hand-over as journalled."""
        return self.journal.get(handover_id)

    def compartments(self) -> list[CompartmentRow]:
        """Every compartment and what it holds (staff and diagnostics screens)."""
        return self.desk.compartments()

    def case(self, case_id: str) -> CaseRow | None:
        """One case."""
        return self.desk.case(case_id)

    def returned_passports(self) -> list[CaseRow]:
        """Cases whose old passport came back and waits for staff review."""
        return self.desk.returned_passports()

    def staff_lists(self) -> StaffLists:
        """The staff screens' two lists (cases to load, returned passports), as core types."""
        return self.desk.staff_lists()

    def mark_return_reviewed(self, case_id: str, staff_id: str) -> bool:
        """Staff took the old passport of ``case_id`` out and cancelled it.

        Frees its return compartment. Returns False when there is nothing to review.

        Raises:
            StoreError: nothing was stored.
        """
        return self.desk.mark_return_reviewed(case_id, staff_id)

    def open_for_maintenance(self, door: int, fire: Callable[[], str]) -> MaintenanceOpen:
        """Fire ``door`` for a remote maintenance open, unless it may hold a document.

        Refused (nothing fired) while a hand-over uses the door, when its compartment has a
        case whatever the compartment's state (loaded, reserved, returned, or a fault whose
        document may still be inside), when a case names the door, when the compartment is
        neither free nor an empty fault, and when the sensors cannot vouch that it is empty
        (door state unknown, or the item sensor sees something). Checked and fired under the
        service lock: no hand-over can choose the door in between.

        Args:
            door: the door number.
            fire: fires the door once (audited by the caller) and returns its line.

        Raises:
            StoreError: the state could not be read (nothing fired).
        """
        return self.desk.open_for_maintenance(door, fire)

    def clear_compartment(self, door: int, staff_id: str) -> bool:
        """Staff emptied and checked a compartment (after a staff check, a fault, a cancel).

        The compartment becomes free; a case whose document staff took out is ``withdrawn``
        (handed over at the counter or returned to the office). Refused (False) while a
        hand-over is using the door.

        Raises:
            StoreError: nothing was stored.
        """
        return self.desk.clear_compartment(door, staff_id)


__all__ = ["LOCKER", "HandoverOutcome", "HandoverService", "MaintenanceOpen", "StaffLists"]

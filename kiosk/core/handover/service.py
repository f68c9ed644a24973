"""The hand-over service: staff loading and citizen pickup on a locker (the app's API).

The UI calls the journey methods (:meth:`HandoverService.scan_pickup`,
:meth:`~HandoverService.enter_pin`, :meth:`~HandoverService.identify_staff_card`,
:meth:`~HandoverService.select_case`) and, while a hand-over is on screen, :meth:`poll`
(about every 250 ms; an idle kiosk calls :meth:`watch` about once a second for the tamper
watch and door alarms). Every call returns a :class:`HandoverOutcome`: a stable code, the
ja/en message ids of its screen, and the door to name. Nothing here raises for a person's
mistake or a device fault; both are outcomes.

Thread-safe: one lock serialises every call (the board is one RS-485 line anyway).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.handover.intake import IntakeSlot
from kiosk.core.handover.journal import HandoverJournal, StepListener
from kiosk.core.handover.machine import (
    OPEN_DOOR_STATES,
    UNLOCKING_STATES,
    Fire,
    FireAction,
    HandoverRecord,
    HandoverState,
    Kind,
    Observation,
    OutcomeCode,
    Step,
    Target,
    Transition,
    advance,
    after_pin,
    end,
    fire_failed,
    outcome_for,
)
from kiosk.core.handover.pin_budget import PinBudget, PinKeypad
from kiosk.core.handover.pins import PinVerifier, PinVerifierError
from kiosk.core.handover.recovery import (
    CompartmentCheck,
    Settlement,
    recover,
    relearn_occupancy,
)
from kiosk.core.handover.settings import SIZES, HandoverSettings, ReturnMode
from kiosk.core.handover.tokens import (
    HandoverTokenError,
    HandoverTrust,
    PickupToken,
    read_pickup_token,
    read_staff_card,
)
from kiosk.devices.health import HealthBoard
from kiosk.devices.locker.protocol import DoorState, DoorStatus, Locker, LockerError
from kiosk.errors import DeviceError, StoreError
from kiosk.store.database import Transaction
from kiosk.store.handover import CaseRow, CompartmentRow, staff_failure_key
from kiosk.store.outbox import rfc3339
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

LOCKER = "locker"
"""The health board's device name for the locker."""


@dataclass(frozen=True)
class HandoverOutcome:
    """What the screen shows after a call.

    Attributes:
        code: the outcome code; ``code.title_id`` / ``code.body_id`` are the message ids.
        handover_id: the hand-over it belongs to (empty for a refusal before one began).
        state: the hand-over's state after the call.
        door: the door the screen names (to open, to close), when there is one.
        args: the values for the texts' ``%1``…: the door, or the PIN attempts left.
        case_id: the case, when known.
    """

    code: OutcomeCode
    handover_id: str = ""
    state: HandoverState | None = None
    door: int | None = None
    args: tuple[int | str, ...] = ()
    case_id: str = ""

    @property
    def title_id(self) -> str:
        """Message id of the screen title."""
        return self.code.title_id

    @property
    def body_id(self) -> str:
        """Message id of the screen body."""
        return self.code.body_id


@dataclass(frozen=True)
class MaintenanceOpen:
    """What :meth:`HandoverService.open_for_maintenance` did.

    Attributes:
        opened: the door was fired.
        reason: why not (``door_in_use``, ``door_has_case``, ``door_not_free``,
            ``content_unknown``, ``item_present``); empty when fired.
        detail: a line for the log and the command result (the fire's own line when fired).
    """

    opened: bool
    reason: str
    detail: str


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
        self._clock_guard = clock_guard
        self.journal = journal
        self._locker = locker
        self._trust = trust
        self._clock = clock
        self._slot = slot
        self._health = health
        self._lock = threading.RLock()
        self._repo = journal.repo
        self._citizen_budget = PinBudget(
            PinKeypad.CITIZEN,
            settings.pin_budget,
            settings.pin_budget_window_s,
            monotonic=monotonic,
        )
        self._staff_budget = PinBudget(
            PinKeypad.STAFF,
            settings.staff_pin_budget,
            settings.staff_pin_budget_window_s,
            monotonic=monotonic,
        )
        if health is not None:
            health.register(LOCKER)
        self._warn_weak_staff_verifiers()
        self._sync_compartments()

    # -- setup and the server's side ----------------------------------------------------------

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

    def _sync_compartments(self) -> None:
        at = rfc3339(self._clock.now())
        try:
            with self.journal.transaction() as tx:
                for door, size in sorted(self.settings.compartments.items()):
                    self._repo.ensure_compartment(tx, door, size, "case", at)
                for door in self.settings.return_doors:
                    self._repo.ensure_compartment(tx, door, "M", "return", at)
        except StoreError:
            log.exception("compartments could not be stored; hand-overs will be refused")

    def add_step_listener(self, listener: StepListener) -> None:
        """Call ``listener(step)`` after each committed journal step."""
        self.journal.add_listener(listener)

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
        if size not in SIZES:
            raise ValueError(f"case {case_id}: size {size!r} not one of {SIZES}")
        if pin_verifier:
            PinVerifier.parse(pin_verifier)
        now = self._clock.now()
        at = rfc3339(now)
        with self._lock, self.journal.transaction() as tx:
            existing = self._repo.case(tx, case_id)
            if existing is not None and existing.state != "assigned":
                log.warning(
                    "assignment of case %s refused: it is %s (door %s); cancel it first",
                    case_id,
                    existing.state,
                    existing.door,
                )
                return False
            if existing is not None and (
                existing.size,
                existing.has_old_passport,
                existing.pin_verifier,
            ) == (size, has_old_passport, pin_verifier):
                return True  # the same assignment again: nothing changes
            self._repo.upsert_case(
                tx,
                CaseRow(
                    case_id=case_id,
                    office=self.settings.office,
                    size=size,
                    has_old_passport=has_old_passport,
                    pin_verifier=pin_verifier,
                    state="assigned",
                    door=None,
                    pin_failures=0,
                    returned="",
                    return_reviewed=False,
                    assigned_at=at,
                    updated_at=at,
                ),
            )
            self.journal.event(
                tx,
                events.HANDOVER_CASE_ASSIGNED,
                {"case_id": case_id, "size": size, "has_old_passport": has_old_passport},
                now,
            )
        return True

    def cancel_case(self, case_id: str) -> bool:
        """The server cancelled a case: it can no longer be loaded or collected.

        A document already in a compartment stays there for staff to remove. Returns False
        for an unknown case or one in a hand-over right now.

        Raises:
            StoreError: nothing was stored.
        """
        now = self._clock.now()
        with self._lock, self.journal.transaction() as tx:
            case = self._repo.case(tx, case_id)
            if case is None or case.state in ("loading", "collecting", "collected"):
                return False
            self._repo.update_case(tx, case_id, rfc3339(now), state="cancelled")
            self.journal.event(
                tx, events.HANDOVER_CASE_CANCELLED, {"case_id": case_id, "door": case.door}, now
            )
        return True

    # -- staff loading ------------------------------------------------------------------------

    def _clock_trusted(self) -> bool:
        """True when the clock may judge a code's validity (see ``kiosk.core.clock_guard``)."""
        if self._clock_guard is None:
            return True
        verdict = self._clock_guard.check()
        if not verdict.trusted:
            log.warning("code not judged: the clock cannot be trusted (%s)", verdict.health.reason)
        return verdict.trusted

    def identify_staff_card(self, text: str) -> HandoverOutcome:
        """A staff card was scanned: start a loading hand-over (``staff_identified``)."""
        now = self._clock.now()
        try:
            card = read_staff_card(text, self._trust.staff)
        except HandoverTokenError as exc:
            return self._refuse(OutcomeCode.STAFF_REFUSED, now, {"detail": exc.reason})
        if not self._clock_trusted():
            return self._refuse(OutcomeCode.CLOCK_UNSET, now, {"staff_id": card.staff_id})
        if card.office != self.settings.office or now >= card.expires:
            return self._refuse(OutcomeCode.STAFF_REFUSED, now, {"staff_id": card.staff_id})
        return self._start_loading(card.staff_id, "card", now)

    def identify_staff_pin(self, staff_id: str, pin: str) -> HandoverOutcome:
        """A staff member typed their id and PIN (``[handover] staff_pins``).

        Wrong staff PINs count against the staff keypad's own budget: a spent budget pauses
        the staff keypad only (``staff_pin_paused``), never the citizens' PIN entry. An
        unknown staff id costs the same scrypt as a known one (no timing tells ids apart).
        """
        now = self._clock.now()
        if not self.settings.staff_pins:
            return self._refuse(OutcomeCode.STAFF_REFUSED, now, {"detail": "no_staff_pins"})
        verifier = self.settings.staff_pins.get(staff_id)
        try:
            with self._lock, self.journal.transaction() as tx:
                paused = self._staff_budget.spent(tx, now)
            if paused:
                return self._refuse(OutcomeCode.STAFF_PIN_PAUSED, now, {"staff_id": staff_id})
            # NOTE: an unknown id is checked against a configured verifier and refused anyway.
            reference = verifier or next(iter(self.settings.staff_pins.values()))
            ok = PinVerifier.parse(reference).matches(pin) and verifier is not None
            if not ok:
                with self._lock, self.journal.transaction() as tx:
                    self._repo.add_pin_failure(tx, staff_failure_key(staff_id), rfc3339(now))
                    self.journal.event(
                        tx,
                        events.HANDOVER_PIN_FAILED,
                        {"staff_id": staff_id, "keypad": PinKeypad.STAFF.value},
                        now,
                    )
                    self._check_budget(tx, now, self._staff_budget)
                log.info("staff sign-in by PIN refused for staff %s", staff_id)
                return HandoverOutcome(OutcomeCode.STAFF_REFUSED)
        except PinVerifierError:
            log.error("staff %s has a malformed PIN verifier in [handover] staff_pins", staff_id)
            return self._refuse(
                OutcomeCode.STAFF_REFUSED, now, {"staff_id": staff_id, "detail": "bad_verifier"}
            )
        except StoreError:
            log.exception("staff PIN failure could not be stored")
            return HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE)
        return self._start_loading(staff_id, "pin", now)

    def continue_loading(self, handover_id: str) -> HandoverOutcome:
        """Load the next case with the same staff member, without identifying again.

        Allowed within ``staff_session_s`` of the last loading hand-over's end.
        """
        now = self._clock.now()
        record = self.journal.get(handover_id)
        if (
            record is None
            or record.kind is not Kind.LOADING
            or not record.state.terminal
            or (now - record.state_since).total_seconds() > self.settings.staff_session_s
        ):
            return HandoverOutcome(OutcomeCode.STAFF_REFUSED)
        return self._start_loading(record.actor, "session", now)

    def _start_loading(self, staff_id: str, how: str, now: datetime) -> HandoverOutcome:
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
            with self._lock:
                self.journal.start(
                    Step("staff_identified", record, {"staff_id": staff_id, "by": how})
                )
        except StoreError:
            log.exception("loading hand-over could not be started")
            return HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE)
        return self._outcome(record, OutcomeCode.STAFF_IDENTIFIED)

    def cases_to_load(self) -> list[CaseRow]:
        """Cases the server assigned that wait for loading (the staff screen lists them)."""
        with self.journal.db.reading() as conn:
            return self._repo.cases(conn, "assigned")

    def select_case(self, handover_id: str, case_text: str) -> HandoverOutcome:
        """Staff scanned (or chose) a case: choose a compartment and open it."""
        now = self._clock.now()
        case_id = "".join(c for c in case_text if c.isprintable()).strip()
        with self._lock:
            record = self.journal.get(handover_id)
            if record is None or record.kind is not Kind.LOADING:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state is not HandoverState.STAFF_IDENTIFIED:
                return self._outcome(record)
            try:
                with self.journal.db.reading() as conn:
                    case = self._repo.case(conn, case_id)
                    compartments = self._repo.compartments(conn)
                if case is None or case.office != self.settings.office:
                    return self._outcome(record, OutcomeCode.CASE_UNKNOWN, case_id=case_id)
                if case.state != "assigned":
                    return self._outcome(record, OutcomeCode.CASE_NOT_LOADABLE, case_id=case_id)
                try:
                    doors = self._locker.read_doors()
                except LockerError as exc:
                    self._report_locker(exc)
                    return self._outcome(record, OutcomeCode.LOCKER_UNAVAILABLE, case_id=case_id)
                door = _choose_compartment(compartments, case.size, doors)
                if door is None:
                    unknown = any(
                        doors.get(c.door) is None or doors[c.door].state is DoorState.UNKNOWN
                        for c in compartments
                        if c.role == "case" and c.state == "free"
                    )
                    code = (
                        OutcomeCode.LOCKER_UNAVAILABLE
                        if unknown
                        else OutcomeCode.NO_FREE_COMPARTMENT
                    )
                    return self._outcome(record, code, case_id=case_id)
                chosen = replace(
                    record,
                    case_id=case_id,
                    door=door,
                    state=HandoverState.COMPARTMENT_CHOSEN,
                    target=Target.DOOR,
                    state_since=now,
                )
                self.journal.commit(
                    Step("compartment_chosen", chosen, {"door": door, "size": case.size})
                )
                return self._run(chosen, advance(chosen, Observation(now), self.settings), now)
            except StoreError:
                log.exception("hand-over %s: case %s could not be stored", handover_id, case_id)
                return self._outcome(record, OutcomeCode.STORE_UNAVAILABLE)

    # -- citizen pickup -----------------------------------------------------------------------

    def scan_pickup(self, text: str) -> HandoverOutcome:
        """A pickup QR was scanned: verify it and ask for the PIN (or say why not)."""
        now = self._clock.now()
        try:
            token = read_pickup_token(text, self._trust.pickup)
        except HandoverTokenError as exc:
            code = {
                "unreadable": OutcomeCode.UNREADABLE,
                "bad_signature": OutcomeCode.BAD_SIGNATURE,
                "unknown_key": OutcomeCode.UNKNOWN_KEY,
            }.get(exc.reason, OutcomeCode.NOT_A_PICKUP)
            return self._refuse(code, now, {"detail": str(exc)[:120]})
        try:
            with self._lock:
                return self._start_pickup(token, now)
        except StoreError:
            log.exception("pickup of case %s could not be started", token.case_id)
            return HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE, case_id=token.case_id)

    def _start_pickup(self, token: PickupToken, now: datetime) -> HandoverOutcome:
        base = {"case_id": token.case_id, "kid": token.kid}
        if token.office != self.settings.office:
            return self._refuse(OutcomeCode.WRONG_OFFICE, now, {**base, "office": token.office})
        if not self._clock_trusted():
            return self._refuse(OutcomeCode.CLOCK_UNSET, now, base)
        if now >= token.expires:
            return self._refuse(OutcomeCode.EXPIRED, now, base)
        if token.not_before is not None and now < token.not_before:
            return self._refuse(OutcomeCode.NOT_YET_VALID, now, base)
        with self.journal.db.reading() as conn:
            case = self._repo.case(conn, token.case_id)
        if case is None:
            return self._refuse(OutcomeCode.CASE_UNKNOWN, now, base)
        if case.state == "collecting":
            live = [r for r in self.journal.live() if r.case_id == case.case_id]
            if live and live[0].state is not HandoverState.TOKEN_VERIFIED:
                return self._refuse(OutcomeCode.BUSY, now, base)
            for record in live:  # the same person scanning again before the PIN
                self._run(record, end(record, now, HandoverState.ABANDONED, "rescanned"), now)
            with self.journal.db.reading() as conn:
                case = self._repo.case(conn, token.case_id)
            assert case is not None
        refusal = {
            "collected": OutcomeCode.ALREADY_COLLECTED,
            "locked": OutcomeCode.CASE_LOCKED,
            "staff_check": OutcomeCode.STAFF_CHECK,
        }.get(case.state)
        if refusal is not None:
            return self._refuse(refusal, now, base)
        if case.state != "loaded" or case.door is None or not case.pin_verifier:
            return self._refuse(OutcomeCode.NOT_READY, now, {**base, "case_state": case.state})
        if self._pin_budget_spent(now):
            return self._refuse(OutcomeCode.PIN_PAUSED, now, base)
        try:
            doors = self._locker.read_doors()
        except LockerError as exc:
            self._report_locker(exc)
            return self._refuse(OutcomeCode.LOCKER_UNAVAILABLE, now, {**base, "detail": str(exc)})
        if doors.get(case.door) is None or doors[case.door].state is DoorState.UNKNOWN:
            return self._refuse(OutcomeCode.LOCKER_UNAVAILABLE, now, {**base, "door": case.door})
        return_mode, return_door = "none", None
        if case.has_old_passport and not case.returned:
            if self.settings.return_mode is ReturnMode.PUNCH:
                if self._slot is None or not self._slot.health().state.usable:
                    return self._refuse(OutcomeCode.RETURN_UNAVAILABLE, now, base)
                return_mode = "punch"
            else:
                with self.journal.db.reading() as conn:
                    compartments = self._repo.compartments(conn)
                return_door = _choose_return(compartments, doors)
                if return_door is None:
                    return self._refuse(OutcomeCode.RETURN_UNAVAILABLE, now, base)
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
        self.journal.start(
            Step(
                "token_verified",
                record,
                {
                    "door": case.door,
                    "return_door": return_door,
                    "return_mode": return_mode,
                    "kid": token.kid,
                },
            )
        )
        return self._outcome(record)

    def enter_pin(self, handover_id: str, pin: str) -> HandoverOutcome:
        """The citizen typed the PIN: on success the return step or the door opens."""
        now = self._clock.now()
        with self._lock:
            record = self.journal.get(handover_id)
            if record is None or record.kind is not Kind.PICKUP:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state is not HandoverState.TOKEN_VERIFIED:
                return self._outcome(record)
            try:
                return self._check_pin(record, pin, now)
            except StoreError:
                log.exception("hand-over %s: PIN result could not be stored", handover_id)
                return self._outcome(record, OutcomeCode.STORE_UNAVAILABLE)

    def _check_pin(self, record: HandoverRecord, pin: str, now: datetime) -> HandoverOutcome:
        if self._pin_budget_spent(now):
            return self._outcome(record, OutcomeCode.PIN_PAUSED)
        with self.journal.db.reading() as conn:
            case = self._repo.case(conn, record.case_id)
        assert case is not None
        try:
            ok = PinVerifier.parse(case.pin_verifier).matches(pin)
        except PinVerifierError:
            log.error("case %s has a malformed PIN verifier", case.case_id)
            self._run(record, end(record, now, HandoverState.STAFF_CHECK, "bad_verifier"), now)
            return self._outcome(record, OutcomeCode.NOT_READY)
        if not ok:
            return self._pin_failed(record, case, now)
        self._repo_reset_failures(case, now)
        try:
            doors = self._locker.read_doors()
        except LockerError as exc:
            self._report_locker(exc)
            doors = {}
        needed = [d for d in record.allowed_doors()]
        if any(doors.get(d) is None or doors[d].state is DoorState.UNKNOWN for d in needed):
            log.warning("hand-over %s: doors %s unknown after the PIN; refused", record.id, needed)
            return self._run(
                record, end(record, now, HandoverState.ABANDONED, "locker_unavailable"), now
            )
        return self._run(record, after_pin(record, now), now)

    def _repo_reset_failures(self, case: CaseRow, now: datetime) -> None:
        if case.pin_failures:
            with self.journal.transaction() as tx:
                self._repo.update_case(tx, case.case_id, rfc3339(now), pin_failures=0)

    def _pin_failed(self, record: HandoverRecord, case: CaseRow, now: datetime) -> HandoverOutcome:
        failures = case.pin_failures + 1
        left = max(0, self.settings.pin_attempts_per_case - failures)
        at = rfc3339(now)

        with self.journal.transaction() as tx:
            self._repo.add_pin_failure(tx, case.case_id, at)
            self._repo.update_case(tx, case.case_id, at, pin_failures=failures)
            self.journal.event(
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
            self._repo.append_step(
                tx, record.id, "pin_failed", record.state.value, at, {"failures": failures}, None
            )
            self._check_budget(tx, now, self._citizen_budget)
        log.info("hand-over %s: wrong PIN for case %s (%d)", record.id, case.case_id, failures)
        if left == 0:
            # NOTE: the terminal step is the ``handover.case_locked`` event (and a staff alert).
            self._run(record, end(record, now, HandoverState.CASE_LOCKED, "pin_attempts"), now)
            return self._outcome(record, OutcomeCode.CASE_LOCKED)
        if self._pin_budget_spent(now):
            return self._outcome(record, OutcomeCode.PIN_PAUSED)
        return HandoverOutcome(
            OutcomeCode.PIN_WRONG, record.id, record.state, None, (left,), record.case_id
        )

    def _pin_budget_spent(self, now: datetime) -> bool:
        """True while citizens' PIN entry is paused (wrong staff PINs never count here)."""
        with self._lock, self.journal.transaction() as tx:
            return self._citizen_budget.spent(tx, now)

    def _check_budget(self, tx: Transaction, now: datetime, budget: PinBudget) -> None:
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

    # -- both journeys ------------------------------------------------------------------------

    def cancel(self, handover_id: str) -> HandoverOutcome:
        """The person pressed cancel: allowed before anything was unlocked."""
        now = self._clock.now()
        with self._lock:
            record = self.journal.get(handover_id)
            if record is None:
                return HandoverOutcome(OutcomeCode.NO_HANDOVER)
            if record.state not in (HandoverState.STAFF_IDENTIFIED, HandoverState.TOKEN_VERIFIED):
                return self._outcome(record)
            try:
                return self._run(
                    record, end(record, now, HandoverState.ABANDONED, "cancelled"), now
                )
            except StoreError:
                return self._outcome(record, OutcomeCode.STORE_UNAVAILABLE)

    def poll(self, handover_id: str) -> HandoverOutcome:
        """Read the sensors and move every live hand-over on; the outcome of ``handover_id``."""
        outcomes = self.watch()
        if handover_id in outcomes:
            return outcomes[handover_id]
        record = self.journal.get(handover_id)
        return HandoverOutcome(OutcomeCode.NO_HANDOVER) if record is None else self._outcome(record)

    def watch(self) -> dict[str, HandoverOutcome]:
        """Read the sensors once, move every live hand-over on, watch for forced doors.

        Returns the outcome of every hand-over that was live, by id.
        """
        with self._lock:
            obs = self._observe()
            outcomes: dict[str, HandoverOutcome] = {}
            try:
                live = self.journal.live()
                for record in live:
                    outcomes[record.id] = self._run(
                        record, advance(record, obs, self.settings), obs.now
                    )
                self._watch_doors(obs)
            except StoreError:
                log.exception("hand-over step could not be stored")
                for record in self.journal.live():
                    outcomes[record.id] = self._outcome(record, OutcomeCode.STORE_UNAVAILABLE)
            return outcomes

    def recover(self) -> list[Settlement]:
        """Settle every hand-over a restart interrupted; never fires a relay (call at start)."""
        with self._lock:
            settlements = recover(self.journal, self._locker, self._slot, self._clock.now())
            self._watch_doors(self._observe())
            return settlements

    def relearn_occupancy(self) -> list[CompartmentCheck]:
        """A replaced database: mark the compartments it cannot vouch for ``unknown``
        (reads the sensors; fires nothing; see ``recovery.relearn_occupancy``)."""
        with self._lock:
            return relearn_occupancy(self.journal, self._locker, self._clock.now())

    def handover(self, handover_id: str) -> HandoverRecord | None:
        """A hand-over as journalled."""
        return self.journal.get(handover_id)

    def compartments(self) -> list[CompartmentRow]:
        """Every compartment and what it holds (staff and diagnostics screens)."""
        with self.journal.db.reading() as conn:
            return self._repo.compartments(conn)

    def case(self, case_id: str) -> CaseRow | None:
        """One case."""
        with self.journal.db.reading() as conn:
            return self._repo.case(conn, case_id)

    def returned_passports(self) -> list[CaseRow]:
        """Cases whose old passport came back and waits for staff review."""
        with self.journal.db.reading() as conn:
            return [c for c in self._repo.cases(conn) if c.returned and not c.return_reviewed]

    def mark_return_reviewed(self, case_id: str, staff_id: str) -> bool:
        """Staff took the old passport of ``case_id`` out and cancelled it.

        Frees its return compartment. Returns False when there is nothing to review.

        Raises:
            StoreError: nothing was stored.
        """
        now = self._clock.now()
        at = rfc3339(now)
        with self._lock, self.journal.transaction() as tx:
            case = self._repo.case(tx, case_id)
            if case is None or not case.returned or case.return_reviewed:
                return False
            self._repo.update_case(tx, case_id, at, return_reviewed=1)
            if case.returned.startswith("door:"):
                door = int(case.returned.split(":", 1)[1])
                compartment = self._repo.compartment(tx, door)
                if compartment is not None and compartment.case_id == case_id:
                    self._repo.set_compartment(tx, door, "free", "", at)
            self.journal.event(
                tx,
                events.HANDOVER_RETURN_REVIEWED,
                {"case_id": case_id, "staff_id": staff_id, "where": case.returned},
                now,
            )
        return True

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
        with self._lock:
            refusal = self._maintenance_refusal(door)
            if refusal is not None:
                reason, detail = refusal
                log.warning("maintenance open of door %d refused (%s): %s", door, reason, detail)
                return MaintenanceOpen(False, reason, detail)
            return MaintenanceOpen(True, "", fire())

    def _maintenance_refusal(self, door: int) -> tuple[str, str] | None:
        if any(door in r.allowed_doors() for r in self.journal.live()):
            return "door_in_use", f"door {door} is in a hand-over right now"
        with self.journal.db.reading() as conn:
            compartment = self._repo.compartment(conn, door)
            holders = [
                c.case_id
                for c in self._repo.cases(conn)
                if c.door == door and c.state not in ("collected", "withdrawn")
            ]
        if compartment is not None and compartment.case_id:
            return "door_has_case", (
                f"door {door} is {compartment.state} with case {compartment.case_id}"
            )
        if holders:
            return "door_has_case", f"door {door} is the compartment of case {holders[0]}"
        if compartment is not None and compartment.state not in ("free", "fault"):
            return "door_not_free", f"door {door} is {compartment.state}"
        try:
            status = self._locker.read_doors().get(door)
        except LockerError as exc:
            self._report_locker(exc)
            return "content_unknown", f"the locker cannot be read: {exc}"
        if status is None or status.state is DoorState.UNKNOWN:
            return "content_unknown", f"door {door}'s sensors cannot be read"
        if status.item_present is True:
            return "item_present", f"the item sensor of door {door} sees something inside"
        return None

    def clear_compartment(self, door: int, staff_id: str) -> bool:
        """Staff emptied and checked a compartment (after a staff check, a fault, a cancel).

        The compartment becomes free; a case whose document staff took out is ``withdrawn``
        (handed over at the counter or returned to the office). Refused (False) while a
        hand-over is using the door.

        Raises:
            StoreError: nothing was stored.
        """
        now = self._clock.now()
        at = rfc3339(now)
        with self._lock:
            if any(door in r.allowed_doors() for r in self.journal.live()):
                return False
            with self.journal.transaction() as tx:
                compartment = self._repo.compartment(tx, door)
                if compartment is None:
                    return False
                case = self._repo.case(tx, compartment.case_id) if compartment.case_id else None
                if case is not None and compartment.role == "case" and case.door == door:
                    self._repo.update_case(tx, case.case_id, at, state="withdrawn")
                if case is not None and compartment.role == "return":
                    self._repo.update_case(tx, case.case_id, at, return_reviewed=1)
                self._repo.set_compartment(tx, door, "free", "", at)
                self.journal.event(
                    tx,
                    events.HANDOVER_COMPARTMENT_CLEARED,
                    {
                        "door": door,
                        "staff_id": staff_id,
                        "was": compartment.state,
                        "case_id": compartment.case_id,
                    },
                    now,
                )
        return True

    # -- internals ----------------------------------------------------------------------------

    def _observe(self) -> Observation:
        now = self._clock.now()
        try:
            doors = self._locker.read_doors()
            if self._health is not None:
                self._health.report(LOCKER, self._locker.health())
        except LockerError as exc:
            self._report_locker(exc)
            doors = {}
        slot_present = None
        if self._slot is not None:
            slot_present = self._slot.document_present()
        return Observation(now, doors, slot_present)

    def _run(
        self, record: HandoverRecord, transition: Transition, now: datetime
    ) -> HandoverOutcome:
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
        return self._outcome(current, code)

    def _fire(self, record: HandoverRecord, fire: Fire) -> str | None:
        """Drive one actuator; returns the failure reason, or None when it was done."""
        try:
            if fire.action is FireAction.UNLOCK:
                if fire.door is None or fire.door not in record.allowed_doors():
                    # NOTE: the machine never asks this; refuse rather than open a wrong door.
                    log.error("hand-over %s: refused to unlock door %s", record.id, fire.door)
                    return "wrong_door_refused"
                self._locker.unlock(fire.door)
            elif self._slot is None:
                return "no_slot"
            elif fire.action is FireAction.SLOT_OPEN:
                self._slot.open()
            else:
                self._slot.punch()
        except LockerError as exc:
            log.warning("hand-over %s: %s failed: %s", record.id, fire.action, exc)
            self._report_locker(exc)
            return exc.health.reason or "locker_error"
        except DeviceError as exc:
            log.warning("hand-over %s: %s failed: %s", record.id, fire.action, exc)
            return "device_error"
        return None

    def _report_locker(self, exc: LockerError) -> None:
        if self._health is not None:
            self._health.report(LOCKER, exc.health)

    def _watch_doors(self, obs: Observation) -> None:
        """Raise ``handover.door_forced`` for a door that opened without an unlock."""
        expected = set()
        for record in self.journal.live():
            door = record.target_door()
            if door is not None and (
                record.state in UNLOCKING_STATES or record.state in OPEN_DOOR_STATES
            ):
                expected.add(door)
        with self.journal.db.reading() as conn:
            compartments = self._repo.compartments(conn)
        for compartment in compartments:
            status = obs.door(compartment.door)
            if status.state is DoorState.UNKNOWN:
                continue
            seen = status.state.value
            if seen == compartment.door_seen:
                continue
            with self.journal.transaction() as tx:
                self._repo.set_door_seen(tx, compartment.door, seen)
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

    def _refuse(
        self, code: OutcomeCode, now: datetime, data: Mapping[str, object]
    ) -> HandoverOutcome:
        log.info("hand-over refused: %s %s", code.value, data)
        try:
            with self.journal.transaction() as tx:
                self.journal.event(tx, events.HANDOVER_REFUSED, {"reason": code.value, **data}, now)
        except StoreError:
            # NOTE: the refusal on screen is true either way; only its event is lost.
            log.exception("could not store the handover.refused event (%s)", code.value)
        case_id = data.get("case_id")
        return HandoverOutcome(code, case_id=case_id if isinstance(case_id, str) else "")

    def _outcome(
        self, record: HandoverRecord, code: OutcomeCode | None = None, *, case_id: str = ""
    ) -> HandoverOutcome:
        code = code or outcome_for(record)
        door = record.target_door()
        if door is None and record.state.terminal:
            door = record.door
        args: tuple[int | str, ...] = (door,) if door is not None else ()
        return HandoverOutcome(code, record.id, record.state, door, args, case_id or record.case_id)


def _choose_compartment(
    compartments: list[CompartmentRow], size: str, doors: Mapping[int, DoorStatus]
) -> int | None:
    """The smallest free case compartment that fits, closed and (where sensed) empty."""
    fitting = [
        c
        for c in compartments
        if c.role == "case" and c.state == "free" and SIZES.index(c.size) >= SIZES.index(size)
    ]
    for c in sorted(fitting, key=lambda c: (SIZES.index(c.size), c.door)):
        status = doors.get(c.door)
        if (
            status is not None
            and status.state is DoorState.CLOSED
            and status.item_present is not True
        ):
            return c.door
    return None


def _choose_return(
    compartments: list[CompartmentRow], doors: Mapping[int, DoorStatus]
) -> int | None:
    """A free return compartment, closed and (where sensed) empty."""
    for c in compartments:
        if c.role != "return" or c.state != "free":
            continue
        status = doors.get(c.door)
        if (
            status is not None
            and status.state is DoorState.CLOSED
            and status.item_present is not True
        ):
            return c.door
    return None


__all__ = ["LOCKER", "HandoverOutcome", "HandoverService"]

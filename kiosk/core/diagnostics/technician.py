"""Who may open the diagnostics screen: technicians with a number and a PIN (issue 11).

``[diagnostics] technician_pins`` maps a technician number to a PIN verifier made by
``kiosk pin-verifier`` (the format of :mod:`kiosk.core.handover.pins`; the kiosk never holds
a PIN in clear). The diagnostics screen is reached by a hidden gesture that anyone can find,
so every wrong PIN counts against a budget of its own (:class:`PinBudget` with
:attr:`PinKeypad.TECHNICIAN`, stored in ``pin_failure`` like the staff keypad's): a spent
budget pauses the technicians' keypad only, never the staff keypad or the citizens' PIN
entry. Each sign-in, wrong PIN, pause and close is an ``audit.diagnostics`` event.

A PIN check is scrypt (a quarter of a second or more on a Pi): call :meth:`sign_in` off the
GUI thread.

When the state database cannot be written (a full disk: exactly what a technician may come
to diagnose) a right PIN still opens the screen (its event is lost and logged), and wrong
PINs are counted in memory against the same budget, so the keypad is never unlimited.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.handover.pin_budget import PinBudget, PinKeypad
from kiosk.core.handover.pins import PinVerifier, PinVerifierError
from kiosk.errors import StoreError
from kiosk.store.database import Database
from kiosk.store.handover import HandoverRepository, technician_failure_key
from kiosk.store.outbox import Outbox, rfc3339

log = logging.getLogger(__name__)

AUDIT_DIAGNOSTICS = "audit.diagnostics"
"""The event of every sign-in, wrong PIN, pause and close (category ``audit``)."""


class SignIn(enum.StrEnum):
    """The answer to a technician's number and PIN."""

    OPENED = "opened"
    REFUSED = "refused"  # unknown number or wrong PIN (the screen does not say which)
    PAUSED = "paused"  # the keypad's budget is spent: no PIN is checked until it recovers


class CloseReason(enum.StrEnum):
    """Why the diagnostics screen closed."""

    DONE = "done"  # the technician pressed "close"
    INACTIVITY = "inactivity"
    CITIZEN = "citizen"  # a citizen's journey started (a scan, a ticket …)


class TechnicianAccess:
    """Checks technicians' PINs against ``[diagnostics] technician_pins`` with a budget.

    Thread-safe (one lock around the budget and its records).

    Args:
        technician_pins: technician number -> PIN verifier (``scrypt$…``).
        db: the state database (the budget's wrong PINs and the audit events).
        outbox: where the ``audit.diagnostics`` events go.
        clock: the wall clock (stamps of the wrong PINs and the events).
        budget: wrong PINs within ``window_s`` that pause the keypad.
        window_s: the sliding window, and the longest a pause lasts.
        monotonic: the monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        technician_pins: Mapping[str, str],
        db: Database,
        outbox: Outbox,
        clock: Clock,
        *,
        budget: int = 5,
        window_s: float = 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pins = dict(technician_pins)
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._monotonic = monotonic
        self._budget = PinBudget(PinKeypad.TECHNICIAN, budget, window_s, monotonic=monotonic)
        self._unrecorded: deque[float] = deque()  # monotonic times of failures not stored
        self._lock = threading.Lock()
        for technician_id, verifier in sorted(self._pins.items()):
            try:
                if PinVerifier.parse(verifier).weaker_than_default:
                    log.warning(
                        "technician %s: the PIN verifier is cheaper to guess than the default; "
                        "make a new one with `kiosk pin-verifier`",
                        technician_id,
                    )
            except PinVerifierError:
                log.error("technician %s: malformed verifier in technician_pins", technician_id)

    @property
    def available(self) -> bool:
        """True when at least one technician PIN is configured (else there is no way in)."""
        return bool(self._pins)

    def paused(self) -> bool:
        """True while the keypad's budget is spent."""
        with self._lock:
            return self._paused(self._clock.now())

    def sign_in(self, technician_id: str, pin: str) -> SignIn:
        """Check a technician's number and PIN (blocking: scrypt; never on the GUI thread).

        An unknown number costs the same scrypt as a known one (no timing tells numbers
        apart) and counts against the budget like a wrong PIN.
        """
        if not self._pins:
            return SignIn.REFUSED
        now = self._clock.now()
        with self._lock:
            if self._paused(now):
                log.warning("diagnostics sign-in of technician %s refused: paused", technician_id)
                return SignIn.PAUSED
        verifier = self._pins.get(technician_id)
        # NOTE: an unknown number is checked against a configured verifier and refused anyway.
        reference = verifier or next(iter(self._pins.values()))
        try:
            ok = PinVerifier.parse(reference).matches(pin) and verifier is not None
        except PinVerifierError:
            log.error("technician %s has a malformed verifier in technician_pins", technician_id)
            ok = False
        if ok:
            log.info("diagnostics opened by technician %s", technician_id)
            self._audit({"action": SignIn.OPENED.value, "technician": technician_id}, now)
            return SignIn.OPENED
        with self._lock:
            self._record_failure(technician_id, now)
            paused = self._paused(now)
        log.warning("diagnostics sign-in refused for technician %s (wrong PIN)", technician_id)
        if paused:
            self._audit({"action": "pin_paused", "technician": technician_id}, now)
        return SignIn.REFUSED

    def closed(self, technician_id: str, reason: CloseReason) -> None:
        """Record that the screen closed (audit; a store failure is logged, never raised)."""
        log.info("diagnostics closed (%s), technician %s", reason.value, technician_id)
        self._audit(
            {"action": "closed", "technician": technician_id, "reason": reason.value},
            self._clock.now(),
        )

    # -- under the lock ------------------------------------------------------------------------

    def _paused(self, now: datetime) -> bool:
        window = self._budget.window_s
        moment = self._monotonic()
        while self._unrecorded and moment - self._unrecorded[0] >= window:
            self._unrecorded.popleft()
        stored = 0
        try:
            with self._db.transaction() as tx:
                stored = self._budget.failures(tx, now)
        except StoreError:
            log.exception("the technicians' wrong PINs could not be read; counted in memory")
        return stored + len(self._unrecorded) >= self._budget.budget

    def _record_failure(self, technician_id: str, now: datetime) -> None:
        data = {"action": "pin_failed", "technician": technician_id}
        try:
            with self._db.transaction() as tx:
                HandoverRepository.add_pin_failure(
                    tx, technician_failure_key(technician_id), rfc3339(now)
                )
                self._outbox.append(tx, events.AUDIT, AUDIT_DIAGNOSTICS, data, now=now)
        except StoreError:
            log.exception("a technician's wrong PIN could not be stored; counted in memory")
            self._unrecorded.append(self._monotonic())

    def _audit(self, data: dict[str, Any], now: datetime) -> None:
        try:
            with self._db.transaction() as tx:
                self._outbox.append(tx, events.AUDIT, AUDIT_DIAGNOSTICS, data, now=now)
        except StoreError:
            log.exception("audit.diagnostics %s could not be stored", data.get("action"))


__all__ = ["AUDIT_DIAGNOSTICS", "CloseReason", "SignIn", "TechnicianAccess"]

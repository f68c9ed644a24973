"""Budgets of wrong PINs per keypad: a spent budget pauses that keypad, and only that one.

Three keypads, three budgets (DESIGN §4):

* the citizens' pickup PIN: ``pin_budget`` wrong PINs across all cases within
  ``pin_budget_window_s`` pause PIN entry on this kiosk (and alert staff);
* the staff keypad: ``staff_pin_budget`` wrong staff PINs within
  ``staff_pin_budget_window_s`` pause the staff keypad. Anyone can open it (a 3-second press
  on the office name, no token), so its failures must never pause the citizens' PIN entry;
* the technicians' keypad of the diagnostics screen (``[diagnostics] pin_budget`` within
  ``pin_budget_window_s``): it pauses that keypad only.

Clock jumps. Each wrong PIN is stored with the wall-clock time (``pin_failure.at``) and a
keypad is paused while ``budget`` of them lie in the last window. A clock that was ahead when
they were stored (a year, say) would keep the keypad paused until it caught up again. Two
bounds make a pause robust to that:

* a failure stamped later than now is re-stamped now (and logged): a stored pause then ends
  at most one window from now on the wall clock, however far ahead the clock was;
* a pause never lasts longer than its window on the monotonic clock since this process first
  saw it: its failures are then re-stamped to just before the window (and logged), which ends
  it whatever the wall clock says (a clock set back while a keypad was paused).

The stamps are the budget's working set only: every wrong PIN is also a
``handover.pin_failed`` event with the time it happened.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.store.database import Transaction
from kiosk.store.handover import HandoverRepository
from kiosk.store.outbox import rfc3339

log = logging.getLogger(__name__)


class PinKeypad(enum.StrEnum):
    """Whose PINs a budget counts."""

    CITIZEN = "citizen"
    STAFF = "staff"
    TECHNICIAN = "technician"  # the diagnostics screen's keypad (kiosk.core.diagnostics)


class PinBudget:
    """The wrong PINs of one keypad in a sliding window, with the clock-jump bounds above.

    Not thread-safe on its own: the hand-over service calls it under its lock.

    Args:
        keypad: whose failures count.
        budget: wrong PINs in the window that pause the keypad.
        window_s: the sliding window, which is also the longest a pause lasts.
        monotonic: the monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        keypad: PinKeypad,
        budget: int,
        window_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.keypad = keypad
        self.budget = budget
        self.window_s = window_s
        self._monotonic = monotonic
        self._paused_since: float | None = None  # monotonic, when this process saw the pause

    def failures(self, tx: Transaction, now: datetime) -> int:
        """Wrong PINs of this keypad in the window that ends ``now``, after the bounds.

        Writes (in ``tx``) when a bound applies: re-stamped failures.
        """
        since = now - timedelta(seconds=self.window_s)
        staff = self.keypad is PinKeypad.STAFF
        technician = self.keypad is PinKeypad.TECHNICIAN
        rows = HandoverRepository.pin_failures_in_window(
            tx, rfc3339(since), staff=staff, technician=technician
        )
        now_at = rfc3339(now)
        ahead = [(row_id, at) for row_id, at in rows if at > now_at]
        if ahead:
            log.warning(
                "%d wrong %s PINs were stamped ahead of the clock (latest %s, now %s): "
                "the clock went back; clamped to now, so the pause ends by %s at the latest",
                len(ahead),
                self.keypad.value,
                ahead[0][1],
                now_at,
                rfc3339(now + timedelta(seconds=self.window_s)),
            )
            HandoverRepository.restamp_pin_failures(tx, [row_id for row_id, _ in ahead], now_at)
        if len(rows) < self.budget:
            self._paused_since = None
            return len(rows)
        moment = self._monotonic()
        if self._paused_since is None:
            self._paused_since = moment
        elif moment - self._paused_since >= self.window_s:
            log.warning(
                "the %s PIN pause has lasted %.0f s on the monotonic clock, its full length; "
                "the wall clock (%s) would keep it longer: ended",
                self.keypad.value,
                moment - self._paused_since,
                now_at,
            )
            expired = rfc3339(since - timedelta(milliseconds=1))
            HandoverRepository.restamp_pin_failures(tx, [row_id for row_id, _ in rows], expired)
            self._paused_since = None
            return 0
        return len(rows)

    def spent(self, tx: Transaction, now: datetime) -> bool:
        """True while the keypad is paused."""
        return self.failures(tx, now) >= self.budget


__all__ = ["PinBudget", "PinKeypad"]

"""Hand-over settings (a temporary home until the lead adds ``[handover]`` to kiosk.config).

Every time is a named field with its unit. The config keys proposed for ``[handover]`` are
the field names; ``compartments`` is a table ``{"1" = "M", "2" = "S", …}`` (door number to
size) and ``return_doors`` a list of door numbers kept for old passports (``hold`` mode).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiosk.errors import ConfigError

SIZES = ("S", "M", "L")
"""Compartment sizes, smallest first; a case fits any compartment at least its size."""


class ReturnMode(enum.StrEnum):
    """Where the citizen's old passport goes before the new one is handed over."""

    HOLD = "hold"  # a return compartment opens; held there for staff to review and cancel
    PUNCH = "punch"  # an intake slot with a cancellation punch (GPIO actuator + sensor)


@dataclass(frozen=True)
class HandoverSettings:
    """What the hand-over state machine needs from the configuration.

    Attributes:
        office: this kiosk's office code (``[kiosk] office``); tokens for others are refused.
        compartments: door number -> size (``S``/``M``/``L``) of every case compartment.
        return_doors: doors that take old passports in ``hold`` mode (one passport each).
        return_mode: ``hold`` (default) or ``punch``.
        open_timeout_s: time from an unlock (or a punch) to the sensor change, per try.
        unlock_retries: extra unlocks when the door did not open (then: go to the counter).
        reminder_s: a door open this long gets an on-screen reminder (and an event).
        alarm_s: a door open this long raises the door alarm.
        idle_timeout_s: a hand-over waiting for a PIN, a case or an old passport this long
            is abandoned.
        pin_attempts_per_case: wrong PINs before the case is locked for staff.
        pin_budget: wrong PINs across all cases within ``pin_budget_window_s`` before PIN
            entry pauses on this kiosk and an alert goes out.
        pin_budget_window_s: the sliding window of the per-kiosk budget.
        staff_pins: staff id -> PIN verifier (``scrypt$…``) for staff without a card; none
            hides the staff keypad.
        staff_pin_budget: wrong staff PINs within ``staff_pin_budget_window_s`` before the
            staff keypad pauses (its own budget: never the citizens' PIN entry).
        staff_pin_budget_window_s: the sliding window of the staff keypad's budget.
        staff_session_s: a staff member stays identified this long after the last loading.
    """

    office: str
    compartments: Mapping[int, str]
    return_doors: tuple[int, ...] = ()
    return_mode: ReturnMode = ReturnMode.HOLD
    open_timeout_s: float = 8.0
    unlock_retries: int = 1
    reminder_s: float = 30.0
    alarm_s: float = 120.0
    idle_timeout_s: float = 120.0
    pin_attempts_per_case: int = 3
    pin_budget: int = 10
    pin_budget_window_s: float = 3600.0
    staff_pins: Mapping[str, str] = field(default_factory=dict)
    staff_session_s: float = 600.0
    staff_pin_budget: int = 5
    staff_pin_budget_window_s: float = 3600.0

    def __post_init__(self) -> None:
        for door, size in self.compartments.items():
            if size not in SIZES:
                raise ConfigError(f"handover.compartments.{door}", size, f"not one of {SIZES}")
        overlap = set(self.return_doors) & set(self.compartments)
        if overlap:
            raise ConfigError(
                "handover.return_doors", sorted(overlap), "also listed as case compartments"
            )
        if self.alarm_s < self.reminder_s:
            raise ConfigError("handover.alarm_s", self.alarm_s, "shorter than reminder_s")
        if self.pin_attempts_per_case < 1 or self.pin_budget < 1:
            raise ConfigError("handover.pin_attempts_per_case", self.pin_attempts_per_case, "< 1")
        if self.staff_pin_budget < 1:
            raise ConfigError("handover.staff_pin_budget", self.staff_pin_budget, "< 1")
        if self.unlock_retries < 0:
            raise ConfigError("handover.unlock_retries", self.unlock_retries, "negative")

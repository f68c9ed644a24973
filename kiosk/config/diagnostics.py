"""``[diagnostics]``: the technicians' screen (PIN verifiers, time-out, PIN budget)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.pins import pin_verifiers
from kiosk.config.schema import Section, Table, convert


@dataclass(frozen=True)
class DiagnosticsConfig:
    """The technicians' diagnostics screen (``[diagnostics]``).

    Attributes:
        technician_pins: technician number (digits) -> PIN verifier (``scrypt$…``, made by
            ``kiosk pin-verifier``); never a PIN in clear. Empty: the screen has no way in
            (its hidden gesture does not exist).
        inactivity_s: the screen closes itself after this long without a touch.
        pin_budget: wrong technician PINs within ``pin_budget_window_s`` that pause the
            technicians' keypad (that keypad only: never the staff's or the citizens').
        pin_budget_window_s: the sliding window of that budget (the longest a pause lasts).
    """

    technician_pins: Mapping[str, str] = field(default_factory=dict)
    inactivity_s: float = 120.0
    pin_budget: int = 5
    pin_budget_window_s: float = 3600.0


class _DiagnosticsTable(Section):
    technician_pins: object = schema_field(default_factory=dict)
    inactivity_s: Annotated[float, Meta(ge=10, le=3600)] = 120.0
    pin_budget: Annotated[int, Meta(ge=1, le=100)] = 5
    pin_budget_window_s: Annotated[float, Meta(ge=60, le=86400)] = 3600.0


def parse_diagnostics(table: Table) -> DiagnosticsConfig:
    """``[diagnostics]``: technician PIN verifiers (never a PIN in clear)."""
    section = convert(table, _DiagnosticsTable)
    return DiagnosticsConfig(
        technician_pins=pin_verifiers(
            table, "technician_pins", section.technician_pins, "technician"
        ),
        inactivity_s=section.inactivity_s,
        pin_budget=section.pin_budget,
        pin_budget_window_s=section.pin_budget_window_s,
    )

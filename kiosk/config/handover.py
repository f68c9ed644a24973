"""``[handover]``: passport hand-over from the locker (compartments, returns, PINs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.pins import pin_verifiers
from kiosk.config.schema import Section, Table, convert

MAX_DOOR = 160  # 10 boards of 16
SLOT_PINS = ("flap_pin", "punch_pin", "sensor_pin")


@dataclass(frozen=True)
class HandoverConfig:
    """Passport hand-over from the locker (``[handover]``); needs ``[locker] url``.

    Attributes:
        compartments: door -> size (``S``/``M``/``L``) of every case compartment.
        return_doors: doors that take old passports (``return_mode = "hold"``).
        return_mode: ``hold`` or ``punch``.
        pin_attempts_per_case: wrong PINs before the case is locked for staff.
        pin_budget: wrong PINs across all cases per hour before PIN entry pauses (alert).
        staff_pins: staff number (digits) -> PIN verifier (``scrypt$…``) for the staff
            keypad; never a PIN in clear. Empty: the staff keypad is hidden.
    """

    compartments: Mapping[int, str] = field(default_factory=dict)
    return_doors: tuple[int, ...] = ()
    return_mode: str = "hold"
    pin_attempts_per_case: int = 3
    pin_budget: int = 10
    slot_pins: tuple[int, int, int] | None = None  # punch slot: flap, punch, light barrier
    staff_pins: Mapping[str, str] = field(default_factory=dict)


class _HandoverTable(Section):
    compartments: object = schema_field(default_factory=dict)
    return_doors: list[object] = schema_field(default_factory=list)
    return_mode: Literal["hold", "punch"] = "hold"
    slot: object = None
    pin_attempts_per_case: Annotated[int, Meta(ge=1, le=10)] = 3
    pin_budget: Annotated[int, Meta(ge=1, le=1000)] = 10
    staff_pins: object = schema_field(default_factory=dict)


def parse_handover(table: Table) -> HandoverConfig:
    """``[handover]``: doors listed once, return doors apart, a punch slot's pins when punching."""
    section = convert(table, _HandoverTable)
    compartments: dict[int, str] = {}
    sizes = section.compartments
    if not isinstance(sizes, Mapping):
        table.fail("compartments", sizes, 'must be a table like {M = "1-40", L = "41-46"}')
    for size, doors_text in sizes.items():
        if size not in ("S", "M", "L"):
            table.fail(f"compartments.{size}", doors_text, "size must be S, M or L")
        for door in _door_range(table, f"compartments.{size}", doors_text):
            if door in compartments:
                table.fail(f"compartments.{size}", doors_text, f"door {door} is listed twice")
            compartments[door] = size
    return_doors = section.return_doors
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in return_doors):
        table.fail("return_doors", return_doors, "must list door numbers from 1")
    if set(return_doors) & set(compartments):
        table.fail("return_doors", return_doors, "a return door cannot also hold cases")
    slot_pins = _slot(table, section.slot)
    if section.return_mode == "punch" and slot_pins is None:
        table.fail("slot", None, 'return_mode = "punch" needs the slot\'s GPIO pins')
    return HandoverConfig(
        slot_pins=slot_pins,
        compartments=compartments,
        return_doors=tuple(d for d in return_doors if isinstance(d, int)),
        return_mode=section.return_mode,
        pin_attempts_per_case=section.pin_attempts_per_case,
        pin_budget=section.pin_budget,
        staff_pins=pin_verifiers(table, "staff_pins", section.staff_pins, "staff"),
    )


def _slot(table: Table, slot: object) -> tuple[int, int, int] | None:
    """``slot = {flap_pin = N, punch_pin = N, sensor_pin = N}`` (BCM pins) or absent."""
    if slot is None:
        return None
    if not isinstance(slot, Mapping) or set(slot) != set(SLOT_PINS):
        table.fail("slot", slot, "must be {flap_pin = N, punch_pin = N, sensor_pin = N}")
    pins = [slot[name] for name in SLOT_PINS]
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 27 for p in pins):
        table.fail("slot", slot, "GPIO pins are BCM numbers 0 to 27")
    return (pins[0], pins[1], pins[2])


def _door_range(table: Table, key: str, text: object) -> range:
    """Doors written as ``"12"`` or ``"1-40"``."""
    if not isinstance(text, str):
        table.fail(key, text, 'must be a door range text like "1-40"')
    first, _, last = text.partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError:
        table.fail(key, text, 'must be a door range like "1-40"')
    if not 1 <= low <= high <= MAX_DOOR:
        table.fail(key, text, "doors are numbered 1 to 160 (10 boards of 16)")
    return range(low, high + 1)

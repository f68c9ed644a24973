"""``[accessibility]``: voice guidance and the physical buttons (issue 13)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.schema import Section, Table, convert
from kiosk.config.services import ServiceConfig

_BCM_PINS = range(2, 28)  # the Raspberry Pi header's GPIO 2-27


@dataclass(frozen=True)
class AccessibilityConfig:
    """Voice guidance and the physical buttons (``[accessibility]``, issue 13).

    Attributes:
        voice: the speech engine: ``espeak-ng``, ``none`` (no voice button) or ``record``
            (keeps what would be said: tests and demos without a sound card).
        voice_rate_wpm: speaking rate in words per minute.
        call_staff_pin: BCM pin of the call-staff push button (None: not fitted).
        call_staff_lamp_pin: BCM pin of its lamp, lit until staff acknowledge.
        service_pins: BCM pin -> service id of the tactile (braille) ticket buttons.
    """

    voice: str = "none"
    voice_rate_wpm: int = 140
    call_staff_pin: int | None = None
    call_staff_lamp_pin: int | None = None
    service_pins: Mapping[int, str] = field(default_factory=dict)


class _AccessibilityTable(Section):
    # kiosk.devices.speech.factory.ENGINES
    voice: Literal["espeak-ng", "none", "record"] = "none"
    voice_rate_wpm: Annotated[int, Meta(ge=80, le=450)] = 140
    buttons: dict[str, Any] = schema_field(default_factory=dict)


class _ButtonsTable(Section):
    call_staff: Any = None
    call_staff_lamp: Any = None
    services: dict[str, Any] = schema_field(default_factory=dict)


def parse_accessibility(table: Table, services: tuple[ServiceConfig, ...]) -> AccessibilityConfig:
    """``[accessibility]`` and its ``buttons`` (every key optional): each pin used once."""
    section = convert(table, _AccessibilityTable)
    buttons_table = table.sub("buttons")
    buttons = convert(buttons_table, _ButtonsTable)
    seen: dict[int, str] = {}

    def pin(name: str, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value not in _BCM_PINS:
            buttons_table.fail(name, value, "must be a GPIO (BCM) pin number from 2 to 27")
        if value in seen:
            buttons_table.fail(name, value, f"pin {value} is already used by {seen[value]}")
        seen[value] = buttons_table.key(name)
        return value

    call_pin = None if buttons.call_staff is None else pin("call_staff", buttons.call_staff)
    lamp_pin = (
        None if buttons.call_staff_lamp is None else pin("call_staff_lamp", buttons.call_staff_lamp)
    )
    if lamp_pin is not None and call_pin is None:
        buttons_table.fail("call_staff_lamp", lamp_pin, "needs accessibility.buttons.call_staff")
    known = {service.id for service in services}
    service_table = buttons_table.sub("services")
    service_pins: dict[int, str] = {}
    for key, service in service_table.data.items():
        if not str(key).isdigit():
            service_table.fail(key, service, "the key must be a GPIO (BCM) pin number")
        if service not in known:
            service_table.fail(
                key, service, f"no service with this id ({', '.join(sorted(known))})"
            )
        service_pins[pin(f"services.{key}", int(key))] = str(service)
    return AccessibilityConfig(
        section.voice, section.voice_rate_wpm, call_pin, lamp_pin, service_pins
    )

"""The punch intake slot on gpiozero's mock pins: the punch pulses once, the flap opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.core.handover.intake import IntakeSlot
from kiosk.devices.locker.gpio_intake_slot import GpioIntakeSlot


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.reset()


def make_slot(factory: MockFactory) -> GpioIntakeSlot:
    return GpioIntakeSlot(
        flap_pin=5, punch_pin=6, sensor_pin=13, punch_ms=50, flap_open_s=5, pin_factory=factory
    )


def test_the_slot_fits_the_hand_over_protocol_and_reads_its_light_barrier(
    factory: MockFactory,
) -> None:
    slot: IntakeSlot = make_slot(factory)
    assert slot.document_present() is False
    factory.pin(13).drive_high()
    assert slot.document_present() is True


def test_open_energises_the_flap_and_punch_pulses_the_punch_once(factory: MockFactory) -> None:
    slot = make_slot(factory)
    slot.open()
    assert factory.pin(5).state == 1
    slot.punch()
    assert factory.pin(5).state == 0  # the flap closes before the punch
    rises = [s for s in factory.pin(6).states if s.state]
    assert len(rises) == 1
    assert factory.pin(6).state == 0
    assert slot.health().state.value == "ok"
    slot.close()

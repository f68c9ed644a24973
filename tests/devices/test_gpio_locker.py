"""The GPIO locker on gpiozero's MockFactory: relay pin history, door switches, item sensors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.devices.health import HealthState
from kiosk.devices.locker.factory import LockerSettings, open_locker, parse_gpio_doors
from kiosk.devices.locker.gpio_driver import GpioLocker
from kiosk.devices.locker.protocol import DoorState
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError

PULSE_MS = 500
WIRING = {1: (17, 27, None), 2: (22, 23, 24)}


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.reset()


class RecordingWait:
    """Stands in for the pulse wait: records the seconds asked and the relay's level then."""

    def __init__(self, factory: MockFactory, pin: int) -> None:
        self.factory = factory
        self.pin = pin
        self.waits: list[tuple[float, bool]] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append((seconds, bool(self.factory.pin(self.pin).state)))


def test_unlock_switches_the_relay_on_once_for_the_pulse_then_off(factory: MockFactory) -> None:
    wait = RecordingWait(factory, 22)
    locker = GpioLocker(WIRING, pin_factory=factory, pulse_ms=PULSE_MS, sleep=wait)
    locker.unlock(2)

    assert [s.state for s in factory.pin(22).states] == [False, True, False]
    assert wait.waits == [(0.5, True)]  # the relay was on for the whole pulse
    assert [s.state for s in factory.pin(17).states] == [False]  # door 1 untouched
    locker.close()


def test_a_real_pulse_keeps_the_relay_on_at_least_pulse_ms(factory: MockFactory) -> None:
    locker = GpioLocker(WIRING, pin_factory=factory, pulse_ms=20)
    locker.unlock(1)
    states = factory.pin(17).states
    assert [s.state for s in states] == [False, True, False]
    assert states[2].timestamp >= 0.020  # timestamps are the time since the previous change
    locker.close()


def test_active_low_relays_idle_high_and_pulse_low(factory: MockFactory) -> None:
    locker = GpioLocker(
        WIRING, pin_factory=factory, pulse_ms=PULSE_MS, active_high=False, sleep=lambda s: None
    )
    locker.unlock(1)
    assert [s.state for s in factory.pin(17).states] == [False, True, False, True]
    locker.close()


def test_door_switches_and_item_sensors_are_read(factory: MockFactory) -> None:
    locker = GpioLocker(WIRING, pin_factory=factory, sleep=lambda s: None)
    assert locker.health().reason == "not_checked"
    factory.pin(27).drive_low()  # door 1 shut (switch closes to ground)
    factory.pin(23).drive_high()  # door 2 open
    factory.pin(24).drive_low()  # item in door 2

    doors = locker.read_doors()
    assert (doors[1].state, doors[1].item_present) == (DoorState.CLOSED, None)
    assert (doors[2].state, doors[2].item_present) == (DoorState.OPEN, True)
    assert locker.health().state is HealthState.OK
    locker.close()


def test_a_door_that_reads_open_is_still_unlocked_when_asked(factory: MockFactory) -> None:
    locker = GpioLocker(WIRING, pin_factory=factory, sleep=lambda s: None)
    factory.pin(27).drive_high()
    assert locker.read_doors()[1].state is DoorState.OPEN
    locker.unlock(1)
    assert [s.state for s in factory.pin(17).states] == [False, True, False]
    locker.close()


def test_an_unknown_door_and_a_pin_used_twice_are_refused(factory: MockFactory) -> None:
    locker = GpioLocker(WIRING, pin_factory=factory, sleep=lambda s: None)
    with pytest.raises(ValueError, match="no door 3"):
        locker.unlock(3)
    locker.close()
    with pytest.raises(ValueError, match="used twice"):
        GpioLocker({1: (17, 27, None), 2: (17, 23, None)}, pin_factory=factory)


def test_the_gpio_url_names_every_door_and_its_pins(factory: MockFactory) -> None:
    url = "gpio://?doors=1:17:27,2:22:23:24&pulse_ms=1000&active_high=0"
    assert parse_gpio_doors(parse_device_url(url), "1:17:27,2:22:23:24") == WIRING
    locker = open_locker(url, pin_factory=factory)
    assert isinstance(locker, GpioLocker)
    assert (locker.doors, locker.pulse_ms) == ((1, 2), 1000)
    locker.close()


def test_the_gpio_wiring_can_come_from_the_settings(factory: MockFactory) -> None:
    locker = open_locker("gpio://", LockerSettings(gpio_doors=WIRING), pin_factory=factory)
    assert locker.doors == (1, 2)
    locker.close()


@pytest.mark.parametrize("doors", ["1:17", "a:1:2", "1:17:27,1:22:23", ""])
def test_a_malformed_gpio_door_list_is_a_clear_error(doors: str, factory: MockFactory) -> None:
    with pytest.raises(DeviceUrlError, match="door"):
        open_locker(f"gpio://?doors={doors}", pin_factory=factory)

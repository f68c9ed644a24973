"""Doors driven straight from GPIO: one relay per lock, one door switch, an optional item sensor.

Wiring (per door): a relay (or MOSFET) on an output pin energises the lock; a door switch
(micro-switch or reed contact) closes to ground when the door is shut, read on an input pin with
the internal pull-up, so a shut door reads *active* (low); an optional item sensor (IR
reflective module with an open-collector output) reads active when something is in the
compartment. A cut switch cable reads "open" — unlock is fired anyway when asked.

Protocol facts: there is no board to confirm anything; an unlock is "confirmed" when the relay
was switched on for ``pulse_ms`` (500 solenoid, 1000 motor) and off again. The relay is always
switched off in a ``finally``, so an exception cannot leave a lock energised.

The pin back-end is injected (``pin_factory``, gpiozero's default — lgpio on a Pi 5 — when
None); tests use :class:`gpiozero.pins.mock.MockFactory`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from kiosk.devices.health import Health, HealthState
from kiosk.devices.locker.protocol import DoorState, DoorStatus, LockerError

logger = logging.getLogger(__name__)

DoorPins = tuple[int, int, int | None]


class GpioLocker:
    """Compartment doors on GPIO relays and switches; implements :class:`.protocol.Locker`.

    Args:
        doors: ``{door: (relay_pin, switch_pin, item_pin or None)}`` in BCM numbering.
        pin_factory: the gpiozero pin factory; None uses gpiozero's default.
        pulse_ms: how long a relay is energised per unlock.
        active_high: False for relay boards that switch on a low output (most opto boards).
        switch_pull_up: True when the door switch closes to ground (shut door reads low).
        item_pull_up: True when the item sensor pulls its output low on "item present".
        name: the device name in health reports and logs.
        sleep: waits ``seconds`` while the relay is on (injected for tests; a real wait by
            default).

    Raises:
        LockerError: a pin could not be claimed (``fault/gpio_error``).
        ValueError: no doors, a door number below 1 or a pin used twice.
    """

    def __init__(
        self,
        doors: Mapping[int, DoorPins],
        *,
        pin_factory: Any = None,
        pulse_ms: int = 500,
        active_high: bool = True,
        switch_pull_up: bool = True,
        item_pull_up: bool = True,
        name: str = "locker",
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        if not doors:
            raise ValueError(f"{name}: no doors configured")
        if pulse_ms <= 0:
            raise ValueError(f"{name}: pulse_ms must be positive, got {pulse_ms}")
        pins = [pin for wiring in doors.values() for pin in wiring if pin is not None]
        if len(pins) != len(set(pins)):
            raise ValueError(f"{name}: a GPIO pin is used twice in {dict(doors)}")
        if min(doors) < 1:
            raise ValueError(f"{name}: doors are numbered from 1, got {min(doors)}")
        self.name = name
        self.pulse_ms = pulse_ms
        self._doors = tuple(sorted(doors))
        self._lock = threading.Lock()
        self._sleep = sleep if sleep is not None else threading.Event().wait
        self._relays: dict[int, DigitalOutputDevice] = {}
        self._switches: dict[int, DigitalInputDevice] = {}
        self._items: dict[int, DigitalInputDevice] = {}
        self._health = Health(HealthState.UNKNOWN, "not_checked", "no status read yet")
        try:
            for door, (relay, switch, item) in sorted(doors.items()):
                self._relays[door] = DigitalOutputDevice(
                    relay, active_high=active_high, initial_value=False, pin_factory=pin_factory
                )
                self._switches[door] = DigitalInputDevice(
                    switch, pull_up=switch_pull_up, pin_factory=pin_factory
                )
                if item is not None:
                    self._items[door] = DigitalInputDevice(
                        item, pull_up=item_pull_up, pin_factory=pin_factory
                    )
        except GPIOZeroError as exc:
            self._close_devices()
            health = Health(HealthState.FAULT, "gpio_error", f"{name}: {exc}")
            raise LockerError(f"{name}: cannot claim GPIO pins: {exc}", health) from exc
        logger.info(
            "%s: %d door(s) on GPIO, %d ms pulse, relays active %s",
            name,
            len(self._doors),
            pulse_ms,
            "high" if active_high else "low",
        )

    @property
    def doors(self) -> tuple[int, ...]:
        """Every door number, in order."""
        return self._doors

    def unlock(self, door: int) -> None:
        """Switch the door's relay on for ``pulse_ms``, then off; fired even if it reads open.

        Raises:
            ValueError: no such door.
            LockerError: the pin could not be driven (``fault/gpio_error``).
        """
        relay = self._relays.get(door)
        if relay is None:
            raise ValueError(f"{self.name}: no door {door}; doors are {list(self._doors)}")
        with self._lock:
            logger.info("%s: unlock door %d (%d ms)", self.name, door, self.pulse_ms)
            try:
                try:
                    relay.on()
                    self._sleep(self.pulse_ms / 1000)
                finally:
                    relay.off()
            except GPIOZeroError as exc:
                self._health = Health(HealthState.FAULT, "gpio_error", f"door {door}: {exc}")
                logger.warning("%s: relay of door %d failed: %s", self.name, door, exc)
                raise LockerError(f"{self.name}: door {door}: {exc}", self._health) from exc

    def read_doors(self) -> Mapping[int, DoorStatus]:
        """Every door's switch (and item sensor where fitted)."""
        with self._lock:
            result: dict[int, DoorStatus] = {}
            failed: list[str] = []
            for door in self._doors:
                try:
                    shut = self._switches[door].is_active
                    item_sensor = self._items.get(door)
                    item = None if item_sensor is None else bool(item_sensor.is_active)
                except GPIOZeroError as exc:
                    failed.append(f"door {door}: {exc}")
                    result[door] = DoorStatus(door, DoorState.UNKNOWN, None)
                    continue
                result[door] = DoorStatus(door, DoorState.CLOSED if shut else DoorState.OPEN, item)
            if failed:
                self._health = Health(HealthState.FAULT, "gpio_error", "; ".join(failed))
            else:
                self._health = Health(HealthState.OK)
            return result

    def health(self) -> Health:
        """The health from the last read or unlock."""
        with self._lock:
            return self._health

    def close(self) -> None:
        """Release the pins (relays off)."""
        with self._lock:
            self._close_devices()

    def _close_devices(self) -> None:
        devices: list[DigitalOutputDevice | DigitalInputDevice] = [
            *self._relays.values(),
            *self._switches.values(),
            *self._items.values(),
        ]
        for device in devices:
            try:
                device.close()
            except GPIOZeroError as exc:
                logger.warning("%s: closing %s failed: %s", self.name, device, exc)

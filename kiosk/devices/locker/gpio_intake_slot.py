"""The punch intake slot of ``return_mode = "punch"`` on GPIO (gpiozero).

Wiring: a flap actuator (``flap_pin``, energised for ``flap_open_s`` to let one document in),
a punch actuator (``punch_pin``, a pulse of ``punch_ms``: cancels the document and drops it
into the locked bin) and a light barrier in the slot (``sensor_pin``, active when a document
blocks it). The pin back-end is injected (``pin_factory``; gpiozero's default, lgpio on a Pi 5,
when None; ``MockFactory`` in tests).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from kiosk.devices.health import Health, HealthState
from kiosk.errors import DeviceError

logger = logging.getLogger(__name__)


class GpioIntakeSlot:
    """Implements the hand-over's ``IntakeSlot`` Protocol on three GPIO lines.

    Args:
        flap_pin: output that opens the flap while energised.
        punch_pin: output pulsed once per punch.
        sensor_pin: input of the light barrier (high = a document is in the slot).
        punch_ms: length of the punch pulse.
        flap_open_s: how long the flap stays open after ``open()``.
        pin_factory: the gpiozero pin factory; None uses gpiozero's default.
    """

    def __init__(
        self,
        *,
        flap_pin: int,
        punch_pin: int,
        sensor_pin: int,
        punch_ms: int = 300,
        flap_open_s: float = 20.0,
        pin_factory: Any = None,
    ) -> None:
        self.punch_ms = punch_ms
        self.flap_open_s = flap_open_s
        self._lock = threading.Lock()
        self._health = Health(HealthState.OK)
        try:
            self._flap = DigitalOutputDevice(flap_pin, pin_factory=pin_factory)
            self._punch = DigitalOutputDevice(punch_pin, pin_factory=pin_factory)
            self._sensor = DigitalInputDevice(sensor_pin, pin_factory=pin_factory)
        except GPIOZeroError as exc:
            raise DeviceError(f"intake slot: GPIO pins not available: {exc}") from exc

    def open(self) -> None:
        """Open the flap for ``flap_open_s`` seconds (it closes by itself)."""
        with self._lock:
            try:
                self._flap.blink(on_time=self.flap_open_s, off_time=0, n=1, background=True)
            except GPIOZeroError as exc:
                self._health = Health(HealthState.FAULT, "actuator", str(exc))
                raise DeviceError(f"intake slot: flap did not respond: {exc}") from exc
        logger.info("intake slot flap opened for %.0f s", self.flap_open_s)

    def document_present(self) -> bool | None:
        """The light barrier: True when a document is in the slot."""
        try:
            return bool(self._sensor.is_active)
        except GPIOZeroError:
            logger.exception("intake slot sensor could not be read")
            return None

    def punch(self) -> None:
        """Pulse the punch once and close the flap."""
        with self._lock:
            try:
                self._flap.off()
                self._punch.blink(on_time=self.punch_ms / 1000, off_time=0, n=1, background=False)
            except GPIOZeroError as exc:
                self._health = Health(HealthState.FAULT, "actuator", str(exc))
                raise DeviceError(f"intake slot: punch did not respond: {exc}") from exc
        logger.info("intake slot punched (%d ms)", self.punch_ms)

    def health(self) -> Health:
        """OK until an actuator failed."""
        return self._health

    def close(self) -> None:
        """Release the pins."""
        for device in (self._flap, self._punch, self._sensor):
            device.close()

"""Push buttons and the call-staff lamp on the Raspberry Pi's GPIO header, through gpiozero.

Each button connects its pin to ground when pressed (the Pi's internal pull-up holds it high
otherwise); the lamp is driven high to light (through a transistor or a lit push button's
LED driver: a GPIO pin gives 16 mA at most). Wiring: docs/deploy.md ("Accessibility buttons").
Tests run it on gpiozero's ``MockFactory`` pins.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from gpiozero import LED, Button

from kiosk.devices.buttons.protocol import CALL_STAFF, PressListener, service_button
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

BOUNCE_S = 0.05
"""Contact bounce ignored after a press (a tactile switch settles within ~10 ms)."""


class ButtonPanelError(DeviceError):
    """Raised when a button or the lamp pin cannot be set up."""


class GpioButtonPanel:
    """The buttons of ``[accessibility.buttons]`` on GPIO pins (BCM numbers).

    Args:
        call_staff_pin: the call-staff button (None: not fitted).
        lamp_pin: the call-staff lamp (None: not fitted).
        service_pins: pin -> service id of the tactile ticket buttons.
        pin_factory: gpiozero's pin factory (``MockFactory`` in tests; None: the Pi's own).

    Raises:
        ButtonPanelError: a pin could not be claimed.
    """

    def __init__(
        self,
        call_staff_pin: int | None,
        lamp_pin: int | None,
        service_pins: Mapping[int, str],
        *,
        pin_factory: Any = None,
    ) -> None:
        self._lock = threading.Lock()
        self._listener: PressListener | None = None
        self._buttons: dict[str, Button] = {}
        self._lamp: LED | None = None
        pins = dict(service_pins)
        names = {pin: service_button(service) for pin, service in pins.items()}
        if call_staff_pin is not None:
            names[call_staff_pin] = CALL_STAFF
        try:
            for pin, name in names.items():
                button = Button(pin, pull_up=True, bounce_time=BOUNCE_S, pin_factory=pin_factory)
                button.when_pressed = self._handler(name)
                self._buttons[name] = button
            if lamp_pin is not None:
                self._lamp = LED(lamp_pin, pin_factory=pin_factory)
        except Exception as exc:  # NOTE: gpiozero raises its own tree and OSError
            self.close()
            raise ButtonPanelError(f"GPIO buttons could not be set up: {exc}") from exc
        log.info("buttons on GPIO: %s", ", ".join(f"{n}={p}" for p, n in names.items()))

    def _handler(self, name: str) -> Any:
        def pressed() -> None:
            with self._lock:
                listener = self._listener
            log.info("button %s pressed", name)
            if listener is not None:
                try:
                    listener(name)
                except Exception:  # NOTE: never let a listener kill gpiozero's thread
                    log.exception("the listener of button %s failed", name)

        return pressed

    @property
    def buttons(self) -> tuple[str, ...]:
        """The names of the buttons fitted."""
        return tuple(self._buttons)

    def start(self, listener: PressListener) -> None:
        """Report presses to ``listener``."""
        with self._lock:
            self._listener = listener

    def set_lamp(self, on: bool) -> None:
        """Light or put out the call-staff lamp."""
        if self._lamp is not None:
            self._lamp.value = 1 if on else 0

    @property
    def lamp_on(self) -> bool:
        """True while the lamp is lit."""
        return self._lamp is not None and bool(self._lamp.value)

    def close(self) -> None:
        """Release every pin (the lamp goes out)."""
        with self._lock:
            self._listener = None
        for button in self._buttons.values():
            button.close()
        self._buttons.clear()
        if self._lamp is not None:
            self._lamp.off()
            self._lamp.close()
            self._lamp = None

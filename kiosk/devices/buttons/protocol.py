"""What the kiosk needs from its physical buttons, whatever reads them.

A press is reported once, by name, on the driver's own thread: ``call_staff`` for the
call-staff button and ``service:<id>`` for a tactile ticket button (``[accessibility.buttons]``).
Holding a button down does not repeat it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

CALL_STAFF = "call_staff"
SERVICE_PREFIX = "service:"

PressListener = Callable[[str], None]
"""Gets the pressed button's name (on the driver's thread: hand work over, do not block)."""


def service_button(service_id: str) -> str:
    """The name of the tactile button of ``service_id``."""
    return f"{SERVICE_PREFIX}{service_id}"


class ButtonPanel(Protocol):
    """The kiosk's physical buttons and the call-staff lamp (see the module docstring)."""

    @property
    def buttons(self) -> tuple[str, ...]:
        """The names of the buttons fitted."""
        ...

    def start(self, listener: PressListener) -> None:
        """Report every press to ``listener`` from now on."""
        ...

    def set_lamp(self, on: bool) -> None:
        """Light the call-staff lamp (or put it out); no lamp fitted: nothing happens."""
        ...

    def close(self) -> None:
        """Release the pins (the lamp goes out)."""
        ...

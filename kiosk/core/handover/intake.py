"""The intake slot of ``return_mode = "punch"``: a flap, a document sensor and a punch.

Seed design (Copenhagen): the citizen pushes the old passport into a slot; a punch cancels
it and drops it into a locked bin. Driven by GPIO (an actuator for the flap, one for the
punch, a light barrier in the slot); the driver lives in ``kiosk/devices`` when it exists.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.devices.health import Health


class IntakeSlot(Protocol):
    """What the hand-over needs from a punch intake slot."""

    def open(self) -> None:
        """Open the slot's flap so one document can be pushed in.

        Raises:
            DeviceError: the actuator did not respond.
        """
        ...

    def document_present(self) -> bool | None:
        """The slot's sensor: a document is in the slot (None when it cannot be read)."""
        ...

    def punch(self) -> None:
        """Punch the document in the slot and drop it into the bin; the flap closes.

        Raises:
            DeviceError: the actuator did not respond.
        """
        ...

    def health(self) -> Health:
        """The slot's health."""
        ...

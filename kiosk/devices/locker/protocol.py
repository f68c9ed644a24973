"""What the core needs from a locker, whatever board drives the locks.

Doors are numbered from 1 in the order of the boards and their locks (board 0 locks 1-16 are
doors 1-16, board 1 lock 1 is door 17, …). "Unlock sent" and "door opened" are separate
facts: a board acknowledges a pulse; only the door sensor says the door moved.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kiosk.devices.health import Health
from kiosk.errors import DeviceError


class DoorState(enum.StrEnum):
    """What a door's sensor says; UNKNOWN when the board did not answer."""

    CLOSED = "closed"  # closed and latched
    OPEN = "open"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DoorStatus:
    """One door's sensors at one moment.

    Attributes:
        door: the door number (from 1).
        state: the door sensor.
        item_present: the item sensor (infrared), None when the board has none or did not say.
    """

    door: int
    state: DoorState
    item_present: bool | None = None


class LockerError(DeviceError):
    """Raised when a locker command could not be carried out; ``health`` says why."""

    def __init__(self, message: str, health: Health):
        super().__init__(message)
        self.health = health


class Locker(Protocol):
    """A bank of compartment doors as the core sees it."""

    name: str

    @property
    def doors(self) -> tuple[int, ...]:
        """Every door number this locker drives, in order."""
        ...

    def unlock(self, door: int) -> None:
        """Fire the door's lock once (a pulse of the configured length).

        Always fired when asked, even if the sensor already reads open: a cut sensor cable
        reads open. Returns when the board acknowledged the command.

        Raises:
            LockerError: the board did not acknowledge (no answer, corrupt reply).
            ValueError: no such door.
        """
        ...

    def read_doors(self) -> Mapping[int, DoorStatus]:
        """Every door's sensors; doors of a board that did not answer are UNKNOWN."""
        ...

    def health(self) -> Health:
        """The locker's health from the last exchange with its boards."""
        ...

    def close(self) -> None:
        """Release the transport."""
        ...

"""What the core needs from a locker, whatever board drives the locks.

Doors are numbered from 1 in the order of the boards and their locks (board 0 locks 1-16 are
doors 1-16, board 1 lock 1 is door 17, …). "Unlock sent" and "door opened" are separate
facts: a board acknowledges a pulse; only the door sensor says the door moved.

An unlock tells how it was confirmed (:class:`UnlockResult`): by the board's own reply, by the
door's sensor read back after the pulse, or not at all because the door still reads locked
(a jammed latch, or a board that did not take the command). None of these fires the lock again:
whether to try once more is the caller's decision.
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


class UnlockConfirmation(enum.StrEnum):
    """How a sent unlock was confirmed."""

    REPLY = "reply"  # the board answered the unlock for that very lock
    SENSOR = "sensor"  # the door's own sensor read unlocked after the pulse
    NOT_CONFIRMED = "not_confirmed"  # the board answers, and the door still reads locked


@dataclass(frozen=True)
class UnlockResult:
    """What one unlock did, as far as the locker can tell.

    Attributes:
        door: the door number (from 1).
        confirmation: how the unlock was confirmed, or that the door still reads locked.
        reply: how the board answered the unlock command itself (driver-specific words, for
            example ``echo``, ``status``, ``silent`` or ``corrupt`` for a Kerong board).
        detail: English text with the evidence, for logs and the technician.
        frames: the frames this unlock exchanged (``describe()`` lines), oldest first.
    """

    door: int
    confirmation: UnlockConfirmation
    reply: str = ""
    detail: str = ""
    frames: tuple[str, ...] = ()

    @property
    def confirmed(self) -> bool:
        """True when a reply or the door's sensor confirmed the unlock."""
        return self.confirmation is not UnlockConfirmation.NOT_CONFIRMED


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

    def unlock(self, door: int) -> UnlockResult | None:
        """Fire the door's lock once (a pulse of the configured length).

        Always fired when asked, even if the sensor already reads open: a cut sensor cable
        reads open. Never fired twice by one call.

        Returns:
            How the unlock was confirmed (:attr:`UnlockConfirmation.NOT_CONFIRMED` when the
            board answers and the door still reads locked), or None for a locker that cannot
            tell (relays without feedback).

        Raises:
            LockerError: the locker cannot tell whether the lock fired (no answer to the
                unlock nor to the sensor read-back, corrupt replies, a lost line).
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

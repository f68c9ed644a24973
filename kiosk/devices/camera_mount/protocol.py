"""What the photo booth needs from a motorised camera mount, whatever moves it.

Heights are millimetres above the mount's home (the lower limit switch's trip point, 0 mm).
Motion is asynchronous: :meth:`CameraMount.move_to` returns at once and the mount moves on its
own thread; :attr:`CameraMount.moving` and :meth:`CameraMount.wait_idle` tell when it stopped.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.devices.health import Health
from kiosk.errors import DeviceError

# Health reasons (machine-readable, stable): screens translate them, the server groups by them.
REASON_NOT_CHECKED = "not_checked"  # unknown: not homed yet since start
REASON_HOMING = "mount_homing"  # unknown: looking for the limit switch
REASON_NOT_HOMED = "mount_not_homed"  # fault: the limit switch was not found within the travel
REASON_STALLED = "mount_stalled"  # fault: the driver board reported a stall (DIAG / nFAULT)
REASON_POSITION_LOST = "mount_position_lost"  # fault: limit switch hit away from home
REASON_SWITCH_STUCK = "limit_switch_stuck"  # fault: the switch stays pressed after backing off
REASON_GPIO_ERROR = "gpio_error"  # fault: a pin could not be driven or read


class CameraMountError(DeviceError):
    """Raised when the camera mount cannot do what it was asked; ``health`` says why."""

    def __init__(self, message: str, health: Health):
        super().__init__(message)
        self.health = health


class MountNotReadyError(CameraMountError):
    """Raised when a move is asked of a mount that is not homed, homing or in fault."""


class MountLimitError(CameraMountError, ValueError):
    """Raised when a target height lies outside the mount's soft limits."""


class CameraMount(Protocol):
    """A camera carriage that moves up and down a rail (see the module docstring)."""

    name: str

    @property
    def position_mm(self) -> float:
        """Where the camera is now (counted from home; meaningless until homed)."""
        ...

    @property
    def target_mm(self) -> float | None:
        """Where it is going (None when it is not moving)."""
        ...

    @property
    def limits(self) -> tuple[float, float]:
        """The soft limits ``(lowest, highest)`` a move may ask for, in mm."""
        ...

    @property
    def moving(self) -> bool:
        """True while the motor turns (a move or homing)."""
        ...

    @property
    def homed(self) -> bool:
        """True once the position is known (homing succeeded and nothing lost it since)."""
        ...

    @property
    def health(self) -> Health:
        """The mount's health now."""
        ...

    def home(self, *, then_mm: float | None = None) -> None:
        """Start homing: down to the limit switch, back off, then to ``then_mm`` if given.

        Returns at once; the health says ``unknown/mount_homing`` until it is done, then ``ok``
        or ``fault`` with the reason.
        """
        ...

    def move_to(self, mm: float) -> None:
        """Start moving to ``mm`` (a new target replaces the one being approached).

        Raises:
            MountLimitError: ``mm`` is outside :attr:`limits`.
            MountNotReadyError: not homed (yet), homing, or in fault.
        """
        ...

    def nudge(self, delta_mm: float) -> float:
        """Move by ``delta_mm`` from the current target (or position), clamped to the limits.

        Returns:
            The new target in mm.

        Raises:
            MountNotReadyError: not homed (yet), homing, or in fault.
        """
        ...

    def stop(self) -> None:
        """Stop at once (a move or homing); the motor is released."""
        ...

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the motor stands still; True when it does."""
        ...

    def close(self) -> None:
        """Stop, release the motor and the pins."""
        ...

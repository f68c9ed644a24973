"""A Kerong KR-CU16 lock-board chain simulator (TCP ``socket://``) with a control API."""

from simulators.locker.server import (
    DEFAULT_PORT,
    DoorModel,
    LockerSimulator,
    Pulse,
    WireFrame,
)

__all__ = ["DEFAULT_PORT", "DoorModel", "LockerSimulator", "Pulse", "WireFrame"]

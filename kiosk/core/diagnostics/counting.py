"""Counting what has no table of its own: scans, unlocks and door cycles (issue 11).

The counts live in the store (:class:`kiosk.store.diagnostics.DiagnosticsRepository`); a
count that cannot be stored is logged and lost, never allowed to stop a scan or a door.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from kiosk.devices.health import Health
from kiosk.devices.locker.protocol import DoorState, DoorStatus, Locker, UnlockResult
from kiosk.errors import StoreError
from kiosk.store.diagnostics import DiagnosticsRepository, door_cycles, door_unlocks

log = logging.getLogger(__name__)


def count(repository: DiagnosticsRepository | None, name: str) -> None:
    """Add one to counter ``name``; a store failure is logged, not raised."""
    if repository is None:
        return
    try:
        repository.increment(name)
    except StoreError as exc:
        log.warning("counter %s not stored: %s", name, exc)


class CountingLocker:
    """A :class:`~kiosk.devices.locker.protocol.Locker` that counts, per door, every unlock
    sent and every cycle (a door seen open, then closed again) in whatever reads the doors.

    NOTE: a cycle is counted from the sensor readings the kiosk makes anyway (hand-overs,
    the tamper watch, self-tests); a door opened and shut between two readings is not seen.
    Anything else the driver offers (its flight recorder, board restarts) passes through.

    Args:
        locker: the real locker.
        repository: where the counts go.
    """

    def __init__(self, locker: Locker, repository: DiagnosticsRepository):
        self._locker = locker
        self._repository = repository
        self._lock = threading.Lock()
        self._last: dict[int, DoorState] = {}
        self.name = locker.name

    @property
    def inner(self) -> Locker:
        """The locker being counted."""
        return self._locker

    @property
    def doors(self) -> tuple[int, ...]:
        """Every door number of the locker."""
        return self._locker.doors

    def unlock(self, door: int) -> UnlockResult | None:
        """Fire the door once (see the Protocol); counted unless the door does not exist."""
        if door not in self._locker.doors:
            return self._locker.unlock(door)  # raises ValueError
        try:
            return self._locker.unlock(door)
        finally:
            count(self._repository, door_unlocks(door))

    def read_doors(self) -> Mapping[int, DoorStatus]:
        """Every door's sensors; an open door that now reads closed counts one cycle."""
        doors = self._locker.read_doors()
        cycled: list[int] = []
        with self._lock:
            for door, status in doors.items():
                if status.state is DoorState.UNKNOWN:
                    continue
                if self._last.get(door) is DoorState.OPEN and status.state is DoorState.CLOSED:
                    cycled.append(door)
                self._last[door] = status.state
        for door in cycled:
            count(self._repository, door_cycles(door))
        return doors

    def health(self) -> Health:
        """The locker's health."""
        return self._locker.health()

    def close(self) -> None:
        """Release the locker."""
        self._locker.close()

    def __getattr__(self, name: str) -> Any:
        # NOTE: only called for names this class lacks (recent_frames, restarts…).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._locker, name)


__all__ = ["CountingLocker", "count"]

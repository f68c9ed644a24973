"""A clock-synchronisation source whose answer the demo panel or a test sets.

It stands where ``kiosk.devices.clock.adjtimex.AdjtimexClockSync`` reads the kernel: the
demo runs on machines whose clock may or may not be synchronised (a container, a laptop),
and shows the kiosk as it behaves on a synchronised one, until the panel says otherwise.
"""

from __future__ import annotations

import threading

from kiosk.devices.clock.protocol import SyncReading


class SimulatedClockSync:
    """Answers what it was last told: synchronised, not synchronised, or unreadable (None)."""

    def __init__(self, synchronised: bool | None = True):
        self._lock = threading.Lock()
        self._synchronised = synchronised

    def set(self, synchronised: bool | None) -> None:
        """Change the answer (a time service starting or stopping)."""
        with self._lock:
            self._synchronised = synchronised

    def read(self) -> SyncReading:
        """The simulated reading."""
        with self._lock:
            state = self._synchronised
        return SyncReading(state, 0.01 if state else None, "simulated clock synchronisation")


__all__ = ["SimulatedClockSync"]

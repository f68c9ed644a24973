"""A bound on the events written for scans that proved nothing (issue 10, item 12).

Anyone can hold anything under the scanner: a product barcode, a URL, noise from a loose
cable, a forged QR, thousands of times. Each such scan is refused on screen at once, but
its ``checkin.rejected`` event goes to the outbox, and a long offline spell of noise used
to fill the outbox until tickets were refused. The gate lets a few refusal events through
per minute for each reason and counts the rest; the next event that passes carries the
count (``suppressed``), so the server still learns how many there were.

The gate is only for refusals of scans that did not verify. A refusal of a verified token
(too early, already used, another office) concerns a real booking and is always recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_PER_MINUTE = 6
"""Refusal events per reason per minute; more than a person scanning ever produces."""


@dataclass
class _Window:
    started: float
    passed: int = 0
    suppressed: int = 0


class RefusalGate:
    """Lets at most ``per_minute`` refusal events through per reason, counting the rest.

    Thread-safe. Uses a monotonic clock, so a clock jump neither opens nor shuts it.

    Args:
        per_minute: events per reason in each 60 s window.
        monotonic: the time source (tests pass their own).
    """

    def __init__(
        self,
        per_minute: int = DEFAULT_PER_MINUTE,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._per_minute = per_minute
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._carried: dict[str, int] = {}

    def admit(self, reason: str) -> int | None:
        """Whether to record one more refusal for ``reason``.

        Returns:
            None: do not record it (it was counted); else the number of refusals of this
            reason left out since the last one recorded, to put in this event.
        """
        now = self._monotonic()
        with self._lock:
            window = self._windows.get(reason)
            if window is None or now - window.started >= 60.0:
                if window is not None:
                    self._carried[reason] = self._carried.get(reason, 0) + window.suppressed
                window = self._windows[reason] = _Window(now)
            if window.passed >= self._per_minute:
                window.suppressed += 1
                return None
            window.passed += 1
            return self._carried.pop(reason, 0)

    def suppressed(self) -> int:
        """Refusals counted but not yet reported in any event."""
        with self._lock:
            in_windows = sum(w.suppressed for w in self._windows.values())
            return in_windows + sum(self._carried.values())


__all__ = ["DEFAULT_PER_MINUTE", "RefusalGate"]

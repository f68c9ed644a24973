"""Spacing of attempts to re-open a device that is not there (:class:`ReopenBackoff`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.errors import TransportError

DEFAULT_REOPEN_BACKOFF_S = (0.5, 10.0)  # as the scanners' reader threads


class ReopenBackoff:
    """When the next attempt to open a device that is not there may go.

    The first attempt, and the first after an open connection was lost, go at once (a glitch
    is over in no time). After a failed attempt the next may go ``first`` seconds later, then
    twice as long each time up to ``longest``; a success starts again from nothing.

    NOTE: without it, a lock-board line whose RS-485-to-Ethernet converter is gone would be
    dialled at every door watch (once a second), each dial holding the hand-over for up to
    pyserial's 5 s connect timeout.

    Args:
        first: the wait after the first failure (seconds).
        longest: the longest wait.
        clock: monotonic seconds (tests pass a fake one).

    Raises:
        ValueError: a back-off that is not ``0 < first <= longest``.
    """

    def __init__(
        self,
        first: float = DEFAULT_REOPEN_BACKOFF_S[0],
        longest: float = DEFAULT_REOPEN_BACKOFF_S[1],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < first <= longest:
            raise ValueError(
                f"reopen back-off must be 0 < first <= longest, got {first}, {longest}"
            )
        self.first = first
        self.longest = longest
        self._clock = clock
        self.failures = 0
        self.last_error = ""
        self._next_at: float | None = None

    def wait_s(self) -> float:
        """Seconds until the next attempt may go (0 when it may go now)."""
        if self._next_at is None:
            return 0.0
        return max(0.0, self._next_at - self._clock())

    def check(self, url: str) -> None:
        """Raise when an attempt now would come too early.

        Raises:
            TransportError: the wait is not over; says the last error and the time left.
        """
        wait = self.wait_s()
        if wait > 0:
            raise TransportError(
                f"{url}: not there ({self.last_error}); next attempt in {wait:.1f} s"
            )

    def failed(self, error: str) -> float:
        """Note a failed attempt; returns the wait before the next one."""
        delay = min(self.longest, self.first * 2.0 ** min(self.failures, 30))
        self.failures += 1
        self.last_error = error
        self._next_at = self._clock() + delay
        return delay

    def succeeded(self) -> None:
        """The device opened: the next loss retries at once."""
        self.failures = 0
        self.last_error = ""
        self._next_at = None

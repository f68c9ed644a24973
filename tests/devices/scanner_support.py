"""A listener that collects what a scanner reports, with waits that time out (no sleeps)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kiosk.devices.health import Health
from kiosk.devices.scanner.protocol import ScannedCode

WAIT_S = 5.0


class ScanRecorder:
    """Collects codes and health reports from a scanner's thread."""

    def __init__(self) -> None:
        self.codes: list[ScannedCode] = []
        self.health: list[tuple[str, str]] = []
        self._changed = threading.Condition()

    def on_code(self, code: ScannedCode) -> None:
        with self._changed:
            self.codes.append(code)
            self._changed.notify_all()

    def on_health(self, name: str, health: Health) -> None:
        with self._changed:
            self.health.append((health.state.value, health.reason))
            self._changed.notify_all()

    def texts(self) -> list[str]:
        with self._changed:
            return [c.text for c in self.codes]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT_S) -> bool:
        """Wait until ``predicate()`` holds; re-checked on each report and every 10 ms."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.01))
            return True

    def wait_for_codes(self, count: int, timeout: float = WAIT_S) -> list[str]:
        self.wait_for(lambda: len(self.codes) >= count, timeout)
        return self.texts()

    def wait_for_health(self, state: str, reason: str = "", timeout: float = WAIT_S) -> bool:
        return self.wait_for(
            lambda: bool(self.health) and self.health[-1] == (state, reason), timeout
        )

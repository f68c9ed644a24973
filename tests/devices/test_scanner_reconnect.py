"""A serial scanner unplugged (the simulator closes its socket) comes back healthy by itself.

The real serial scanner driver against the scanner simulator. Its reader thread re-opens the
port with back-off: ``first`` seconds after a failure, doubling up to ``longest``, and from
``first`` again after the device was found. The attempts are timed by wrapping pyserial's
``serial_for_url`` (the real one still opens the port).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from kiosk.devices.scanner.serial_scanner import SerialScanner
from simulators.scanner.server import ScannerSimulator
from tests.devices.scanner_support import ScanRecorder
from tests.link.link_support import wait_until

FIRST_S, LONGEST_S = 0.1, 0.4


class OpenAttempts:
    """When pyserial was asked to open a port, and whether it worked."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.lock = threading.Lock()
        self.attempts: list[tuple[float, bool]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            port = self.real(*args, **kwargs)
        except Exception:
            with self.lock:
                self.attempts.append((time.monotonic(), False))
            raise
        with self.lock:
            self.attempts.append((time.monotonic(), True))
        return port

    def failed_since(self, index: int) -> list[float]:
        with self.lock:
            return [at for at, ok in self.attempts[index:] if not ok]

    def count(self) -> int:
        with self.lock:
            return len(self.attempts)


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> OpenAttempts:
    recorder = OpenAttempts(serial.serial_for_url)
    monkeypatch.setattr(serial, "serial_for_url", recorder)
    return recorder


@pytest.fixture
def sim() -> Iterator[ScannerSimulator]:
    with ScannerSimulator(port=0) as simulator:
        yield simulator


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_an_unplugged_scanner_is_retried_with_a_doubling_back_off_and_reads_again_when_back(
    sim: ScannerSimulator, attempts: OpenAttempts
) -> None:
    recorder = ScanRecorder()
    scanner = SerialScanner(sim.url, reopen_backoff_s=(FIRST_S, LONGEST_S))
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for_health("ok")
        sim.go_silent()
        assert recorder.wait_for_health("fault", "disconnected")
        mark = 0
        wait_until(lambda: len(attempts.failed_since(mark)) >= 5, 10, "five failed re-opens")
        spacing = gaps(attempts.failed_since(mark)[:5])
        # Each wait at least the back-off (a little scheduling slack above it).
        for measured, expected in zip(spacing, [0.1, 0.2, 0.4, 0.4], strict=True):
            assert expected - 0.01 <= measured < expected + 0.3, spacing

        sim.come_back()
        assert recorder.wait_for_health("ok")
        assert sim.wait_for_clients(1)
        sim.scan("AFTER")
        assert recorder.wait_for_codes(1) == ["AFTER"]
        assert recorder.health == [("ok", ""), ("fault", "disconnected"), ("ok", "")]
        assert (scanner.counters.losses, scanner.counters.opens) == (1, 2)

        # A second unplug starts the back-off from the first step again.
        mark = attempts.count()
        sim.go_silent()
        wait_until(lambda: len(attempts.failed_since(mark)) >= 2, 10, "two failed re-opens")
        first_gap = gaps(attempts.failed_since(mark)[:2])[0]
        assert FIRST_S - 0.01 <= first_gap < FIRST_S + 0.3
    finally:
        scanner.stop()
    assert scanner.running is False

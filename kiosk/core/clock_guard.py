"""Whether the wall clock can be trusted for a decision that depends on it (issue 10, item 11).

A booking's window, a token's ``exp`` and a pickup notice's validity are all judged by the
kiosk's wall clock. A clock set a year ahead refused every code; a clock ten days behind
accepted a token that had expired ten days earlier. The kernel knows whether a time
service keeps the clock synchronised (``kiosk.devices.clock``); this guard turns that into
a verdict and a ``clock`` health:

=========================================  ===========  =================================
situation                                  decisions    health
=========================================  ===========  =================================
synchronised                               made         ok
not synchronised, but it was earlier in    made         degraded ``clock_holdover``
this boot, less than ``holdover`` ago, and
the clock has not jumped since
not synchronised since the kiosk started   refused      fault ``clock_unsynchronised``
the clock jumped while unsynchronised      refused      fault ``clock_jumped``
(it moved away from the monotonic clock)
synchronisation cannot be read             refused      unknown ``clock_unreadable``
=========================================  ===========  =================================

NOTE: the anchor of the holdover is the boot clock (``CLOCK_BOOTTIME``), which nobody can
set and which keeps counting through suspend: wall time minus boot time stays constant
while the clock is left alone, up to the crystal's drift (bounded here at 500 ppm, the
kernel's own ``maxerror`` growth rate), so a hand-set or jumped clock shows at once.
A kiosk that starts while no time service is reachable therefore refuses QR check-in and
pickup until its clock is synchronised, and says so on screen; typed booking codes, which
the server checks, still work. docs/security.md says why.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from kiosk.core.clock import Clock
from kiosk.devices.clock.protocol import ClockSync
from kiosk.devices.health import Health, HealthBoard, HealthState

log = logging.getLogger(__name__)

CLOCK_HEALTH = "clock"
"""The health board's device name for the system clock."""

DRIFT_PER_S = 500e-6
"""The most a free-running clock drifts per second (the kernel assumes 500 ppm)."""


def boot_seconds() -> float:
    """Seconds since boot on a clock nobody can set (``CLOCK_BOOTTIME`` where there is one)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    return time.monotonic()


@dataclass(frozen=True)
class ClockVerdict:
    """Whether the wall clock may decide, and the health that says why.

    Attributes:
        trusted: time-sensitive decisions may be made.
        health: the ``clock`` health (reason ``clock_…`` when not ok).
    """

    trusted: bool
    health: Health


class ClockGuard:
    """Judges the wall clock from the kernel's synchronisation and the boot clock.

    Thread-safe. ``check`` is cheap (one system call) and is made at each decision.

    Args:
        sync: reads the kernel's synchronisation state.
        clock: the wall clock the decisions use.
        health: where the ``clock`` health is reported (on change).
        holdover: how long after the last synchronised reading an unsynchronised clock is
            still trusted (the network or the time server may be away for a while).
        tolerance_s: how far the clock may move against the boot clock before it counts as
            jumped (on top of the drift bound).
        boot_clock: seconds since boot (tests pass their own).
    """

    def __init__(
        self,
        sync: ClockSync,
        clock: Clock,
        *,
        health: HealthBoard | None = None,
        holdover: timedelta = timedelta(days=7),
        tolerance_s: float = 60.0,
        boot_clock: Callable[[], float] = boot_seconds,
    ):
        self._sync = sync
        self._clock = clock
        self._health = health
        self._holdover_s = holdover.total_seconds()
        self._tolerance_s = tolerance_s
        self._boot_clock = boot_clock
        self._lock = threading.Lock()
        self._anchor: tuple[float, float] | None = None  # (wall, boot) when last synchronised
        if health is not None:
            health.register(CLOCK_HEALTH)

    def check(self) -> ClockVerdict:
        """Read the clock's state now, report its health and say whether it may decide."""
        reading = self._sync.read()
        wall = self._clock.now().timestamp()
        boot = self._boot_clock()
        with self._lock:
            verdict = self._judge(reading.synchronised, reading.detail, wall, boot)
        if self._health is not None:
            self._health.report(CLOCK_HEALTH, verdict.health)
        return verdict

    def _judge(
        self, synchronised: bool | None, detail: str, wall: float, boot: float
    ) -> ClockVerdict:
        if synchronised:
            self._anchor = (wall, boot)
            return ClockVerdict(True, Health(HealthState.OK, detail=detail))
        if self._anchor is None:
            if synchronised is None:
                return ClockVerdict(False, Health(HealthState.UNKNOWN, "clock_unreadable", detail))
            return ClockVerdict(
                False,
                Health(
                    HealthState.FAULT,
                    "clock_unsynchronised",
                    f"not synchronised since the kiosk started ({detail})",
                ),
            )
        anchor_wall, anchor_boot = self._anchor
        elapsed = boot - anchor_boot
        moved = wall - (anchor_wall + elapsed)
        if abs(moved) > self._tolerance_s + DRIFT_PER_S * elapsed:
            # NOTE: the anchor is kept: a clock set back to the right time is trusted again.
            return ClockVerdict(
                False,
                Health(
                    HealthState.FAULT,
                    "clock_jumped",
                    f"the clock moved {moved:+.0f} s against the boot clock while unsynchronised",
                ),
            )
        if elapsed > self._holdover_s:
            return ClockVerdict(
                False,
                Health(
                    HealthState.FAULT,
                    "clock_unsynchronised",
                    f"last synchronised {elapsed / 3600:.1f} h ago ({detail})",
                ),
            )
        return ClockVerdict(
            True,
            Health(
                HealthState.DEGRADED,
                "clock_holdover",
                f"not synchronised for {elapsed:.0f} s; within the holdover ({detail})",
            ),
        )


__all__ = ["CLOCK_HEALTH", "ClockGuard", "ClockVerdict", "boot_seconds"]

"""The device health model shared by every device (DESIGN §2).

``ok``       works.
``degraded`` works, needs attention (paper near end, scanner slow).
``fault``    cannot do its job (paper out, door jammed, cover open).
``unknown``  we could not find out (no answer, status unsupported). Never reported as ok.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


class HealthState(enum.StrEnum):
    """How well a device can do its job."""

    OK = "ok"
    DEGRADED = "degraded"
    FAULT = "fault"
    UNKNOWN = "unknown"

    @property
    def usable(self) -> bool:
        """True when the device can be asked to work (ok or degraded)."""
        return self in (HealthState.OK, HealthState.DEGRADED)


@dataclass(frozen=True)
class Health:
    """A device's health at one moment.

    Attributes:
        state: the health state.
        reason: a stable machine-readable code (``paper_out``, ``no_answer``, ``cover_open``…);
            empty for ``ok``. Screens translate it, the server groups by it.
        detail: English text for logs and technicians (port, value seen).
        since: when this state was first observed (UTC).
    """

    state: HealthState
    reason: str = ""
    detail: str = ""
    since: datetime = field(default_factory=lambda: datetime.now(UTC))

    def same_as(self, other: Health | None) -> bool:
        """True when ``other`` describes the same condition (ignoring time and detail)."""
        return other is not None and (self.state, self.reason) == (other.state, other.reason)

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form used in events and the health snapshot."""
        return {
            "state": self.state.value,
            "reason": self.reason,
            "detail": self.detail,
            "since": self.since.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }


UNKNOWN_AT_START = Health(HealthState.UNKNOWN, "not_checked", "no status read yet")

HealthListener = Callable[[str, Health], None]


class HealthBoard:
    """The current health of every device, with listeners called on each change.

    Thread-safe: drivers report from their own threads. Listeners are called outside
    the lock, on the reporting thread, and must only enqueue work.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._health: dict[str, Health] = {}
        self._listeners: list[HealthListener] = []

    def register(self, device: str) -> None:
        """Add a device as ``unknown`` until its first report."""
        with self._lock:
            self._health.setdefault(device, UNKNOWN_AT_START)

    def subscribe(self, listener: HealthListener) -> None:
        """Call ``listener(device, health)`` on every change of state or reason."""
        with self._lock:
            self._listeners.append(listener)

    def report(self, device: str, health: Health) -> bool:
        """Record a device's health; returns True (and notifies) when it changed.

        The same state and reason with a new detail is kept silently (``since`` stays): the
        paper forecast's metres left go on counting down in the health snapshot, without
        an event for every ticket.
        """
        with self._lock:
            previous = self._health.get(device)
            if health.same_as(previous):
                if previous is not None and health.detail != previous.detail:
                    self._health[device] = Health(
                        health.state, health.reason, health.detail, previous.since
                    )
                return False
            self._health[device] = health
            listeners = list(self._listeners)
        for listener in listeners:
            listener(device, health)
        return True

    def get(self, device: str) -> Health:
        """The last reported health, ``unknown`` if never reported."""
        with self._lock:
            return self._health.get(device, UNKNOWN_AT_START)

    def snapshot(self) -> dict[str, Health]:
        """A copy of every device's health."""
        with self._lock:
            return dict(self._health)

"""How many people wait per service and for how long.

The central server knows best (it sees the counters): its retained queue topic
``kiosk/v1/office/{office}/queue`` wins while it is fresh. Without it the kiosk estimates
from today's tickets and the configured average service time, and says it is an estimate.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.config import KioskConfig
from kiosk.core.clock import Clock
from kiosk.core.numbering import business_day
from kiosk.store.tickets import TicketRepository

SERVER_FIGURES_MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class WaitFigure:
    """People waiting for a service and the expected wait for a new ticket."""

    people_waiting: int
    wait_minutes: int
    estimated: bool  # True: our own estimate; False: the server's figure


WaitListener = Callable[[], None]


class WaitingBoard:
    """Waiting figures per service: the server's when fresh, else a local estimate."""

    def __init__(self, config: KioskConfig, tickets: TicketRepository, clock: Clock):
        self._config = config
        self._tickets = tickets
        self._clock = clock
        self._lock = threading.Lock()
        self._server: dict[str, WaitFigure] = {}
        self._server_at: datetime | None = None
        self._listeners: list[WaitListener] = []

    def set_config(self, config: KioskConfig) -> None:
        """Use a new configuration from now on (a desired config from the server)."""
        self._config = config

    def subscribe(self, listener: WaitListener) -> None:
        """Call ``listener()`` whenever the server's figures change."""
        self._listeners.append(listener)

    def update_from_server(
        self, figures: dict[str, WaitFigure], at: datetime | None = None
    ) -> None:
        """Take the server's figures (from the retained queue topic)."""
        with self._lock:
            self._server = dict(figures)
            self._server_at = at or self._clock.now()
        for listener in list(self._listeners):
            listener()

    def figure(self, service_id: str) -> WaitFigure:
        """The current figure for a service."""
        now = self._clock.now()
        with self._lock:
            fresh = self._server_at is not None and now - self._server_at < SERVER_FIGURES_MAX_AGE
            if fresh and service_id in self._server:
                return self._server[service_id]
        return self.estimate(service_id, now)

    def estimate(self, service_id: str, now: datetime) -> WaitFigure:
        """Our own estimate: today's tickets served one after another at the average time.

        NOTE: the kiosk does not see the counters, so it assumes one counter working through
        today's tickets in order; the server's figures replace this as soon as they arrive.
        """
        service = self._config.service(service_id)
        day = business_day(now, self._config.timezone, self._config.tickets.reset_time)
        per_person = timedelta(minutes=service.average_service_min)
        busy_until: datetime | None = None
        waiting = 0
        for text in self._tickets.issue_times(day.isoformat(), service_id):
            issued = datetime.fromisoformat(text.replace("Z", "+00:00"))
            start = issued if busy_until is None or busy_until < issued else busy_until
            busy_until = start + per_person
            if busy_until > now:
                waiting += 1
        remaining = (busy_until - now) if busy_until and busy_until > now else timedelta(0)
        return WaitFigure(waiting, math.ceil(remaining.total_seconds() / 60), estimated=True)

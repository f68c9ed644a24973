"""The offices' queue figures (``kiosk/v1/office/{office}/queue``) from ``ticket.issued``
events, and a simulated counter that calls the next ticket every average service time."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from simulators.central.records import data_of, now_text

log = logging.getLogger(__name__)


@dataclass
class _ServiceQueue:
    issued: int = 0
    called: int = 0
    next_call_at: float | None = None

    @property
    def waiting(self) -> int:
        return self.issued - self.called


class OfficeQueues:
    """Per office and service: waiting = tickets issued on the latest business day minus
    tickets called; ``wait_minutes`` = waiting x average minutes (not thread-safe).

    Args:
        services_avg_min: average service minutes per service id (the counter's pace).
        default_avg_min: average for services not named in ``services_avg_min``.
        min_interval_s: an office's figures are published at most this often (the first
            change at once, later ones together): a lobby screen needs no more, and a fleet
            of simulated kiosks issuing a ticket every few milliseconds would otherwise get
            one message per ticket on every kiosk of the office.
    """

    def __init__(
        self,
        services_avg_min: dict[str, float],
        default_avg_min: float,
        min_interval_s: float = 1.0,
    ):
        self.services_avg_min = services_avg_min
        self.default_avg_min = default_avg_min
        self.min_interval_s = min_interval_s
        self.published: dict[str, dict[str, Any]] = {}  # office -> last payload published
        self._queues: dict[str, dict[str, _ServiceQueue]] = {}
        self._day: dict[str, str] = {}
        self._dirty: set[str] = set()
        self._published_at: dict[str, float] = {}  # office -> monotonic time

    def avg_min(self, service: str) -> float:
        """The average service minutes of ``service``."""
        return self.services_avg_min.get(service, self.default_avg_min)

    def waiting(self, office: str, service: str) -> int:
        """Tickets of ``service`` waiting at ``office``."""
        q = self._queues.get(office, {}).get(service)
        return q.waiting if q is not None else 0

    def count_ticket(self, kiosk: str, office: str | None, envelope: dict[str, Any]) -> None:
        """Count a ``ticket.issued`` event of ``kiosk`` at ``office``."""
        data = data_of(envelope)
        service, day = data.get("service"), data.get("business_day")
        if office is None or not isinstance(service, str):
            log.info("ticket from %s not counted (office or service unknown)", kiosk)
            return
        if isinstance(day, str):
            current = self._day.get(office)
            if current is not None and day < current:
                return  # a late event of an earlier day
            if current != day:
                self._day[office] = day
                self._queues[office] = {}
        q = self._queues.setdefault(office, {}).setdefault(service, _ServiceQueue())
        q.issued += 1
        if q.next_call_at is None:
            q.next_call_at = time.monotonic() + self.avg_min(service) * 60
        self._dirty.add(office)

    def call(self, office: str, service: str, now: float) -> None:
        """A counter calls the next ticket of ``service`` at ``office``."""
        q = self._queues.get(office, {}).get(service)
        if q is None or q.waiting <= 0:
            return
        q.called += 1
        q.next_call_at = now + self.avg_min(service) * 60 if q.waiting > 0 else None
        self._dirty.add(office)
        log.info("office %s calls the next %s ticket; %d waiting", office, service, q.waiting)

    def call_due(self, now: float) -> None:
        """Every counter whose time has come calls its next ticket."""
        for office, services in self._queues.items():
            for service, q in services.items():
                if q.next_call_at is not None and now >= q.next_call_at:
                    self.call(office, service, now)

    def next_call_at(self) -> float | None:
        """The monotonic time of the next counter call, if any."""
        times = [
            q.next_call_at
            for services in self._queues.values()
            for q in services.values()
            if q.next_call_at is not None
        ]
        return min(times) if times else None

    def take_changed(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        """``(office, payload)`` of every office whose figures changed since last taken and
        were last published ``min_interval_s`` ago or earlier."""
        due = [office for office in sorted(self._dirty) if self._may_publish_at(office) <= now]
        for office in due:
            self._dirty.discard(office)
            self._published_at[office] = now
        return [(office, self._payload(office)) for office in due]

    def next_publish_at(self) -> float | None:
        """The monotonic time changed figures may be published, if any changed."""
        return min((self._may_publish_at(office) for office in self._dirty), default=None)

    def _may_publish_at(self, office: str) -> float:
        last = self._published_at.get(office)
        return -math.inf if last is None else last + self.min_interval_s

    def _payload(self, office: str) -> dict[str, Any]:
        services = {
            service: {
                "waiting": q.waiting,
                "wait_minutes": math.ceil(q.waiting * self.avg_min(service)),
            }
            for service, q in sorted(self._queues.get(office, {}).items())
        }
        payload = {"v": 1, "ts": now_text(), "services": services}
        self.published[office] = payload
        return payload

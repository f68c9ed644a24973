"""The paper forecast: how much of the printer's roll is left, before its sensor says so.

A ticket printer's near-end sensor fires late (a few metres before the end, and on some
models not at all), and then the next citizen may get the last half ticket. The kiosk counts
instead: the driver measures the paper each ticket's bytes feed
(:mod:`kiosk.devices.printer.paper_length`), this module adds it up per roll and compares it
with the roll's length from config (``[printer] roll_length_m``):

- **paper low**: when the metres left fall to ``[printer] paper_low_m`` (or the tickets left
  to ``paper_low_tickets``), the printer's health becomes ``degraded/paper_low_forecast`` with
  the metres and tickets left in its detail, and a ``printer.paper_low`` event says so once
  per roll (``source: forecast``). If the printer's own near-end (or end) sensor speaks first,
  the event says ``source: sensor``: the configured roll length is too long for this paper.
- **a new roll**: a real-time status (``DLE EOT``) that shows the cover open, then one that
  shows it closed with paper present (the roll sensor reads paper, not near end), starts the
  count again at zero and sends ``printer.roll_changed`` with what the old roll gave.
  A cover closed on a missing or near-end roll is the same roll. ``new_roll`` does the same
  by hand (a technician, or a printer that cannot report its status).
- While the cover was seen open, the paper is near its end or out, or the count says low,
  the status poll runs every :data:`FAST_POLL_S` seconds (``watching``), so a roll change
  between two ordinary polls (30 s) is not missed.

The count lives in the store's ``kv`` table (keys ``printer.paper.*``) and survives restarts:
the roll, the dots used, the tickets printed, when the roll was started, whether its
``paper_low`` was sent and whether the cover was seen open. The first start assumes a full
roll. NOTE: opening and closing the cover with paper in it (to clear a jam) reads as a new
roll; the event tells the server how much the "old" roll had given, so a short roll stands
out.

``MeteredPrinter`` wraps the printer driver for the ticket service: every ticket, slip,
receipt and test print goes through it, is counted, and has its status annotated.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, replace
from typing import Any

from kiosk.core import events
from kiosk.core.clock import Clock, SystemClock
from kiosk.devices.health import Health, HealthState
from kiosk.devices.printer.protocol import (
    DOTS_PER_MM,
    PaperStatus,
    PrinterError,
    PrinterStatus,
    Ticket,
    TicketPrinter,
)
from kiosk.errors import StoreError
from kiosk.store.database import Database
from kiosk.store.kv import kv_get, kv_set
from kiosk.store.outbox import Outbox, Priority, rfc3339

log = logging.getLogger(__name__)

FAST_POLL_S = 2.0
"""Seconds between status polls while a roll change is expected (see ``watching``)."""

REASON_LOW = "paper_low_forecast"
"""The printer health reason while the count says the roll is nearly used up."""

KEY_ROLL = "printer.paper.roll"
KEY_USED_DOTS = "printer.paper.used_dots"
KEY_TICKETS = "printer.paper.tickets"
KEY_STARTED = "printer.paper.roll_started"
KEY_LOW = "printer.paper.low_reported"
KEY_COVER = "printer.paper.cover_opened"
KEY_MEAN_DOTS = "printer.paper.last_mean_dots"
KEYS = (KEY_ROLL, KEY_USED_DOTS, KEY_TICKETS, KEY_STARTED, KEY_LOW, KEY_COVER, KEY_MEAN_DOTS)
"""Every ``kv`` key this module keeps."""


@dataclass(frozen=True)
class PaperSettings:
    """The roll and when to warn (``[printer]`` in config).

    Attributes:
        roll_length_m: paper on a new roll (80 m for the usual 80 mm x 80 m roll).
        low_m: warn when this many metres are left, or fewer.
        low_tickets: also warn when this many tickets are left, or fewer (0: metres only).
        dots_per_mm: the printer's paper feed resolution.
    """

    roll_length_m: float = 80.0
    low_m: float = 8.0
    low_tickets: int = 0
    dots_per_mm: float = DOTS_PER_MM

    def __post_init__(self) -> None:
        if not (math.isfinite(self.roll_length_m) and self.roll_length_m > 0):
            raise ValueError(f"roll_length_m must be positive, got {self.roll_length_m}")
        if not (math.isfinite(self.low_m) and 0 <= self.low_m < self.roll_length_m):
            raise ValueError(f"low_m must be from 0 to below the roll length, got {self.low_m}")
        if self.low_tickets < 0:
            raise ValueError(f"low_tickets must not be negative, got {self.low_tickets}")


@dataclass(frozen=True)
class PaperReading:
    """The count of the roll in the printer now.

    Attributes:
        roll: rolls counted since the kiosk's database was made (the first is 1).
        roll_started: when this roll's count began.
        roll_length_m: the configured length of a roll.
        used_m: paper fed on this roll.
        remaining_m: what the count says is left (0 when the count passed the roll length).
        tickets: tickets (and slips, receipts, test prints) printed on this roll.
        tickets_left: how many more tickets of the average length fit; None before any
            ticket was ever measured.
        low: the forecast says paper low (see ``PaperSettings``).
        low_reported: ``forecast`` or ``sensor``: what sent this roll's ``printer.paper_low``;
            empty while none was sent.
        cover_opened: the cover was seen open and not yet seen closed.
    """

    roll: int
    roll_started: str
    roll_length_m: float
    used_m: float
    remaining_m: float
    tickets: int
    tickets_left: int | None
    low: bool
    low_reported: str
    cover_opened: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (diagnostics, ``kiosk diag``)."""
        return {
            "roll": self.roll,
            "roll_started": self.roll_started,
            "roll_length_m": self.roll_length_m,
            "used_m": round(self.used_m, 2),
            "remaining_m": round(self.remaining_m, 2),
            "tickets": self.tickets,
            "tickets_left": self.tickets_left,
            "low": self.low,
            "low_reported": self.low_reported,
            "cover_opened": self.cover_opened,
        }

    def describe(self) -> str:
        """``forecast: 6.2 m of 80 m left, about 74 tickets`` (English, for the health detail)."""
        text = f"forecast: {self.remaining_m:.1f} m of {self.roll_length_m:g} m left"
        if self.tickets_left is not None:
            text += f", about {self.tickets_left} tickets"
        return text


@dataclass
class _State:
    roll: int
    used_dots: int
    tickets: int
    started: str
    low_reported: str
    cover_opened: bool
    last_mean_dots: float


class PaperForecast:
    """Counts the paper of the roll in the printer (see the module docstring). Thread-safe.

    Args:
        db: the kiosk database (the count is kept in its ``kv`` table).
        outbox: where ``printer.paper_low`` and ``printer.roll_changed`` go.
        settings: the roll and the thresholds.
        clock: the time source.
    """

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        settings: PaperSettings,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self.settings = settings
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._paper_needs_watching = False
        self._state = self._load()

    # -- state ---------------------------------------------------------------------------------

    def _load(self) -> _State:
        try:
            with self._db.reading() as conn:
                stored = {key: kv_get(conn, key) for key in KEYS}
        except StoreError:
            # NOTE: a kiosk whose store cannot be read is out of service anyway; the count
            # goes on in memory from a full roll rather than stop the start.
            log.exception("paper count could not be read; counting from a full roll")
            return _State(1, 0, 0, rfc3339(self._clock.now()), "", False, 0.0)
        if stored[KEY_ROLL] is None:
            state = _State(1, 0, 0, rfc3339(self._clock.now()), "", False, 0.0)
            log.info(
                "paper count starts: roll 1 taken as a full %g m roll", self.settings.roll_length_m
            )
            self._save_quietly(state)
            return state
        state = _State(
            roll=int(stored[KEY_ROLL] or 1),
            used_dots=int(stored[KEY_USED_DOTS] or 0),
            tickets=int(stored[KEY_TICKETS] or 0),
            started=stored[KEY_STARTED] or "",
            low_reported=stored[KEY_LOW] or "",
            cover_opened=stored[KEY_COVER] == "1",
            last_mean_dots=float(stored[KEY_MEAN_DOTS] or 0.0),
        )
        log.info("paper count of roll %d: %s", state.roll, self._reading(state).describe())
        return state

    @staticmethod
    def _write(tx: Any, state: _State) -> None:
        kv_set(tx, KEY_ROLL, str(state.roll))
        kv_set(tx, KEY_USED_DOTS, str(state.used_dots))
        kv_set(tx, KEY_TICKETS, str(state.tickets))
        kv_set(tx, KEY_STARTED, state.started)
        kv_set(tx, KEY_LOW, state.low_reported)
        kv_set(tx, KEY_COVER, "1" if state.cover_opened else "0")
        kv_set(tx, KEY_MEAN_DOTS, repr(state.last_mean_dots))

    def _save_quietly(self, state: _State, event: tuple[str, dict[str, Any]] | None = None) -> None:
        """Store the count (and an event with it); a store failure is logged, not raised.

        NOTE: the count is telemetry: a ticket must never fail because its paper could not
        be counted. The next save writes the whole count again.
        """
        try:
            with self._db.transaction() as tx:
                self._write(tx, state)
                if event is not None:
                    event_type, data = event
                    self._outbox.append(
                        tx, events.DEVICE, event_type, data, priority=Priority.TELEMETRY
                    )
        except StoreError:
            log.exception("paper count of roll %d could not be stored", state.roll)

    def _mean_dots(self, state: _State) -> float:
        if state.tickets:
            return state.used_dots / state.tickets
        return state.last_mean_dots

    def _reading(self, state: _State) -> PaperReading:
        settings = self.settings
        used_mm = state.used_dots / settings.dots_per_mm
        remaining_mm = max(0.0, settings.roll_length_m * 1000 - used_mm)
        mean_mm = self._mean_dots(state) / settings.dots_per_mm
        tickets_left = math.floor(remaining_mm / mean_mm) if mean_mm > 0 else None
        low = remaining_mm <= settings.low_m * 1000 or (
            settings.low_tickets > 0
            and tickets_left is not None
            and tickets_left <= settings.low_tickets
        )
        return PaperReading(
            roll=state.roll,
            roll_started=state.started,
            roll_length_m=settings.roll_length_m,
            used_m=used_mm / 1000,
            remaining_m=remaining_mm / 1000,
            tickets=state.tickets,
            tickets_left=tickets_left,
            low=low,
            low_reported=state.low_reported,
            cover_opened=state.cover_opened,
        )

    def _low_event(self, reading: PaperReading, source: str) -> tuple[str, dict[str, Any]]:
        return events.PRINTER_PAPER_LOW, {
            "source": source,
            "roll": reading.roll,
            "used_m": round(reading.used_m, 2),
            "remaining_m": round(reading.remaining_m, 2),
            "roll_length_m": reading.roll_length_m,
            "tickets": reading.tickets,
            "tickets_left": reading.tickets_left,
            "threshold_m": self.settings.low_m,
            "threshold_tickets": self.settings.low_tickets,
        }

    # -- what the printer did ------------------------------------------------------------------

    def reading(self) -> PaperReading:
        """The count of the roll in the printer now."""
        with self._lock:
            return self._reading(self._state)

    @property
    def watching(self) -> bool:
        """True while a roll change is expected: poll the status every :data:`FAST_POLL_S`."""
        with self._lock:
            state = self._state
            return state.cover_opened or self._paper_needs_watching or self._reading(state).low

    def counted(self, status: PrinterStatus) -> PrinterStatus:
        """A ticket was printed: add its paper, then read the status as :meth:`observe` does.

        Args:
            status: what ``print_ticket`` returned (``printed_dots`` says how much paper).
        """
        dots = status.printed_dots
        if dots is not None and dots > 0:
            with self._lock:
                state = self._state
                state.used_dots += dots
                state.tickets += 1
                reading = self._reading(state)
                event = None
                if reading.low and not state.low_reported:
                    state.low_reported = "forecast"
                    event = self._low_event(reading, "forecast")
                    log.warning("printer paper low by the count: %s", reading.describe())
                self._save_quietly(state, event)
        return self.observe(status)

    def observe(self, status: PrinterStatus) -> PrinterStatus:
        """Follow a real-time status: the cover, a new roll, the sensor's own paper low.

        Returns:
            ``status`` with ``paper_forecast`` set while the count says paper low (its
            ``health()`` then says so).
        """
        if not status.answered:
            return self._annotate(status)
        with self._lock:
            state = self._state
            self._paper_needs_watching = bool(status.cover_open) or status.paper in (
                PaperStatus.NEAR_END,
                PaperStatus.OUT,
            )
            if status.cover_open:
                if not state.cover_opened:
                    state.cover_opened = True
                    log.info("printer cover open: a new roll is counted once it closes on paper")
                    self._save_quietly(state)
            elif status.cover_open is False and state.cover_opened:
                if status.paper is PaperStatus.OK:
                    self._new_roll(state, "cover")
                elif status.paper in (PaperStatus.NEAR_END, PaperStatus.OUT):
                    state.cover_opened = False
                    log.info(
                        "printer cover closed with paper %s: still roll %d",
                        status.paper.value,
                        state.roll,
                    )
                    self._save_quietly(state)
            if status.paper in (PaperStatus.NEAR_END, PaperStatus.OUT) and not state.low_reported:
                reading = self._reading(state)
                state.low_reported = "sensor"
                log.warning(
                    "printer paper %s by its sensor before the count said low (%s): "
                    "is [printer] roll_length_m right?",
                    status.paper.value,
                    reading.describe(),
                )
                self._save_quietly(state, self._low_event(reading, "sensor"))
        return self._annotate(status)

    def observe_problem(self, health: Health) -> None:
        """A ticket was refused or failed: a ``cover_open`` reason is a cover seen open."""
        if health.reason != "cover_open":
            return
        with self._lock:
            state = self._state
            self._paper_needs_watching = True
            if not state.cover_opened:
                state.cover_opened = True
                log.info("printer cover open (a ticket found it): a new roll is counted next")
                self._save_quietly(state)

    def new_roll(self, how: str = "manual") -> PaperReading:
        """Start a new roll's count now (a technician put in a new roll); returns the count."""
        with self._lock:
            self._new_roll(self._state, how)
            return self._reading(self._state)

    def _new_roll(self, state: _State, how: str) -> None:
        old = self._reading(state)
        if state.tickets:
            state.last_mean_dots = state.used_dots / state.tickets
        data = {
            "roll": state.roll + 1,
            "how": how,
            "previous_used_m": round(old.used_m, 2),
            "previous_tickets": old.tickets,
            "previous_low": old.low_reported or "none",
            "roll_length_m": old.roll_length_m,
        }
        state.roll += 1
        state.used_dots = 0
        state.tickets = 0
        state.started = rfc3339(self._clock.now())
        state.low_reported = ""
        state.cover_opened = False
        self._paper_needs_watching = False
        log.info(
            "printer roll %d started (%s); roll %d gave %.2f m in %d tickets",
            state.roll,
            how,
            old.roll,
            old.used_m,
            old.tickets,
        )
        self._save_quietly(state, (events.PRINTER_ROLL_CHANGED, data))

    def _annotate(self, status: PrinterStatus) -> PrinterStatus:
        reading = self.reading()
        if not reading.low:
            return status
        return replace(
            status,
            paper_forecast=Health(HealthState.DEGRADED, REASON_LOW, reading.describe()),
        )


class MeteredPrinter:
    """The ticket printer with its paper counted (a :class:`TicketPrinter`).

    Every ticket's ``printed_dots`` go to the forecast; every status read (polls, and the
    status after each ticket) is followed for the cover and the sensor, and comes back with
    the forecast's ``paper_forecast`` when the count says paper low.

    Args:
        printer: the driver.
        forecast: the paper count.
    """

    def __init__(self, printer: TicketPrinter, forecast: PaperForecast) -> None:
        self._printer = printer
        self.forecast = forecast
        self.name = printer.name

    def status(self) -> PrinterStatus:
        """The driver's status, followed by the forecast."""
        return self.forecast.observe(self._printer.status())

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        """Print through the driver and count the paper.

        Raises:
            PrinterError: from the driver (a ``cover_open`` reason is noted first).
        """
        try:
            status = self._printer.print_ticket(ticket)
        except PrinterError as exc:
            self.forecast.observe_problem(exc.health)
            raise
        return self.forecast.counted(status)

    def close(self) -> None:
        """Close the driver."""
        self._printer.close()

"""What the core needs from a ticket printer, independent of the driver behind it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.devices.health import Health, HealthState
from kiosk.errors import DeviceError

DOTS_PER_MM = 8.0
"""Dots per millimetre of paper feed: 203 dpi thermal heads (the paper the printer reports)."""


class PaperStatus(enum.StrEnum):
    """Paper sensor reading (``DLE EOT 4``); UNKNOWN when the printer did not answer."""

    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"
    UNSUPPORTED = "unsupported"


class TextMode(enum.StrEnum):
    """How Japanese text reaches the paper, chosen per printer profile in config."""

    KANJI = "kanji"  # the printer's Kanji mode, Shift_JIS (FS &)
    RASTER = "raster"  # text drawn with a bundled font, sent as a raster image (GS v 0)


@dataclass(frozen=True)
class PrinterStatus:
    """A real-time status reading (``DLE EOT 1..4``).

    ``None`` in a field means the printer did not answer that query. ``problem`` is the
    driver's own finding when nothing usable was read (the connection was refused or lost:
    ``fault/disconnected``; replies were not status bytes: ``unknown/bad_answer``).

    ``printed_dots`` is set on the status :meth:`TicketPrinter.print_ticket` returns: the paper
    the ticket's bytes fed, in dots (:mod:`kiosk.devices.printer.paper_length`). The core's
    paper forecast (:mod:`kiosk.core.paper`) adds them up and sets ``paper_forecast`` when its
    count says the roll is nearly used up: the health is then ``degraded/paper_low_forecast``
    unless the printer itself reports something worse (or its near-end sensor, whose reason
    is kept and whose detail gets the forecast).
    """

    online: bool | None = None
    cover_open: bool | None = None
    paper: PaperStatus = PaperStatus.UNKNOWN
    error: bool | None = None  # mechanical/auto-cutter/unrecoverable error bit
    answered: bool = False
    problem: Health | None = field(default=None, compare=False)
    printed_dots: int | None = field(default=None, compare=False)
    paper_forecast: Health | None = field(default=None, compare=False)

    def health(self) -> Health:
        """Map the reading onto the shared health model; no answer is ``unknown``."""
        if not self.answered:
            if self.problem is not None:
                return self.problem
            if self.paper is PaperStatus.UNSUPPORTED:
                return Health(HealthState.UNKNOWN, "status_unsupported", "write-only connection")
            return Health(HealthState.UNKNOWN, "no_answer", "printer did not answer DLE EOT")
        if self.cover_open:
            return Health(HealthState.FAULT, "cover_open", "cover open")
        if self.paper is PaperStatus.OUT:
            return Health(HealthState.FAULT, "paper_out", "paper end sensor")
        if self.error:
            return Health(HealthState.FAULT, "printer_error", "error bit set in DLE EOT 3")
        if self.online is False:
            return Health(HealthState.FAULT, "offline", "printer reports off-line")
        if self.paper is PaperStatus.NEAR_END:
            detail = "paper near-end sensor"
            if self.paper_forecast is not None:
                detail += f"; {self.paper_forecast.detail}"
            return Health(HealthState.DEGRADED, "paper_near_end", detail)
        if self.paper in (PaperStatus.UNKNOWN, PaperStatus.UNSUPPORTED) or self.online is None:
            return Health(HealthState.UNKNOWN, "partial_answer", f"paper={self.paper.value}")
        if self.paper_forecast is not None:
            return self.paper_forecast
        return Health(HealthState.OK)


@dataclass(frozen=True)
class Ticket:
    """What goes on one queue ticket, already translated into the ticket language.

    Attributes:
        header: office name, top of the ticket.
        title: the service name.
        number: the queue number, printed large (``A-042``).
        lines: issue time, people ahead, estimated wait (one per line).
        qr: payload of the native QR code (the queue-status URL).
        footer: closing lines (what to do, opening hours).
        language: the ticket language's code (``ja``, ``zh``…): the printer draws scripts its
            fonts lack (``kiosk.devices.printer.raster.LANGUAGE_FONTS``).
        staff_lines: lines in Japanese for the counter staff, printed last (a ticket in
            another language says there what it is for).
    """

    header: str
    title: str
    number: str
    lines: tuple[str, ...]
    qr: str
    footer: tuple[str, ...] = ()
    language: str = "ja"
    staff_lines: tuple[str, ...] = ()


class PrinterError(DeviceError):
    """Raised when a ticket could not be printed; ``health`` says why."""

    def __init__(self, message: str, health: Health):
        super().__init__(message)
        self.health = health


class TicketPrinter(Protocol):
    """A ticket printer as the core sees it."""

    name: str

    def status(self) -> PrinterStatus:
        """Read the real-time status; never blocks longer than the configured timeout.

        A printer that does not answer gives ``PrinterStatus(answered=False)``, not an error.
        """
        ...

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        """Print and cut one ticket, checking status before and after.

        Returns the status read after the cut.

        Raises:
            PrinterError: the ticket was not (or not surely) printed; ``health`` says why.
        """
        ...

    def close(self) -> None:
        """Release the transport."""
        ...

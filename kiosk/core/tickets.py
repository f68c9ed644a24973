"""Queue tickets: take a number, commit it with its event, print it, say what happened."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from kiosk.config import KioskConfig
from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.numbering import business_day, format_number
from kiosk.core.waiting import WaitFigure, WaitingBoard
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.printer.protocol import PrinterError, PrinterStatus, Ticket, TicketPrinter
from kiosk.i18n.catalog import Catalog
from kiosk.store.database import Database
from kiosk.store.identity import IdentityMarker
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.tickets import TicketRepository, TicketRow
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

PRINTER = "printer"


@dataclass(frozen=True)
class IssuedTicket:
    """A ticket that was committed to disk (its number is taken, whatever the printer does)."""

    id: str
    service_id: str
    number: str
    issued_at: datetime
    people_ahead: int
    wait_minutes: int
    wait_estimated: bool
    status_url: str
    language: str


@dataclass(frozen=True)
class TicketOutcome:
    """What happened to a ticket request.

    Attributes:
        ticket: the committed ticket.
        printed: True when the printer confirmed the cut.
        problem: the printer's health when it could not print (the screen explains it).
    """

    ticket: IssuedTicket
    printed: bool
    problem: Health | None = None


class TicketService:
    """Issues queue tickets.

    The number, the ticket row and the ``ticket.issued`` event are committed in one
    transaction before anything is printed or shown (DESIGN §6). Printing comes after;
    its outcome is a second event, so the server knows which numbers never reached paper.

    Printer access (tickets, test prints, status polls) is serialised by one lock: an
    ESC/POS status reply must not be read in the middle of another ticket's bytes.

    With an identity ``marker`` every number is reserved in the marker file before it is
    committed, so a replaced database never hands out a number of the day twice.
    """

    def __init__(
        self,
        config: KioskConfig,
        db: Database,
        outbox: Outbox,
        printer: TicketPrinter,
        health: HealthBoard,
        waiting: WaitingBoard,
        catalogs: dict[str, Catalog],
        clock: Clock,
        *,
        marker: IdentityMarker | None = None,
    ):
        self._config = config
        self._marker = marker
        self._db = db
        self._outbox = outbox
        self._printer = printer
        self._health = health
        self._waiting = waiting
        self._catalogs = catalogs
        self._clock = clock
        self._repo = TicketRepository(db)
        self._printer_lock = threading.Lock()
        health.register(PRINTER)

    def set_config(self, config: KioskConfig) -> None:
        """Use a new configuration from now on (a desired config from the server)."""
        self._config = config

    def issue(self, service_id: str, language: str) -> TicketOutcome:
        """Take a number for ``service_id``, commit it, print it.

        Raises:
            StoreError: the ticket could not be committed (or its number not reserved in
                the identity marker); nothing was printed or promised.
            ConfigError: unknown service.
        """
        service = self._config.service(service_id)
        now = self._clock.now()
        day = business_day(now, self._config.timezone, self._config.tickets.reset_time)
        figure = self._waiting.figure(service_id)
        ticket_id = uuid7()
        with self._db.transaction() as tx:
            seq_number = self._repo.next_number(tx, day.isoformat(), service_id)
            if self._marker is not None:
                # NOTE: the number is reserved outside the database before it is committed:
                # a replaced database goes on after the reservation (kiosk.store.identity).
                self._marker.reserve(day.isoformat(), service_id, seq_number)
            number = format_number(self._config.tickets.number_format, service.prefix, seq_number)
            status_url = self._config.tickets.status_url.format(
                office=self._config.office, ticket_id=ticket_id, number=number, service=service_id
            )
            row = TicketRow(
                id=ticket_id,
                business_day=day.isoformat(),
                service=service_id,
                seq_number=seq_number,
                display=number,
                issued_at=rfc3339(now),
                people_ahead=figure.people_waiting,
                wait_minutes=figure.wait_minutes,
                wait_estimated=figure.estimated,
                language=language,
                print_state="pending",
                print_reason="",
            )
            self._repo.insert(tx, row)
            self._outbox.append(
                tx,
                events.TICKET,
                events.TICKET_ISSUED,
                {
                    "ticket_id": ticket_id,
                    "number": number,
                    "service": service_id,
                    "business_day": day.isoformat(),
                    "seq_number": seq_number,
                    "people_ahead": figure.people_waiting,
                    "wait_minutes": figure.wait_minutes,
                    "wait_estimated": figure.estimated,
                    "language": language,
                },
                now=now,
            )
        ticket = IssuedTicket(
            id=ticket_id,
            service_id=service_id,
            number=number,
            issued_at=now,
            people_ahead=figure.people_waiting,
            wait_minutes=figure.wait_minutes,
            wait_estimated=figure.estimated,
            status_url=status_url,
            language=language,
        )
        log.info("ticket %s issued for %s (id %s)", number, service_id, ticket_id)
        return self._print(ticket)

    def settle_interrupted(self) -> int:
        """After a restart: report tickets whose printing was cut off by a crash or power cut.

        We cannot know whether their paper came out, so they are recorded as failed with the
        reason ``interrupted`` and a ``ticket.print_failed`` event tells the server. Their
        numbers stay taken. Returns how many were settled.
        """
        pending = self._repo.pending_prints()
        for ticket_id, number in pending:
            log.warning("ticket %s (id %s) was interrupted while printing", number, ticket_id)
            with self._db.transaction() as tx:
                self._repo.set_print_state(tx, ticket_id, "failed", "interrupted")
                self._outbox.append(
                    tx,
                    events.TICKET,
                    events.TICKET_PRINT_FAILED,
                    {"ticket_id": ticket_id, "number": number, "reason": "interrupted"},
                )
        return len(pending)

    def _print(self, ticket: IssuedTicket) -> TicketOutcome:
        layout = self.layout(ticket)
        try:
            with self._printer_lock:
                status = self._printer.print_ticket(layout)
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s (%s)", ticket.number, exc, exc.health.reason)
            self._health.report(PRINTER, exc.health)
            self._record_print(ticket, printed=False, reason=exc.health.reason or "error")
            return TicketOutcome(ticket, printed=False, problem=exc.health)
        self._health.report(PRINTER, status.health())
        self._record_print(ticket, printed=True)
        return TicketOutcome(ticket, printed=True)

    def _record_print(self, ticket: IssuedTicket, *, printed: bool, reason: str = "") -> None:
        with self._db.transaction() as tx:
            self._repo.set_print_state(tx, ticket.id, "printed" if printed else "failed", reason)
            data: dict[str, object] = {"ticket_id": ticket.id, "number": ticket.number}
            if not printed:
                data["reason"] = reason
            self._outbox.append(
                tx,
                events.TICKET,
                events.TICKET_PRINTED if printed else events.TICKET_PRINT_FAILED,
                data,
            )

    def layout(self, ticket: IssuedTicket) -> Ticket:
        """The ticket's paper layout in its language."""
        return ticket_layout(self._config, self._catalogs, ticket)

    def shared_printer(self) -> TicketPrinter:
        """The printer for other journeys (photo receipts): serialised with tickets and polls."""
        return _SharedPrinter(self._printer, self._printer_lock)

    def print_slip(self, layout: Ticket) -> bool:
        """Print a slip that is not a queue ticket (a check-in slip); True when it was cut.

        Shares the printer lock with tickets and status polls; nothing is committed.
        """
        try:
            with self._printer_lock:
                status = self._printer.print_ticket(layout)
        except PrinterError as exc:
            log.warning("slip %r not printed: %s (%s)", layout.title, exc, exc.health.reason)
            self._health.report(PRINTER, exc.health)
            return False
        self._health.report(PRINTER, status.health())
        return True

    def wait_figure(self, service_id: str) -> WaitFigure:
        """The waiting figure shown on the service's button."""
        return self._waiting.figure(service_id)

    def poll_printer(self) -> Health:
        """Read the printer's real-time status and report it (never during a ticket)."""
        if not self._printer_lock.acquire(blocking=False):
            return self._health.get(PRINTER)  # a ticket is printing: it reports by itself
        try:
            health = self._printer.status().health()
        finally:
            self._printer_lock.release()
        self._health.report(PRINTER, health)
        return health

    def print_test(self, language: str) -> TicketOutcome:
        """A technician's test ticket: the real layout with sample values, nothing committed."""
        sample, layout = technician_test_ticket(
            self._config, self._catalogs, self._clock.now(), language
        )
        try:
            with self._printer_lock:
                status = self._printer.print_ticket(layout)
        except PrinterError as exc:
            self._health.report(PRINTER, exc.health)
            return TicketOutcome(sample, printed=False, problem=exc.health)
        health = status.health()
        self._health.report(PRINTER, health)
        return TicketOutcome(
            sample, printed=True, problem=None if health.state is HealthState.OK else health
        )


def ticket_layout(
    config: KioskConfig, catalogs: dict[str, Catalog], ticket: IssuedTicket
) -> Ticket:
    """A ticket's paper layout in its language (no printer, no store: ``kiosk diag`` on a
    bench prints the same layout)."""
    catalog = catalogs[ticket.language]
    service = config.service(ticket.service_id)
    local = ticket.issued_at.astimezone(config.timezone)
    if ticket.wait_minutes <= 0:
        wait_line = catalog.text("ticket.wait_none")
    elif ticket.wait_estimated:
        wait_line = catalog.text("ticket.wait_estimated", ticket.wait_minutes)
    else:
        wait_line = catalog.text("ticket.wait", ticket.wait_minutes)
    return Ticket(
        header=config.office_name.get(ticket.language),
        title=service.name.get(ticket.language),
        number=ticket.number,
        lines=(
            catalog.text("ticket.issued_at", local.strftime("%Y-%m-%d %H:%M")),
            catalog.text("ticket.people_ahead", ticket.people_ahead),
            wait_line,
        ),
        qr=ticket.status_url,
        footer=(catalog.text("ticket.footer.call"), catalog.text("ticket.footer.qr")),
        language=ticket.language,
        staff_lines=_staff_lines(config, catalogs, ticket),
    )


# Languages the counter staff read as they are: no Japanese line needed under them.
_STAFF_READS = ("ja", "ja-easy")


def _staff_lines(
    config: KioskConfig, catalogs: dict[str, Catalog], ticket: IssuedTicket
) -> tuple[str, ...]:
    """One Japanese line for the counter staff on a ticket in another language: what the
    ticket is for, in their words (the service's Japanese name and the number)."""
    staff = catalogs.get("ja")
    if ticket.language in _STAFF_READS or staff is None:
        return ()
    name = config.service(ticket.service_id).name.get("ja")
    return (staff.text("ticket.staff_line", name, ticket.number),)


def technician_test_ticket(
    config: KioskConfig, catalogs: dict[str, Catalog], now: datetime, language: str
) -> tuple[IssuedTicket, Ticket]:
    """A technician's test ticket: the real layout with sample values (number 0 of the first
    service), titled as a test print; nothing is committed."""
    catalog = catalogs[language]
    service = config.services[0]
    sample = IssuedTicket(
        id="00000000-0000-7000-8000-000000000000",
        service_id=service.id,
        number=format_number(config.tickets.number_format, service.prefix, 0),
        issued_at=now,
        people_ahead=0,
        wait_minutes=0,
        wait_estimated=True,
        status_url=config.tickets.status_url.format(
            office=config.office, ticket_id="test", number="test", service=service.id
        ),
        language=language,
    )
    layout = ticket_layout(config, catalogs, sample)
    layout = Ticket(
        header=layout.header,
        title=f"{catalog.text('ticket.test_title')} — {layout.title}",
        number=layout.number,
        lines=layout.lines,
        qr=layout.qr,
        footer=layout.footer,
        language=layout.language,
        staff_lines=layout.staff_lines,
    )
    return sample, layout


class _SharedPrinter:
    """A TicketPrinter that takes the ticket service's printer lock for every exchange.

    NOTE: an ESC/POS status reply must never be read in the middle of another journey's
    bytes, so every user of the one printer goes through the same lock.
    """

    def __init__(self, printer: TicketPrinter, lock: threading.Lock):
        self._printer = printer
        self._lock = lock
        self.name = printer.name

    def status(self) -> PrinterStatus:
        with self._lock:
            return self._printer.status()

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        with self._lock:
            return self._printer.print_ticket(ticket)

    def close(self) -> None:
        """The ticket service owns the printer and closes it."""

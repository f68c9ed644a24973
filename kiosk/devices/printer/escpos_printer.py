"""The ESC/POS ticket printer driver: layout bytes and real-time status over a transport.

Wiring: any :class:`~kiosk.devices.transport.Transport` — TCP port 9100, a serial line
(``serial://``, ``socket://``), a USB printer class device, or a write-only character device.

Protocol facts used here:

- ``DLE EOT n`` (``10 04 n``) is answered at once with one status byte, even while the printer
  is off-line or its buffer is full. Silence means *unknown*, never *ok*.
- The ticket is checked before it is sent (refused when the printer reports a fault or does not
  answer) and after the cut (the status is returned; the caller reports health).
- A write-only connection (``file://``) cannot read status: tickets are sent and the status is
  ``unsupported``.

The last 64 frames (time, direction, hex) are kept and written to the log on every fault.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.devices.health import Health, HealthState
from kiosk.devices.health_log import log_health_change
from kiosk.devices.printer.commands import status_request
from kiosk.devices.printer.kanji import UnprintableTextError
from kiosk.devices.printer.layout import TicketLayout
from kiosk.devices.printer.paper_length import PaperLengthMeter, UnmeasuredCommandError
from kiosk.devices.printer.protocol import (
    PaperStatus,
    PrinterError,
    PrinterStatus,
    TextMode,
    Ticket,
)
from kiosk.devices.printer.status import StatusBytes, parse_status_byte
from kiosk.devices.transport import Transport, TransportTimeoutError
from kiosk.errors import ProtocolError, TransportError

logger = logging.getLogger(__name__)

FRAME_HISTORY = 64
FRAME_HEX_BYTES = 48  # bytes of each frame kept for the log


@dataclass(frozen=True)
class Frame:
    """One exchange on the wire, for the fault log and the diagnostics screen.

    Attributes:
        at: when (UTC).
        direction: ``tx`` (to the printer), ``rx`` (from it) or ``--`` (nothing arrived).
        size: the frame's full length in bytes.
        head: its first bytes (at most 48).
    """

    at: datetime
    direction: str
    size: int
    head: bytes

    def describe(self) -> str:
        """``10:32:01.123 tx   3 B  10 04 01``."""
        more = f" … (+{self.size - len(self.head)} B)" if self.size > len(self.head) else ""
        stamp = self.at.strftime("%H:%M:%S.%f")[:-3]
        return f"{stamp} {self.direction} {self.size:4d} B  {self.head.hex(' ')}{more}"


class EscPosPrinter:
    """An ESC/POS ticket printer (Epson TM-T88/T20 and compatibles, Japanese models for Kanji).

    Implements :class:`~kiosk.devices.printer.protocol.TicketPrinter`. Thread-safe: one lock
    serialises status reads and tickets.

    Args:
        transport: the connection; the driver owns and closes it.
        name: the device name used in health reports and logs.
        text_mode: Kanji mode (Shift_JIS) or raster text (see :mod:`.layout`).
        paper_width_dots: printable width (576 for 80 mm paper).
        status_timeout_s: the longest a whole status read (``DLE EOT 1..4``) may wait.
        raster_font: font for raster text; ``None`` finds IPA Gothic.
        status_supported: whether status can be read back; ``None`` asks the transport
            (``False`` for write-only ``file://`` devices).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        name: str = "printer",
        text_mode: TextMode = TextMode.KANJI,
        paper_width_dots: int = 576,
        status_timeout_s: float = 1.0,
        raster_font: Path | None = None,
        status_supported: bool | None = None,
    ) -> None:
        if status_timeout_s <= 0:
            raise ValueError(f"status_timeout_s must be positive, got {status_timeout_s}")
        self.name = name
        self.text_mode = text_mode
        self.status_timeout_s = status_timeout_s
        self.status_supported = transport.can_read if status_supported is None else status_supported
        self._transport = transport
        self._layout = TicketLayout(
            text_mode, paper_width_dots=paper_width_dots, raster_font=raster_font
        )
        self._meter = PaperLengthMeter(paper_width_dots)
        self._lock = threading.Lock()
        self._frames: deque[Frame] = deque(maxlen=FRAME_HISTORY)
        self._last_health: Health | None = None

    # -- wire ---------------------------------------------------------------------------------

    def _record(self, direction: str, data: bytes) -> None:
        self._frames.append(
            Frame(datetime.now(UTC), direction, len(data), bytes(data[:FRAME_HEX_BYTES]))
        )

    def _send(self, data: bytes) -> None:
        self._record("tx", data)
        self._transport.write(data)

    def _query_status(self) -> tuple[StatusBytes, list[str]]:
        """Send ``DLE EOT 1..4`` within one deadline; stops early when the printer is silent.

        Returns:
            The replies, and a description of each reply that was not a status byte.
        """
        deadline = time.monotonic() + self.status_timeout_s
        replies: dict[int, int | None] = {}
        garbled: list[str] = []
        for n in (1, 2, 3, 4):
            self._transport.reset_input()
            self._send(status_request(n))
            reply = self._transport.read(1, max(0.0, deadline - time.monotonic()))
            self._record("rx" if reply else "--", reply)
            try:
                replies[n] = parse_status_byte(n, reply)
            except ProtocolError as exc:
                logger.warning("%s on %s: %s", self.name, self._transport.describe(), exc)
                garbled.append(str(exc))
                replies[n] = None
                continue
            if replies[n] is None:
                # NOTE: a silent printer would cost one timeout per query; one is enough.
                break
        return StatusBytes.from_replies(replies), garbled

    def _transport_health(self, exc: TransportError, doing: str) -> Health:
        where = self._transport.describe()
        if isinstance(exc, TransportTimeoutError):
            return Health(HealthState.UNKNOWN, "no_answer", f"{where}: {doing}: {exc}")
        return Health(HealthState.FAULT, "disconnected", f"{where}: {doing}: {exc}")

    def _read_status(self) -> tuple[PrinterStatus, Health]:
        """Status and its health; a transport failure gives ``disconnected`` / ``no_answer``."""
        if not self.status_supported:
            status = PrinterStatus(paper=PaperStatus.UNSUPPORTED, answered=False)
            return status, status.health()
        try:
            raw, garbled = self._query_status()
        except TransportError as exc:
            problem = self._transport_health(exc, "status")
            return PrinterStatus(answered=False, problem=problem), problem
        status = raw.to_status()
        if garbled and not raw.answered:
            problem = Health(HealthState.UNKNOWN, "bad_answer", "; ".join(garbled))
            status = PrinterStatus(answered=False, problem=problem)
        health = status.health()
        if raw.answered:
            logger.debug("%s status %s -> %s", self.name, raw.describe(), health.state.value)
        return status, health

    def _note(self, health: Health) -> None:
        """Log a change of health; on a fault or unknown, with the recent frames."""
        if health.same_as(self._last_health):
            return
        self._last_health = health
        log_health_change(logger, self.name, health, self._frames, self._transport.describe())

    # -- TicketPrinter ------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Read the real-time status (at most ``status_timeout_s``, plus a reconnect).

        A printer that does not answer, or cannot be reached, gives ``answered=False``; its
        ``health()`` then says ``unknown/no_answer``, ``unknown/bad_answer`` or
        ``fault/disconnected``.
        """
        with self._lock:
            status, health = self._read_status()
            self._note(health)
            return status

    def health(self) -> Health:
        """Read the status and map it onto the shared health model (``status().health()``)."""
        with self._lock:
            _, health = self._read_status()
            self._note(health)
            return health

    def encode_ticket(self, ticket: Ticket) -> bytes:
        """The bytes :meth:`print_ticket` would send (for tests and the benchmark)."""
        return self._layout.encode(ticket)

    def print_ticket(self, ticket: Ticket) -> PrinterStatus:
        """Print and cut one ticket, checking the status before and after.

        Returns:
            The status read after the cut (it may say paper near end: the ticket was printed,
            the caller reports the health).

        Raises:
            PrinterError: the ticket was not (or not surely) printed. ``health`` is the
                printer's fault (``paper_out``, ``cover_open``, ``printer_error``,
                ``offline``), ``unknown`` (``no_answer``, ``partial_answer``, ``bad_answer``),
                ``fault/disconnected``, or ``degraded/unprintable_text`` for text the printer
                cannot print (nothing was sent then). A fault read right after the cut also
                raises: the ticket may have stopped half-way.
        """
        try:
            data = self.encode_ticket(ticket)
        except (UnprintableTextError, ValueError) as exc:
            health = Health(HealthState.DEGRADED, "unprintable_text", str(exc))
            raise PrinterError(
                f"{self.name}: ticket {ticket.number} not printed: {exc}", health
            ) from exc
        with self._lock:
            if not self.status_supported:
                try:
                    self._send(data)
                except TransportError as exc:
                    health = self._transport_health(exc, "sending the ticket")
                    self._note(health)
                    raise PrinterError(
                        f"{self.name}: ticket {ticket.number} not printed: {exc}", health
                    ) from exc
                return PrinterStatus(
                    paper=PaperStatus.UNSUPPORTED,
                    answered=False,
                    printed_dots=self._paper_dots(data),
                )

            _, before = self._read_status()
            self._note(before)
            if not before.state.usable:
                raise PrinterError(
                    f"{self.name}: ticket {ticket.number} not sent: {before.reason} "
                    f"({before.detail})",
                    before,
                )
            try:
                self._send(data)
            except TransportError as exc:
                health = self._transport_health(exc, "sending the ticket")
                self._note(health)
                raise PrinterError(
                    f"{self.name}: ticket {ticket.number} not printed: {exc}", health
                ) from exc
            connection = self._transport.connection_count
            after, health = self._read_status()
            if self._transport.connection_count != connection:
                # NOTE: the transport reconnected to read the status: the connection that
                # carried the ticket was lost, and a fresh one cannot confirm it.
                health = Health(
                    HealthState.FAULT,
                    "disconnected",
                    f"{self._transport.describe()}: connection lost after the ticket was sent",
                )
                after = PrinterStatus(answered=False, problem=health)
            self._note(health)
            if not after.answered:
                raise PrinterError(
                    f"{self.name}: ticket {ticket.number} sent ({len(data)} B) but the printer "
                    f"did not confirm: {health.reason} ({health.detail})",
                    health,
                )
            if health.state is HealthState.FAULT:
                # NOTE: DLE EOT is answered at once, while the ticket may still be printing:
                # paper out (or a cover opened) now may have stopped it half-way. The screen
                # must not say "take your ticket" for a ticket that may not exist.
                raise PrinterError(
                    f"{self.name}: ticket {ticket.number} sent ({len(data)} B) but the printer "
                    f"reports {health.reason} right after it: not surely printed",
                    health,
                )
            logger.info(
                "%s printed ticket %s (%d B), then %s",
                self.name,
                ticket.number,
                len(data),
                health.state.value,
            )
            return dataclasses.replace(after, printed_dots=self._paper_dots(data))

    def _paper_dots(self, data: bytes) -> int | None:
        """The paper the bytes fed (for the paper forecast); None if they cannot be measured."""
        try:
            return self._meter.measure(data)
        except UnmeasuredCommandError as exc:
            logger.error("%s: paper of a ticket not counted: %s", self.name, exc)
            return None

    def recent_frames(self) -> list[Frame]:
        """The last frames on the wire, oldest first (for the diagnostics screen)."""
        with self._lock:
            return list(self._frames)

    def close(self) -> None:
        """Close the transport."""
        with self._lock:
            self._transport.close()

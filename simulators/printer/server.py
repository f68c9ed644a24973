"""A network ESC/POS ticket printer on TCP (port 9100), for tests and the demo.

It parses what it receives, answers ``DLE EOT n`` from its current state, and renders each cut
ticket to a PNG plus a JSON record. Faults are switched in-process::

    with PrinterSimulator(port=0, out_dir=Path("printed")) as sim:
        printer_url = f"tcp://127.0.0.1:{sim.port}"
        ...
        sim.set_paper("out")              # DLE EOT 4 says paper end; tickets are not printed
        sim.set_cover_open(True)
        sim.set_offline(True)             # a dead printer: no answers, nothing printed
        sim.drop_connection_after(100)    # close the connection after 100 more bytes
        sim.drop_in_next_job(40)          # … after 40 bytes of the next ticket (polls aside)
        sim.unplug()                      # cable pulled: connections close, nothing listens
        sim.plug_in()                     # back on the same port
        ticket = sim.wait_for_tickets(1, timeout=5)[-1]
        ticket.lines, ticket.qr, ticket.png_path

While the paper is out, the cover open or the cutter jammed, data is accepted but nothing is
printed (a real printer does not print); status queries are still answered.
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from PIL import Image

from simulators.printer.parser import EscPosParser, ParsedTicket, StatusQuery, TicketCut
from simulators.printer.render import TicketRenderer, raster_records, write_ticket
from simulators.tcp_server import TcpDeviceServer

logger = logging.getLogger(__name__)

DEFAULT_PORT = 9100
PAPER_STATES = ("ok", "near_end", "out")
KEPT_TICKETS = 500  # tickets kept in memory (with their images); files are all kept


@dataclass(frozen=True, eq=False)
class PrintedTicket:
    """A ticket the simulator printed.

    Attributes:
        index: 1, 2, 3… in printing order (also in the file name).
        lines: the decoded text lines.
        qr: the QR payloads.
        raster: one ``{"width", "height", "command"}`` per bit image.
        byte_count: bytes of the job (status queries not counted).
        cut: False when the connection ended before the cut.
        image: the rendered ticket (1-bit, 576 dots wide).
        png_path: where the PNG was written (None without an output folder).
        json_path: where the JSON record was written.
        parsed: the parser's view (blocks) for detailed checks.
    """

    index: int
    lines: tuple[str, ...]
    qr: tuple[str, ...]
    raster: tuple[dict[str, object], ...]
    byte_count: int
    cut: bool
    image: Image.Image
    png_path: Path | None
    json_path: Path | None
    parsed: ParsedTicket = field(repr=False)

    @property
    def text(self) -> str:
        """All lines joined by newlines."""
        return "\n".join(self.lines)


class PrinterSimulator(TcpDeviceServer):
    """The simulated printer; see the module docstring.

    Args:
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`).
        host: address to listen on (loopback by default).
        out_dir: folder for ``ticket-NNNN.png/.json``; None keeps tickets in memory only.
        font_path: font for drawing text; None finds IPA Gothic.
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        *,
        host: str = "127.0.0.1",
        out_dir: Path | None = None,
        font_path: Path | None = None,
    ) -> None:
        super().__init__("printer simulator", host, port, recv_size=65536, scheme="tcp")
        self.out_dir = out_dir
        self._renderer = TicketRenderer(font_path)
        self._parsers: dict[socket.socket, EscPosParser] = {}
        self._paper = "ok"
        self._cover_open = False
        self._offline = False
        self._cutter_error = False
        self._corrupt = False
        self._unanswered: frozenset[int] = frozenset()
        self._drop_after: int | None = None
        self._drop_in_job: int | None = None
        self._tickets: deque[PrintedTicket] = deque(maxlen=KEPT_TICKETS)
        self._printed = 0
        self._discarded = 0
        self._received = 0
        self._status_queries = 0

    # -- life cycle ---------------------------------------------------------------------------
    # Stop, unplug and plug_in are TcpDeviceServer's: jobs without a cut are kept as uncut
    # when a connection ends.

    def start(self) -> Self:
        """Listen and serve on a background thread; returns self."""
        if not self.running:
            super().start()
            logger.info("printer simulator listening on %s", self.url)
        return self

    # -- control API --------------------------------------------------------------------------

    def set_paper(self, state: str) -> None:
        """Paper sensor: ``ok``, ``near_end`` or ``out`` (a ``PaperStatus`` value works too)."""
        value = str(state)
        if value not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {', '.join(PAPER_STATES)}, got {value!r}")
        with self._lock:
            self._paper = value
        logger.info("simulator: paper %s", value)

    def set_cover_open(self, is_open: bool) -> None:
        """Open or close the cover."""
        with self._lock:
            self._cover_open = is_open
        logger.info("simulator: cover %s", "open" if is_open else "closed")

    def set_offline(self, offline: bool) -> None:
        """A dead printer: no answer to ``DLE EOT`` and nothing printed (connections accepted)."""
        with self._lock:
            self._offline = offline
        logger.info("simulator: %s", "offline (silent)" if offline else "online")

    def set_cutter_error(self, jammed: bool) -> None:
        """Auto-cutter error (``DLE EOT 3`` bit 3): nothing printed until cleared."""
        with self._lock:
            self._cutter_error = jammed
        logger.info("simulator: cutter %s", "jammed" if jammed else "ok")

    def set_corrupt_replies(self, corrupt: bool) -> None:
        """Answer every status query with ``0xFF`` (breaks the fixed bits: not a status)."""
        with self._lock:
            self._corrupt = corrupt

    def set_unanswered(self, queries: frozenset[int] | set[int]) -> None:
        """Leave these ``DLE EOT n`` unanswered (a printer that lacks a sensor)."""
        with self._lock:
            self._unanswered = frozenset(queries)

    def drop_connection_after(self, n_bytes: int) -> None:
        """Close the connection after ``n_bytes`` more bytes are received (once)."""
        if n_bytes < 0:
            raise ValueError(f"n_bytes must not be negative, got {n_bytes}")
        with self._lock:
            self._drop_after = n_bytes

    def drop_in_next_job(self, job_bytes: int) -> None:
        """Close the connection once the job being received holds ``job_bytes`` bytes (once).

        Unlike :meth:`drop_connection_after`, status queries do not count: a driver that
        polls the printer's status between tickets does not use the drop up, so it cuts
        the next ticket, however long until it comes.
        """
        if job_bytes < 1:
            raise ValueError(f"job_bytes must be at least 1, got {job_bytes}")
        with self._lock:
            self._drop_in_job = job_bytes

    @property
    def drop_pending(self) -> bool:
        """True while a drop (:meth:`drop_connection_after`, :meth:`drop_in_next_job`) waits."""
        with self._lock:
            return self._drop_after is not None or self._drop_in_job is not None

    def reset_faults(self) -> None:
        """Paper ok, cover closed, online, cutter ok, honest replies, no drop pending."""
        with self._lock:
            self._paper = "ok"
            self._cover_open = self._offline = self._cutter_error = self._corrupt = False
            self._unanswered = frozenset()
            self._drop_after = self._drop_in_job = None

    def status_byte(self, n: int) -> int | None:
        """The byte this printer answers to ``DLE EOT n`` now; None for no answer."""
        with self._lock:
            return self._status_byte(n)

    def _status_byte(self, n: int) -> int | None:
        if self._offline or n in self._unanswered or not 1 <= n <= 4:
            return None
        if self._corrupt:
            return 0xFF
        paper_out = self._paper == "out"
        stopped = self._cover_open or paper_out or self._cutter_error
        value = 0x12
        if n == 1 and stopped:
            value |= 0x08
        elif n == 2:
            value |= (0x04 if self._cover_open else 0) | (0x20 if paper_out else 0)
            value |= 0x40 if self._cutter_error else 0
        elif n == 3:
            value |= 0x08 if self._cutter_error else 0
        elif n == 4:
            value |= 0x0C if self._paper in ("near_end", "out") else 0
            value |= 0x60 if paper_out else 0
        return value

    def describe(self) -> str:
        """The fault switches and counters, one line (for the control command ``status``)."""
        with self._lock:
            return (
                f"paper={self._paper} cover={'open' if self._cover_open else 'closed'} "
                f"offline={'on' if self._offline else 'off'} "
                f"cutter={'jammed' if self._cutter_error else 'ok'} "
                f"printed={self._printed} discarded={self._discarded} "
                f"received={self._received}B connections={self._connections}"
            )

    # -- what happened ------------------------------------------------------------------------

    @property
    def tickets(self) -> list[PrintedTicket]:
        """Printed tickets, oldest first (the last 500)."""
        with self._lock:
            return list(self._tickets)

    @property
    def printed_count(self) -> int:
        """Tickets printed since start (cut or not)."""
        with self._lock:
            return self._printed

    @property
    def discarded_count(self) -> int:
        """Jobs received while the printer could not print (paper out, cover open, jam)."""
        with self._lock:
            return self._discarded

    @property
    def received_bytes(self) -> int:
        """Bytes received on all connections."""
        with self._lock:
            return self._received

    @property
    def status_queries(self) -> int:
        """``DLE EOT`` requests received (answered or not)."""
        with self._lock:
            return self._status_queries

    def wait_for_tickets(self, n: int, timeout: float) -> list[PrintedTicket]:
        """Wait until ``n`` tickets were printed since start; returns :attr:`tickets`.

        Raises:
            TimeoutError: fewer than ``n`` after ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self._printed >= n, timeout):
                raise TimeoutError(f"printer simulator printed {self._printed} of {n} tickets")
            return list(self._tickets)

    def wait_for_received(self, n_bytes: int, timeout: float) -> int:
        """Wait until ``n_bytes`` were received in total; returns the total.

        Raises:
            TimeoutError: fewer bytes after ``timeout`` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self._received >= n_bytes, timeout):
                raise TimeoutError(f"printer simulator received {self._received} of {n_bytes} B")
            return self._received

    # -- serving (TcpDeviceServer's hooks) -----------------------------------------------------

    def on_connect(self, sock: socket.socket, peer: str) -> None:
        """A new job stream: its own parser."""
        with self._lock:
            self._parsers[sock] = EscPosParser()

    def on_disconnect(self, sock: socket.socket, peer: str, why: str) -> None:
        """A ticket that was being received is printed as it is (uncut)."""
        with self._lock:
            parser = self._parsers.pop(sock, None)
        partial = parser.finish() if parser is not None else None
        if partial is not None:
            self._print(partial)

    def on_data(self, sock: socket.socket, data: bytes) -> None:
        """Bytes from the driver: count, drop on purpose, parse, answer, print."""
        parser = self._parsers.get(sock)
        if parser is None:
            return
        drop = False
        with self._changed:
            if self._drop_after is not None:
                if len(data) >= self._drop_after:
                    data, drop = data[: self._drop_after], True
                    self._drop_after = None
                else:
                    self._drop_after -= len(data)
            drop_in_job = self._drop_in_job
        if drop_in_job is not None and not drop:
            # NOTE: byte by byte, so the parser can tell a ticket's bytes from status queries
            # (a DLE EOT may also occur inside image data); only while such a drop waits.
            for end in range(1, len(data) + 1):
                if not self._handle(sock, parser, data[end - 1 : end]):
                    self.close_client(sock, "reply failed")
                    return
                if parser.job_bytes >= drop_in_job:
                    data, drop = data[:end], True
                    with self._lock:
                        self._drop_in_job = None
                    break
            self._count_received(len(data))
        else:
            self._count_received(len(data))
            if not self._handle(sock, parser, data):
                self.close_client(sock, "reply failed")
                return
        if drop:
            self.close_client(sock, "dropped on purpose", reset=True)

    def _count_received(self, n_bytes: int) -> None:
        with self._changed:
            self._received += n_bytes
            self._changed.notify_all()

    def _handle(self, sock: socket.socket, parser: EscPosParser, data: bytes) -> bool:
        """Parse ``data``: answer status queries, print cut tickets; False if a reply failed."""
        for event in parser.feed(data):
            if isinstance(event, StatusQuery):
                with self._lock:
                    self._status_queries += 1
                    reply = self._status_byte(event.n)
                if reply is not None:
                    try:
                        sock.sendall(bytes((reply,)))
                    except OSError as exc:
                        logger.info("printer simulator: status reply failed: %s", exc)
                        return False
            elif isinstance(event, TicketCut):
                self._print(event.ticket)
        return True

    def _print(self, parsed: ParsedTicket) -> None:
        with self._lock:
            offline = self._offline
            blocked = [
                reason
                for reason, active in (
                    ("paper out", self._paper == "out"),
                    ("cover open", self._cover_open),
                    ("cutter jammed", self._cutter_error),
                )
                if active
            ]
            if offline or blocked:
                self._discarded += 1
            index = self._printed + 1  # only the serving thread prints
        if offline or blocked:
            logger.info(
                "printer simulator: job of %d B not printed (%s)",
                parsed.byte_count,
                "offline" if offline else ", ".join(blocked),
            )
            return
        image = self._renderer.render(parsed)
        png = record = None
        if self.out_dir is not None:
            files = write_ticket(image, parsed, index, self.out_dir)
            png, record = files.png, files.json
        ticket = PrintedTicket(
            index=index,
            lines=tuple(parsed.lines),
            qr=tuple(parsed.qr_payloads),
            raster=tuple(raster_records(parsed)),
            byte_count=parsed.byte_count,
            cut=parsed.cut,
            image=image,
            png_path=png,
            json_path=record,
            parsed=parsed,
        )
        with self._changed:
            self._printed += 1
            self._tickets.append(ticket)
            self._changed.notify_all()
        logger.info(
            "printer simulator: ticket %d printed (%d B, %s)%s",
            index,
            parsed.byte_count,
            "cut" if parsed.cut else "not cut",
            f" -> {png}" if png else "",
        )

"""A code scanner on a serial line: USB-CDC, RS-232, a pty, or any pyserial URL.

Wiring and protocol facts: the scanner sends each code as its payload followed by a suffix
(CR by default on most models; CRLF, LF or nothing are configuration options of the scanner),
at 9600–115200 baud, 8N1. It sends nothing else and needs nothing sent to it. The same code is
sent again and again while it stays in view. A USB-CDC scanner that is unplugged makes the port
fail (``SerialException``/``OSError``); it comes back under the same udev name
(``/dev/kiosk-scanner``, ``/dev/serial/by-id/…``) when plugged in again.

The port is opened non-blocking and the reader thread sleeps in ``select`` on the port and a
wake-up pipe: no polling while idle, a code is handled as soon as its last byte is read, and
``stop()`` returns at once. Ports without a file descriptor (``rfc2217://``, ``loop://``) are
read with a short timeout instead.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import time
from dataclasses import replace
from typing import Any

import serial

from kiosk.devices.scanner.framing import LineFramer, Suffix
from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH
from kiosk.devices.scanner.reconnecting import (
    DEFAULT_REOPEN_BACKOFF_S,
    DeviceLostError,
    ReconnectingScanner,
)
from kiosk.devices.scanner.repeat_filter import DEFAULT_REPEAT_WINDOW_S
from kiosk.devices.transport import SerialTransport, open_transport
from kiosk.devices.url import DeviceUrl, parse_device_url
from kiosk.errors import DeviceUrlError, TransportError

logger = logging.getLogger(__name__)

# Query parameters of a scanner URL that configure the scanner, not the serial line.
SCANNER_URL_PARAMS = frozenset(
    {"suffix", "idle_timeout", "repeat_window", "name", "decoder", "decode_budget_ms"}
)
DEFAULT_STALE_LINE_S = 0.5
_READ_SIZE = 4096
_POLL_S = 0.05  # read timeout for ports without a file descriptor
_OPEN_TIMEOUT_S = 3.0


def serial_port_url(url: DeviceUrl) -> tuple[str, dict[str, Any]]:
    """The pyserial port (path or URL) and line settings a scanner URL names.

    ``tcp://host:port`` is read as ``socket://host:port``; scanner parameters (``suffix``…) are
    removed before the rest of the query goes to pyserial.

    Raises:
        DeviceUrlError: the URL does not name a serial line.
    """
    if url.scheme == "tcp":
        url = replace(url, scheme="socket")
    url = replace(url, params={k: v for k, v in url.params.items() if k not in SCANNER_URL_PARAMS})
    if not url.is_pyserial:
        raise DeviceUrlError(
            f"{url.raw}: a serial scanner needs serial://, socket:// or a pyserial URL"
        )
    transport = open_transport(url, timeout=_OPEN_TIMEOUT_S)
    if not isinstance(transport, SerialTransport):  # pragma: no cover - is_pyserial checked
        raise DeviceUrlError(f"{url.raw}: not a serial line")
    return transport.port, dict(transport.settings)


class SerialScanner(ReconnectingScanner):
    """A scanner that sends each code as a line on a serial port (see the module docstring).

    Args:
        url: ``serial:///dev/kiosk-scanner?baudrate=9600``, ``socket://host:port``, a pty path as
            ``serial:///dev/pts/5``, or any pyserial URL.
        name: device name in health reports and on each code.
        suffix: ``cr``, ``crlf``, ``lf`` or ``none`` (then ``idle_timeout_s`` ends a code).
        idle_timeout_s: with suffix ``none``, the silence after which the code is complete.
        stale_line_s: with a suffix, a partial line followed by this much silence is noise (or
            a code cut off) and is dropped.
        repeat_window_s: the same code again within this many seconds is one scan.
        reopen_backoff_s: ``(first, longest)`` wait between attempts to open the port.
        max_length: longest code in bytes; more is cut and reported.

    Raises:
        DeviceUrlError: the URL is not a serial line or has a bad parameter.
        ValueError: an unknown suffix, a non-positive timeout or a bad back-off.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "scanner",
        suffix: Suffix | str = Suffix.CR,
        idle_timeout_s: float = 0.05,
        stale_line_s: float = DEFAULT_STALE_LINE_S,
        repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S,
        reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S,
        max_length: int = MAX_CODE_LENGTH,
    ) -> None:
        if idle_timeout_s <= 0 or stale_line_s <= 0:
            raise ValueError(
                f"idle_timeout_s and stale_line_s must be positive, got {idle_timeout_s:g} and "
                f"{stale_line_s:g}"
            )
        parsed = parse_device_url(url)
        super().__init__(
            name, parsed.raw, repeat_window_s=repeat_window_s, reopen_backoff_s=reopen_backoff_s
        )
        self.port_name, self.line_settings = serial_port_url(parsed)
        self.framer = LineFramer(suffix, max_length=max_length)
        self.idle_timeout_s = idle_timeout_s
        self.stale_line_s = stale_line_s
        self._port: Any = None
        self._last_byte_mono = 0.0

    @property
    def suffix(self) -> Suffix:
        """What ends a code on this line."""
        return self.framer.suffix

    # -- ReconnectingScanner hooks ------------------------------------------------------------

    def _open_device(self) -> None:
        try:
            port = serial.serial_for_url(self.port_name, timeout=0, **self.line_settings)
        except (serial.SerialException, ValueError) as exc:
            raise TransportError(f"{self.describe}: cannot open serial port: {exc}") from exc
        self._port = port
        self.framer.discard()
        logger.info(
            "scanner %s: opened %s (suffix %s)", self.name, self.describe, self.suffix.value
        )

    def _close_device(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        sock = getattr(port, "_socket", None)
        if isinstance(sock, socket.socket):
            # NOTE: pyserial's socket:// close() sleeps 0.3 s "for quick reconnects"; that would
            # make stop() slow. Close the socket ourselves and mark the port closed.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            port._socket = None
            port.is_open = False
            return
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()

    def _on_lost(self) -> None:
        dropped = self.framer.discard()
        if dropped:
            logger.warning(
                "scanner %s: dropped %d bytes of a code cut off by the loss", self.name, dropped
            )

    def _serve(self) -> None:
        port = self._port
        try:
            fileno = port.fileno()
        except (AttributeError, NotImplementedError, OSError, serial.SerialException):
            fileno = None
        try:
            if fileno is None:
                self._serve_polling(port)
            else:
                self._serve_select(port, fileno)
        except (serial.SerialException, OSError) as exc:
            raise DeviceLostError(str(exc)) from exc

    # -- reading ------------------------------------------------------------------------------

    def _line_deadline(self) -> float | None:
        """When the held partial line ends (suffix none) or goes stale; None when none held."""
        if not self.framer.pending:
            return None
        gap = self.idle_timeout_s if self.suffix is Suffix.NONE else self.stale_line_s
        return self._last_byte_mono + gap

    def _serve_select(self, port: Any, fileno: int) -> None:
        while not self._stopping.is_set():
            deadline = self._line_deadline()
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fileno, self._wake_r], [], [], wait)
            if self._wake_r in ready:
                self._drain_wake()
                continue
            if fileno in ready:
                self._received(port.read(_READ_SIZE))
            else:
                self._silence()

    def _serve_polling(self, port: Any) -> None:
        port.timeout = min(_POLL_S, self.idle_timeout_s)
        while not self._stopping.is_set():
            data = port.read(1)
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)
                self._received(data)
            deadline = self._line_deadline()
            if deadline is not None and time.monotonic() >= deadline:
                self._silence()

    def _received(self, data: bytes) -> None:
        if not data:
            return
        now = time.monotonic()
        self._last_byte_mono = now
        for framed in self.framer.feed(data):
            self._deliver_framed(framed, now)

    def _silence(self) -> None:
        """The line has been quiet past the deadline: end the code, or drop the noise."""
        if self.suffix is Suffix.NONE:
            for framed in self.framer.flush():
                self._deliver_framed(framed, self._last_byte_mono)
            return
        dropped = self.framer.discard()
        if dropped:
            logger.warning(
                "scanner %s: dropped %d bytes without a %s suffix (noise or a cut-off code)",
                self.name,
                dropped,
                self.suffix.value,
            )

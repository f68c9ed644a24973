"""Serial lines and pyserial URLs (:class:`SerialTransport`)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import serial

from kiosk.devices.transport.backoff import ReopenBackoff
from kiosk.devices.transport.base import TransportTimeoutError
from kiosk.errors import TransportError

logger = logging.getLogger(__name__)


class SerialTransport:
    """A serial line through pyserial's ``serial_for_url``.

    Real ports (``/dev/kiosk-printer``, ``/dev/serial/by-id/…``), ptys and pyserial's own URLs
    (``socket://``, ``rfc2217://``, ``loop://``) work unchanged. The port is opened lazily and
    re-opened on the next write after it failed (for example a USB-serial adapter unplugged),
    with back-off (:class:`ReopenBackoff`) while opening fails.
    """

    can_read = True
    connection_count = 0
    failed_opens = 0

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1.0,
        rtscts: bool = False,
        xonxoff: bool = False,
        dsrdtr: bool = False,
        write_timeout: float = 3.0,
        url: str | None = None,
        reopen_backoff: ReopenBackoff | None = None,
    ) -> None:
        """Create the transport without opening the port.

        Args:
            port: a device path or a pyserial URL.
            baudrate: line speed.
            bytesize: data bits (5–8).
            parity: ``N``, ``E``, ``O``, ``M`` or ``S``.
            stopbits: 1, 1.5 or 2.
            rtscts: hardware flow control.
            xonxoff: software flow control.
            dsrdtr: DSR/DTR flow control.
            write_timeout: seconds a write may block (flow control held off).
            url: the device URL for messages; defaults to ``port``.
            reopen_backoff: spacing of open attempts; 0.5 s doubling to 10 s by default.
        """
        self.port = port
        self.reopen_backoff = reopen_backoff or ReopenBackoff()
        self.settings: dict[str, Any] = {
            "baudrate": baudrate,
            "bytesize": bytesize,
            "parity": parity,
            "stopbits": stopbits,
            "rtscts": rtscts,
            "xonxoff": xonxoff,
            "dsrdtr": dsrdtr,
        }
        self.write_timeout = write_timeout
        self._url = url or port
        self._serial: Any = None
        self._read_timeout: float | None = None

    def _open_port(self) -> Any:
        if self._serial is not None:
            return self._serial
        self.reopen_backoff.check(self._url)
        try:
            port = serial.serial_for_url(
                self.port, timeout=0, write_timeout=self.write_timeout, **self.settings
            )
        except (serial.SerialException, ValueError, OSError) as exc:
            self.failed_opens += 1
            self.reopen_backoff.failed(str(exc))
            raise TransportError(f"{self._url}: cannot open serial port: {exc}") from exc
        self._serial = port
        self.connection_count += 1
        self.reopen_backoff.succeeded()
        self._read_timeout = 0.0
        logger.info("opened %s", self._url)
        return port

    def _lose(self, why: str) -> None:
        if self._serial is not None:
            logger.warning("serial port %s lost: %s", self._url, why)
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None

    def connect(self) -> None:
        """Open the port now (a write does this by itself)."""
        self._open_port()

    def write(self, data: bytes) -> None:
        """Send all of ``data``, opening the port first if needed."""
        port = self._open_port()
        try:
            port.write(data)
        except serial.SerialTimeoutException:
            self._lose("write timed out")
            raise TransportTimeoutError(
                f"{self._url}: device did not accept {len(data)} bytes within "
                f"{self.write_timeout:g} s"
            ) from None
        except (serial.SerialException, OSError) as exc:
            self._lose(str(exc))
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes within ``timeout`` seconds."""
        port = self._serial
        if port is None:
            raise TransportError(f"{self._url}: port not open")
        timeout = max(timeout, 0.0)
        try:
            if self._read_timeout != timeout:
                # NOTE: on a real port setting the timeout reconfigures the line; only do it
                # when it changed.
                port.timeout = timeout
                self._read_timeout = timeout
            return bytes(port.read(n))
        except (serial.SerialException, OSError) as exc:
            self._lose(str(exc))
            raise TransportError(f"{self._url}: read failed: {exc}") from exc

    def reset_input(self) -> None:
        """Drop unread bytes from the input buffer."""
        if self._serial is None:
            return
        try:
            self._serial.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            self._lose(str(exc))

    def close(self) -> None:
        """Close the port."""
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None

    def describe(self) -> str:
        """The device URL or port."""
        return self._url

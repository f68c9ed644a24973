"""Byte transports that carry a device's protocol: TCP, pyserial URLs, files and USB.

A driver owns one ``Transport`` and never opens a device path itself (DESIGN §2). Every
implementation here follows the same rules:

- It is built from a :class:`~kiosk.devices.url.DeviceUrl` by :func:`open_transport`; the URL is
  checked at once, but the connection is opened lazily on the first write, and opened again on
  the next write after it was lost. A printer switched off at start-up therefore shows up as a
  health problem, not as a crash of the application.
- ``read(n, timeout)`` returns what arrived within ``timeout`` seconds (``b""`` when nothing did)
  and never blocks longer.
- TCP and serial lines re-open with back-off (:class:`ReopenBackoff`): the first attempt after
  a loss goes at once, a failed one makes the next wait 0.5 s, doubling up to 10 s. Callers
  that poll (the printer's status poll, the locker's door watch every second) may ask as
  often as they like: an attempt asked for too early fails at once with the last error.
- Every failure is a :class:`~kiosk.errors.TransportError` whose message names the URL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlencode

import serial

from kiosk.devices.url import DeviceUrl
from kiosk.errors import DeviceUrlError, TransportError

logger = logging.getLogger(__name__)

# Query parameters of a device URL that configure the serial line (the rest of the query is
# handed to pyserial for its own schemes, for example ``socket://host:7000?logging=debug``).
SERIAL_LINE_PARAMS = frozenset(
    {"baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff", "dsrdtr", "timeout"}
)
_PARITIES = frozenset({"N", "E", "O", "M", "S"})
_STOPBITS = {"1": 1.0, "1.5": 1.5, "2": 2.0}
DEFAULT_REOPEN_BACKOFF_S = (0.5, 10.0)  # as the scanners' reader threads


class TransportTimeoutError(TransportError, TimeoutError):
    """Raised when the device did not accept written bytes within the write timeout."""


class Transport(Protocol):
    """A byte pipe to one device.

    Attributes:
        can_read: False for write-only devices (nothing will ever be read back).
        connection_count: how many times the connection was opened. A driver that must know
            whether two exchanges used the same connection (a ticket and its confirmation)
            compares it before and after: a reconnect in between means the link was lost.
    """

    can_read: bool
    connection_count: int

    def write(self, data: bytes) -> None:
        """Send all of ``data``; (re)connects first if needed.

        Raises:
            TransportError: the bytes could not be handed over.
        """
        ...

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes, waiting at most ``timeout`` seconds; ``b""`` on timeout.

        Raises:
            TransportError: the connection is not open or was lost.
        """
        ...

    def reset_input(self) -> None:
        """Discard bytes that arrived and were not read (late or unsolicited replies)."""
        ...

    def close(self) -> None:
        """Close the connection; a later write opens it again."""
        ...

    def describe(self) -> str:
        """The URL or port this transport talks to, for logs and error messages."""
        ...


class ReopenBackoff:
    """When the next attempt to open a device that is not there may go.

    The first attempt, and the first after an open connection was lost, go at once (a glitch
    is over in no time). After a failed attempt the next may go ``first`` seconds later, then
    twice as long each time up to ``longest``; a success starts again from nothing.

    NOTE: without it, a lock-board line whose RS-485-to-Ethernet converter is gone would be
    dialled at every door watch (once a second), each dial holding the hand-over for up to
    pyserial's 5 s connect timeout.

    Args:
        first: the wait after the first failure (seconds).
        longest: the longest wait.
        clock: monotonic seconds (tests pass a fake one).

    Raises:
        ValueError: a back-off that is not ``0 < first <= longest``.
    """

    def __init__(
        self,
        first: float = DEFAULT_REOPEN_BACKOFF_S[0],
        longest: float = DEFAULT_REOPEN_BACKOFF_S[1],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < first <= longest:
            raise ValueError(
                f"reopen back-off must be 0 < first <= longest, got {first}, {longest}"
            )
        self.first = first
        self.longest = longest
        self._clock = clock
        self.failures = 0
        self.last_error = ""
        self._next_at: float | None = None

    def wait_s(self) -> float:
        """Seconds until the next attempt may go (0 when it may go now)."""
        if self._next_at is None:
            return 0.0
        return max(0.0, self._next_at - self._clock())

    def check(self, url: str) -> None:
        """Raise when an attempt now would come too early.

        Raises:
            TransportError: the wait is not over; says the last error and the time left.
        """
        wait = self.wait_s()
        if wait > 0:
            raise TransportError(
                f"{url}: not there ({self.last_error}); next attempt in {wait:.1f} s"
            )

    def failed(self, error: str) -> float:
        """Note a failed attempt; returns the wait before the next one."""
        delay = min(self.longest, self.first * 2.0 ** min(self.failures, 30))
        self.failures += 1
        self.last_error = error
        self._next_at = self._clock() + delay
        return delay

    def succeeded(self) -> None:
        """The device opened: the next loss retries at once."""
        self.failures = 0
        self.last_error = ""
        self._next_at = None


class TcpTransport:
    """A raw TCP connection (printers listen on port 9100).

    Connects on the first write with ``connect_timeout``; TCP_NODELAY is set so small status
    queries leave at once. After the connection is lost it is dropped, and the next write
    connects again, with back-off (:class:`ReopenBackoff`) while connecting fails.
    """

    can_read = True
    connection_count = 0
    failed_opens = 0

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float,
        write_timeout: float | None = None,
        url: str | None = None,
        reopen_backoff: ReopenBackoff | None = None,
    ) -> None:
        """Create the transport without connecting.

        Args:
            host: host name or address.
            port: TCP port.
            connect_timeout: seconds to wait for the connection.
            write_timeout: seconds a write may wait for the peer; defaults to ``connect_timeout``.
            url: the URL for messages; defaults to ``tcp://host:port``.
            reopen_backoff: spacing of connection attempts; 0.5 s doubling to 10 s by default.
        """
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.write_timeout = connect_timeout if write_timeout is None else write_timeout
        self.reopen_backoff = reopen_backoff or ReopenBackoff()
        self._url = url or f"tcp://{host}:{port}"
        self._sock: socket.socket | None = None

    @property
    def connected(self) -> bool:
        """True while a connection is open."""
        return self._sock is not None

    def connect(self) -> None:
        """Open the connection now (a write does this by itself)."""
        self._connected_socket()

    def _connected_socket(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        self.reopen_backoff.check(self._url)
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except TimeoutError:
            self.failed_opens += 1
            self.reopen_backoff.failed(f"no connection within {self.connect_timeout:g} s")
            raise TransportTimeoutError(
                f"{self._url}: no connection within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            self.failed_opens += 1
            self.reopen_backoff.failed(str(exc))
            raise TransportError(f"{self._url}: cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.connection_count += 1
        self.reopen_backoff.succeeded()
        logger.info("connected to %s", self._url)
        return sock

    def _lose(self, why: str) -> None:
        if self._sock is not None:
            logger.warning("connection to %s lost: %s", self._url, why)
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    def write(self, data: bytes) -> None:
        """Send all of ``data``, connecting first if needed."""
        sock = self._connected_socket()
        try:
            sock.settimeout(self.write_timeout)
            sock.sendall(data)
        except TimeoutError:
            self._lose("write timed out")
            raise TransportTimeoutError(
                f"{self._url}: peer did not accept {len(data)} bytes within "
                f"{self.write_timeout:g} s"
            ) from None
        except OSError as exc:
            self._lose(str(exc))
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes within ``timeout`` seconds."""
        sock = self._sock
        if sock is None:
            raise TransportError(f"{self._url}: not connected")
        deadline = time.monotonic() + max(timeout, 0.0)
        received = bytearray()
        while len(received) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                sock.settimeout(remaining)
                chunk = sock.recv(n - len(received))
            except TimeoutError:
                break
            except OSError as exc:
                self._lose(str(exc))
                raise TransportError(f"{self._url}: read failed: {exc}") from exc
            if not chunk:
                self._lose("closed by peer")
                raise TransportError(f"{self._url}: connection closed by the device")
            received += chunk
        return bytes(received)

    def reset_input(self) -> None:
        """Drop unread bytes; notices a connection the peer has closed."""
        sock = self._sock
        if sock is None:
            return
        try:
            sock.setblocking(False)
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    self._lose("closed by peer")
                    return
                logger.debug("%s: discarded %d unread bytes", self._url, len(chunk))
        except BlockingIOError:
            pass
        except OSError as exc:
            self._lose(str(exc))
        finally:
            if self._sock is not None:
                self._sock.setblocking(True)

    def close(self) -> None:
        """Close the connection."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    def describe(self) -> str:
        """The ``tcp://`` URL."""
        return self._url


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


class FileTransport:
    """A write-only character device such as ``/dev/usb/lp0``.

    Nothing can be read back, so ``read`` returns ``b""`` at once and the printer's status is
    ``unknown`` (never ``ok``).
    """

    can_read = False
    connection_count = 0

    def __init__(self, path: str, *, url: str | None = None) -> None:
        """Create the transport without opening the file.

        Args:
            path: the device or file path.
            url: the device URL for messages; defaults to ``file://path``.
        """
        self.path = path
        self._url = url or f"file://{path}"
        self._fd: int | None = None

    def write(self, data: bytes) -> None:
        """Write all of ``data``, opening the file first if needed."""
        if self._fd is None:
            try:
                # NOTE: no O_CREAT: a missing /dev/usb/lp0 must be an error, not a new file.
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
                self.connection_count += 1
            except OSError as exc:
                raise TransportError(f"{self._url}: cannot open: {exc}") from exc
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self.close()
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Nothing can be read from a write-only device: always ``b""``, without waiting."""
        return b""

    def reset_input(self) -> None:
        """Nothing to discard."""

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def describe(self) -> str:
        """The ``file://`` URL."""
        return self._url


class UsbTransport:
    """A USB printer class device through pyusb (optional dependency: the ``usb`` extra).

    Uses the first bulk OUT and bulk IN endpoints of ``interface`` (default 0), detaching the
    kernel's ``usblp`` driver if it holds the interface. pyusb is imported only when the device
    is opened, so kiosks without USB printers need neither pyusb nor libusb.
    """

    can_read = True
    connection_count = 0

    def __init__(
        self,
        vendor: int,
        product: int,
        *,
        interface: int = 0,
        write_timeout: float = 3.0,
        url: str | None = None,
    ) -> None:
        """Create the transport without opening the device.

        Args:
            vendor: USB vendor id.
            product: USB product id.
            interface: interface number holding the bulk endpoints.
            write_timeout: seconds a write may take.
            url: the device URL for messages.
        """
        self.vendor = vendor
        self.product = product
        self.interface = interface
        self.write_timeout = write_timeout
        self._url = url or f"usb://{vendor:04x}:{product:04x}"
        self._device: Any = None
        self._out: Any = None
        self._in: Any = None
        self._pending = bytearray()

    def _open_device(self) -> None:
        if self._device is not None:
            return
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise TransportError(
                f"{self._url}: pyusb is not installed; install the 'usb' extra (pyusb + libusb)"
            ) from None
        try:
            device = usb.core.find(idVendor=self.vendor, idProduct=self.product)
        except usb.core.NoBackendError:
            raise TransportError(
                f"{self._url}: no libusb back-end found for pyusb; install libusb-1.0"
            ) from None
        if device is None:
            raise TransportError(
                f"{self._url}: no USB device with vendor {self.vendor:04x} product "
                f"{self.product:04x} is connected"
            )
        try:
            if device.is_kernel_driver_active(self.interface):
                device.detach_kernel_driver(self.interface)
            with contextlib.suppress(usb.core.USBError):  # already configured
                device.set_configuration()
            config = device.get_active_configuration()
            intf = config[(self.interface, 0)]

            def bulk(direction: int) -> Any:
                return usb.util.find_descriptor(
                    intf,
                    custom_match=lambda ep: (
                        usb.util.endpoint_direction(ep.bEndpointAddress) == direction
                        and usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
                    ),
                )

            out_ep = bulk(usb.util.ENDPOINT_OUT)
            in_ep = bulk(usb.util.ENDPOINT_IN)
        except (usb.core.USBError, KeyError, ValueError, NotImplementedError) as exc:
            raise TransportError(f"{self._url}: cannot claim interface: {exc}") from exc
        if out_ep is None:
            raise TransportError(f"{self._url}: interface {self.interface} has no bulk OUT")
        self._device, self._out, self._in = device, out_ep, in_ep
        self.connection_count += 1
        logger.info("opened %s", self._url)

    def _lose(self, why: str) -> None:
        if self._device is not None:
            logger.warning("USB device %s lost: %s", self._url, why)
        self.close()

    def write(self, data: bytes) -> None:
        """Send all of ``data`` on the bulk OUT endpoint."""
        self._open_device()
        import usb.core

        try:
            self._out.write(data, timeout=int(self.write_timeout * 1000))
        except usb.core.USBTimeoutError:
            self._lose("write timed out")
            raise TransportTimeoutError(
                f"{self._url}: device did not accept {len(data)} bytes within "
                f"{self.write_timeout:g} s"
            ) from None
        except usb.core.USBError as exc:
            self._lose(str(exc))
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes from the bulk IN endpoint within ``timeout`` seconds."""
        if self._device is None:
            raise TransportError(f"{self._url}: device not open")
        if self._in is None:
            return b""
        import usb.core

        if not self._pending:
            try:
                # NOTE: a bulk IN read must ask for a whole packet; keep the extra bytes.
                size = max(n, int(self._in.wMaxPacketSize))
                chunk = self._in.read(size, timeout=max(1, int(timeout * 1000)))
                self._pending += bytes(chunk)
            except usb.core.USBTimeoutError:
                return b""
            except usb.core.USBError as exc:
                self._lose(str(exc))
                raise TransportError(f"{self._url}: read failed: {exc}") from exc
        data = bytes(self._pending[:n])
        del self._pending[:n]
        return data

    def reset_input(self) -> None:
        """Drop buffered bytes (the endpoint itself is not drained)."""
        self._pending.clear()

    def close(self) -> None:
        """Release the device."""
        if self._device is not None:
            try:
                import usb.util

                usb.util.dispose_resources(self._device)
            except (ImportError, OSError) as exc:
                logger.debug("%s: dispose failed: %s", self._url, exc)
        self._device = self._out = self._in = None
        self._pending.clear()

    def describe(self) -> str:
        """The ``usb://`` URL."""
        return self._url


def _serial_transport(url: DeviceUrl, timeout: float) -> SerialTransport:
    if url.scheme == "serial":
        port = url.path
    else:
        # Hand pyserial its own URL, rebuilt from the parsed parts (the default port filled
        # in) with only the parameters that are not ours.
        netloc = f"{url.host}:{url.port}" if url.port is not None else url.host
        rest = url.path[len(url.host) :] if url.port is None else ""
        extra = {k: v for k, v in url.params.items() if k not in SERIAL_LINE_PARAMS}
        port = f"{url.scheme}://{netloc}{rest}" + (f"?{urlencode(extra)}" if extra else "")
    parity = url.params.get("parity", "N").upper()
    if parity not in _PARITIES:
        raise DeviceUrlError(f"{url.raw}: parameter parity={parity!r} is not one of N, E, O, M, S")
    stopbits_text = url.params.get("stopbits", "1")
    if stopbits_text not in _STOPBITS:
        raise DeviceUrlError(f"{url.raw}: parameter stopbits={stopbits_text!r} is not 1, 1.5 or 2")
    baudrate = url.param_int("baudrate", 9600)
    if baudrate <= 0:
        raise DeviceUrlError(f"{url.raw}: parameter baudrate={baudrate} must be positive")
    bytesize = url.param_int("bytesize", 8)
    if bytesize not in (5, 6, 7, 8):
        raise DeviceUrlError(f"{url.raw}: parameter bytesize={bytesize} is not 5, 6, 7 or 8")
    return SerialTransport(
        port,
        baudrate=baudrate,
        bytesize=bytesize,
        parity=parity,
        stopbits=_STOPBITS[stopbits_text],
        rtscts=url.param_bool("rtscts", False),
        xonxoff=url.param_bool("xonxoff", False),
        dsrdtr=url.param_bool("dsrdtr", False),
        write_timeout=url.param_float("timeout", timeout),
        url=url.raw,
    )


def open_transport(url: DeviceUrl, *, timeout: float) -> Transport:
    """Build the transport a device URL names; the connection opens on the first write.

    Args:
        url: a parsed device URL (``tcp``, ``serial`` or a pyserial scheme, ``file``, ``usb``).
        timeout: connect and write timeout in seconds (``?timeout=`` in the URL overrides it).

    Returns:
        The transport, not yet connected.

    Raises:
        DeviceUrlError: the scheme cannot carry bytes (``sim://``, ``camera://``…) or a
            parameter is invalid.
    """
    timeout = url.param_float("timeout", timeout)
    if timeout <= 0:
        raise DeviceUrlError(f"{url.raw}: timeout must be positive, got {timeout:g}")
    if url.scheme == "tcp":
        if url.port is None:
            raise DeviceUrlError(f"{url.raw}: missing port; expected tcp://HOST:PORT")
        return TcpTransport(url.host, url.port, connect_timeout=timeout, url=url.raw)
    if url.is_pyserial:
        return _serial_transport(url, timeout)
    if url.scheme == "file":
        return FileTransport(url.path, url=url.raw)
    if url.scheme == "usb":
        vendor, product = url.usb_ids()
        return UsbTransport(
            vendor,
            product,
            interface=url.param_int("interface", 0),
            write_timeout=timeout,
            url=url.raw,
        )
    if url.is_simulated:
        raise DeviceUrlError(
            f"{url.raw}: sim:// names a simulator the application starts; resolve it to the "
            "simulator's tcp:// address before opening a transport"
        )
    raise DeviceUrlError(f"{url.raw}: scheme {url.scheme!r} does not carry a byte stream")

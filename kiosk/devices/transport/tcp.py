"""Raw TCP connections (:class:`TcpTransport`), as printers on port 9100 listen."""

from __future__ import annotations

import contextlib
import logging
import socket
import time

from kiosk.devices.transport.backoff import ReopenBackoff
from kiosk.devices.transport.base import TransportTimeoutError
from kiosk.errors import TransportError

logger = logging.getLogger(__name__)


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

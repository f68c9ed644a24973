"""The house of the device simulators that are served on TCP (printer, scanner, locker):
one listening port, one thread with a selector that accepts and reads, and the hooks a
device fills in (``on_connect``, ``on_data``, ``on_disconnect``).

Also :class:`StartStop`, the ``with`` block of everything here that starts and stops.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import struct
import threading
from types import TracebackType
from typing import Self

logger = logging.getLogger(__name__)

_WAKE = "wake"
_LISTENER = "listener"
_CLIENT = "client"


class StartStop:
    """``with sim:`` starts it and stops it at the end of the block."""

    def start(self) -> object:
        """Start (subclasses)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop (subclasses)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class TcpDeviceServer(StartStop):
    """A device on one TCP port; see the module docstring.

    The hooks run on the serving thread, without the lock held. ``self._lock`` (and
    ``self._changed``, a condition on it, notified on every connect and disconnect) is
    meant for the device's own state too.

    Args:
        name: for logs and the thread (``printer simulator``).
        host: address to listen on.
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`); the
            port once bound is kept across :meth:`unplug` and :meth:`plug_in`.
        recv_size: the largest read.
        scheme: of :attr:`url` (``socket`` for pyserial's serial-over-TCP, ``tcp``).
    """

    def __init__(
        self, name: str, host: str, port: int, *, recv_size: int = 4096, scheme: str = "socket"
    ) -> None:
        self.name = name
        self.host = host
        self.scheme = scheme
        self._recv_size = recv_size
        self._requested_port = port
        self._bound_port: int | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._clients: dict[socket.socket, str] = {}  # socket -> peer host:port
        self._connections = 0
        self._listener: socket.socket | None = None
        self._selector: selectors.DefaultSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- hooks --------------------------------------------------------------------------------

    def on_connect(self, sock: socket.socket, peer: str) -> None:
        """A driver connected (before its first byte is read)."""

    def on_data(self, sock: socket.socket, data: bytes) -> None:
        """Bytes from a driver."""

    def on_disconnect(self, sock: socket.socket, peer: str, why: str) -> None:
        """A connection ended (closed by the peer, dropped, or the simulator stopped)."""

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port (the real one when 0 was asked for)."""
        return self._bound_port if self._bound_port is not None else self._requested_port

    @property
    def url(self) -> str:
        """``scheme://host:port`` for the driver."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._thread is not None

    def start(self) -> Self:
        """Listen and serve on a background thread; returns self."""
        if self._thread is not None:
            return self
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        try:
            self.listen()
        except OSError:
            self._close_selector()
            raise
        self._stopping.clear()
        thread_name = self.name.replace(" simulator", "-sim").replace(" ", "-")
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; every connection ends (``on_disconnect`` … ``simulator stopped``)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self.wake()
        thread.join()
        self._thread = None
        self.stop_listening()
        self._close_selector()
        logger.info("%s stopped", self.name)

    def unplug(self) -> None:
        """The cable pulled: every connection closes and nothing listens until
        :meth:`plug_in` (the port is kept, so the driver finds the device again)."""
        self.stop()

    def plug_in(self) -> None:
        """Plugged in again after :meth:`unplug`: listen on the same port."""
        self.start()

    def listen(self) -> None:
        """Listen (again) on the port; see :meth:`stop_listening`."""
        listener = socket.create_server((self.host, self.port))
        listener.setblocking(False)
        self._bound_port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        if self._selector is not None:
            self._selector.register(listener, selectors.EVENT_READ, _LISTENER)

    def stop_listening(self) -> None:
        """Close the listener (new connections are refused until :meth:`listen`)."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            self._forget(listener)
            listener.close()

    def wake(self) -> None:
        """Wake the serving thread (after a change it must see)."""
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")

    def _close_selector(self) -> None:
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for end in (self._wake_r, self._wake_w):
            if end is not None:
                end.close()
        self._wake_r = self._wake_w = None

    # -- connections --------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many TCP connections were accepted so far."""
        with self._lock:
            return self._connections

    @property
    def client_count(self) -> int:
        """How many TCP connections are open now."""
        with self._lock:
            return len(self._clients)

    def clients(self) -> list[socket.socket]:
        """The open connections, oldest first."""
        with self._lock:
            return list(self._clients)

    def wait_for_clients(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until at least ``count`` connections are open; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._clients) >= count, timeout)

    def wait_for_connections(self, total: int, timeout: float = 5.0) -> bool:
        """Wait until ``total`` connections were accepted since start; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._connections >= total, timeout)

    def close_client(self, sock: socket.socket, why: str, *, reset: bool = False) -> None:
        """End one connection (``reset``: with a TCP reset, like a link that went down)."""
        with self._changed:
            peer = self._clients.pop(sock, None)
            self._changed.notify_all()
        if peer is None:
            return
        self._forget(sock)
        with contextlib.suppress(OSError):
            if reset:
                # NOTE: linger 0 makes close() send a reset instead of a FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        logger.info("%s: %s disconnected (%s)", self.name, peer, why)
        self.on_disconnect(sock, peer, why)

    def drop_clients(self, why: str) -> None:
        """End every connection."""
        for sock in self.clients():
            self.close_client(sock, why)

    def _forget(self, sock: socket.socket) -> None:
        if self._selector is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)

    # -- the serving thread -------------------------------------------------------------------

    def _run(self) -> None:
        selector = self._selector
        assert selector is not None
        while not self._stopping.is_set():
            for key, _ in selector.select(timeout=None):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if key.data == _WAKE:
                    with contextlib.suppress(OSError):
                        sock.recv(4096)
                elif key.data == _LISTENER:
                    self._accept(sock)
                elif not self._stopping.is_set():
                    self._read(sock)
        self.drop_clients("simulator stopped")

    def _accept(self, listener: socket.socket) -> None:
        try:
            sock, address = listener.accept()
        except OSError:
            return
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = f"{address[0]}:{address[1]}"
        self.on_connect(sock, peer)
        # NOTE: registered before it is listed: another thread may close a listed client
        # (go_silent) at once, and a closed socket cannot be registered any more.
        assert self._selector is not None
        self._selector.register(sock, selectors.EVENT_READ, _CLIENT)
        with self._changed:
            self._clients[sock] = peer
            self._connections += 1
            self._changed.notify_all()
        logger.info("%s: driver connected from %s", self.name, peer)

    def _read(self, sock: socket.socket) -> None:
        try:
            # NOTE: the socket stays blocking for the writes of other threads (a scan, a
            # reply); this read alone must not wait.
            data = sock.recv(self._recv_size, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError as exc:
            self.close_client(sock, str(exc))
            return
        if not data:
            self.close_client(sock, "closed by peer")
            return
        self.on_data(sock, data)

"""One thread for many simulated kiosks: their sockets, their links' work and their timers.

A real kiosk's link has two threads (:mod:`kiosk.link.connection` drives paho's ``loop()``
on one, :class:`~kiosk.link.mqtt_link.MqttLink`'s worker does the rest on the other).
A thousand of them cost two thousand threads, each woken for every packet, and paho's
``select()`` cannot watch more than about 150 kiosks' descriptors in one process. Here one
:class:`KioskLoop` thread does both jobs for every kiosk of a fleet:

* every paho client's socket sits in one ``selectors`` selector (epoll): paho's external
  loop (``loop_read``, ``loop_write`` when the socket is writable and paho wants to write,
  ``loop_misc`` once a second for keep-alives);
* a :class:`LoopConnector` per kiosk replaces the link's network thread: the same paho
  client (built by :class:`~kiosk.link.connection.Connector`), the same records reported
  to the link, the same jittered back-off, but the attempts are timers of the loop;
* each link runs with ``start(worker=False)``: the loop calls its ``run_pending()`` when
  something was reported to it (or the fleet made an event for it) and when its next timer
  is due.

Everything a link does therefore happens on the loop thread, as it happens on a real
kiosk's worker; other threads hand work in with :meth:`KioskLoop.call`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import random
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

from kiosk.link.connection import (
    ConnectFailed,
    ConnectionRecord,
    Connector,
    ConnectorFactory,
    Session,
    backoff_delay,
    first_retry_delay,
)
from kiosk.link.mqtt_link import MqttLink
from kiosk.link.tuning import LinkTuning, MqttVersion

log = logging.getLogger(__name__)

MISC_PERIOD_S = 1.0  # paho's loop_misc (keep-alive pings, their timeouts) for every client
# How long a kiosk's goodbye waits for its PUBACK before the DISCONNECT (see end()).
GOODBYE_WAIT_S = 5.0


class LinkSlot:
    """A kiosk's place in the loop: its link (set once built) and its next timer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.link: MqttLink | None = None
        self.due: float | None = None


class KioskLoop:
    """The loop thread; see the module docstring.

    Args:
        name: the thread's name.
    """

    def __init__(self, name: str = "fleet-loop") -> None:
        self.name = name
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._jobs: deque[Callable[[], None]] = deque()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._dirty: dict[LinkSlot, None] = {}  # slots with work, in order
        self._writing: set[int] = set()  # descriptors registered for writing
        self._connectors: list[LoopConnector] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # selector passes, for the bench

    # ---- from any thread --------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop thread."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the loop thread (after the jobs handed in so far)."""
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def call(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the loop thread soon."""
        self._jobs.append(job)
        self._wake()

    def run(self, job: Callable[[], Any], timeout_s: float = 30.0) -> Any:
        """Run ``job`` on the loop thread and return its result (waits for it).

        Raises:
            TimeoutError: the loop did not run it in time.
        """
        done = threading.Event()
        result: list[Any] = []

        def wrapped() -> None:
            try:
                result.append(job())
            finally:
                done.set()

        self.call(wrapped)
        if not done.wait(timeout_s):
            raise TimeoutError(f"{self.name} did not run a job within {timeout_s} s")
        return result[0] if result else None

    def connector(self, slot: LinkSlot) -> ConnectorFactory:
        """A factory for ``MqttLink(connector=...)``: the link of ``slot`` connects here."""

        def build(
            session: Session,
            tuning: LinkTuning,
            rng: random.Random,
            report: Callable[[ConnectionRecord], None],
        ) -> LoopConnector:
            connector = LoopConnector(self, slot, session, tuning, rng, report)
            self._connectors.append(connector)
            return connector

        return build

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._thread is not None

    @property
    def open_sockets(self) -> int:
        """Client sockets in the selector now."""
        return max(len(self._selector.get_map()) - 1, 0)

    # ---- on the loop thread -----------------------------------------------------------------

    def call_later(self, delay_s: float, job: Callable[[], None]) -> None:
        """Run ``job`` on the loop thread after ``delay_s`` (loop thread only)."""
        heapq.heappush(self._timers, (time.monotonic() + delay_s, next(self._order), job))

    def mark(self, slot: LinkSlot) -> None:
        """``slot``'s link has work queued: run it this pass (loop thread only)."""
        self._dirty[slot] = None

    def register(self, sock: socket.socket, connector: LoopConnector, client: mqtt.Client) -> None:
        """Watch a client's new socket (paho's ``on_socket_open``)."""
        self._selector.register(sock, selectors.EVENT_READ, (connector, client))

    def unregister(self, sock: socket.socket) -> None:
        """Forget a client's socket (paho's ``on_socket_close``)."""
        with contextlib.suppress(KeyError, ValueError):
            self._writing.discard(sock.fileno())
            self._selector.unregister(sock)

    def want_write(self, sock: socket.socket, on: bool) -> None:
        """Watch a socket for writability while paho has bytes to send."""
        fd = sock.fileno()
        if fd < 0 or (fd in self._writing) == on:
            return
        with contextlib.suppress(KeyError, ValueError):
            key = self._selector.get_key(sock)
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if on else 0)
            self._selector.modify(sock, events, key.data)
            if on:
                self._writing.add(fd)
            else:
                self._writing.discard(fd)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _run(self) -> None:
        next_misc = time.monotonic() + MISC_PERIOD_S
        while not self._stop.is_set():
            timeout = next_misc - time.monotonic()
            if self._timers:
                timeout = min(timeout, self._timers[0][0] - time.monotonic())
            if self._jobs or self._dirty:
                timeout = 0.0
            try:
                self._pass(max(timeout, 0.0))
                now = time.monotonic()
                if now >= next_misc:
                    next_misc = now + MISC_PERIOD_S
                    for connector in self._connectors:
                        connector.misc(now)
            except Exception:
                # NOTE: one kiosk's failure must not stop the others.
                log.exception("%s failed", self.name)

    def _pass(self, timeout: float) -> None:
        self.passes += 1
        for key, mask in self._selector.select(timeout):
            if key.data is None:
                with contextlib.suppress(OSError):
                    self._wake_r.recv(4096)
                continue
            connector, client = key.data
            connector.io(client, mask)
        while self._jobs:
            self._jobs.popleft()()
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, job = heapq.heappop(self._timers)
            job()
        while self._dirty:
            slot = next(iter(self._dirty))
            del self._dirty[slot]
            self._pump(slot)

    def _pump(self, slot: LinkSlot) -> None:
        if slot.link is None:
            return
        wait_s = slot.link.run_pending()
        if wait_s is None:
            slot.due = None
            return
        due = time.monotonic() + wait_s
        if slot.due is None or due < slot.due or slot.due <= time.monotonic():
            slot.due = due
            heapq.heappush(self._timers, (due, next(self._order), lambda: self._timer(slot, due)))

    def _timer(self, slot: LinkSlot, due: float) -> None:
        if slot.due == due:
            slot.due = None
            self._pump(slot)


class LoopConnector(Connector):
    """A link's connections, driven by a :class:`KioskLoop` instead of a thread of its own.

    The paho client and its callbacks are :class:`~kiosk.link.connection.Connector`'s; the
    attempts, back-off and CONNACK timeout follow its network thread's rules.
    """

    def __init__(
        self,
        loop: KioskLoop,
        slot: LinkSlot,
        session: Session,
        tuning: LinkTuning,
        rng: random.Random,
        report: Callable[[ConnectionRecord], None],
    ):
        super().__init__(session, tuning, rng, self._hand_over)
        self._loop = loop
        self._slot = slot
        self._to_link = report
        self._gen = 0
        self._failed_attempts = 0
        self._client: mqtt.Client | None = None
        self._established = False
        self._connack_by = 0.0
        self._stopped = False
        # (client, its goodbye, until when to wait for the goodbye's PUBACK)
        self._goodbye: tuple[mqtt.Client, mqtt.MQTTMessageInfo | None, float] | None = None

    # ---- what the link calls --------------------------------------------------------------

    def start(self) -> None:
        """Connect on the loop's next pass."""
        self._loop.call(self._connect)

    def stop_reconnecting(self) -> None:
        """No further attempt."""
        self._stopped = True

    def end(self, client: mqtt.Client | None, goodbye: mqtt.MQTTMessageInfo | None) -> None:
        """No further attempt; the DISCONNECT goes once the goodbye's PUBACK has come (read
        by this loop later, so not waited for here) or after :data:`GOODBYE_WAIT_S`; paho
        closes the socket once it is written."""
        self._stopped = True
        if client is None:
            return
        self._goodbye = (client, goodbye, time.monotonic() + GOODBYE_WAIT_S)
        self._disconnect_after_goodbye(time.monotonic())

    def join(self, timeout_s: float) -> threading.Thread | None:
        """No thread of its own."""
        return None

    # ---- on the loop thread ---------------------------------------------------------------

    def _hand_over(self, record: ConnectionRecord) -> None:
        self._to_link(record)
        self._loop.mark(self._slot)

    def _connect(self) -> None:
        if self._stopped:
            return
        s = self._s
        self._gen += 1
        client = self._new_client(self._gen)
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        self._client = client
        self._established = False
        self._connack_by = time.monotonic() + self._t.connack_timeout_s
        try:
            if s.protocol is MqttVersion.V5:
                client.connect(s.broker.host, s.broker.port, s.keepalive_s, clean_start=True)
            else:
                client.connect(s.broker.host, s.broker.port, s.keepalive_s)
        except ssl.SSLError as exc:
            self._hand_over(ConnectFailed(self._gen, str(exc), auth=True))
            self._attempt_over(client)
        except (OSError, ValueError) as exc:
            log.debug("MQTT broker %s unreachable for %s: %s", s.broker, s.kiosk_id, exc)
            self._hand_over(ConnectFailed(self._gen, str(exc)))
            self._attempt_over(client)

    def io(self, client: mqtt.Client, mask: int) -> None:
        """The client's socket is readable or writable."""
        rc = MQTTErrorCode.MQTT_ERR_SUCCESS
        if mask & selectors.EVENT_READ:
            rc = client.loop_read()
        if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mask & selectors.EVENT_WRITE:
            rc = client.loop_write()
        if client is self._client and client.is_connected():
            self._established = True
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or client.socket() is None:
            self._attempt_over(client)
        elif self._goodbye is not None:
            self._disconnect_after_goodbye(time.monotonic())

    def misc(self, now: float) -> None:
        """Keep-alive for the current client, its CONNACK timeout, the goodbye's wait."""
        if self._goodbye is not None:
            self._disconnect_after_goodbye(now)
        client = self._client
        if client is None:
            return
        if client.loop_misc() != MQTTErrorCode.MQTT_ERR_SUCCESS or client.socket() is None:
            self._attempt_over(client)
        elif not self._established and now > self._connack_by:
            log.debug(
                "no CONNACK for %s within %.1f s", self._s.kiosk_id, self._t.connack_timeout_s
            )
            self._hand_over(ConnectFailed(self._gen, "no CONNACK"))
            self._attempt_over(client)

    def _disconnect_after_goodbye(self, now: float) -> None:
        assert self._goodbye is not None
        client, goodbye, until = self._goodbye
        if goodbye is not None:
            try:
                acked = goodbye.is_published()
            except (RuntimeError, ValueError) as exc:  # never sent: nothing to wait for
                log.warning("shutdown state of %s not sent: %s", self._s.kiosk_id, exc)
                acked = True
            if not acked:
                if now < until:
                    return
                log.warning(
                    "no PUBACK for the shutdown state of %s within %.1f s",
                    self._s.kiosk_id,
                    GOODBYE_WAIT_S,
                )
        self._goodbye = None
        client.disconnect()

    def _attempt_over(self, client: mqtt.Client) -> None:
        """The attempt or connection of ``client`` ended: close it, plan the next one."""
        if client is not self._client:
            return
        self._goodbye = None
        self._client = None
        if client.socket() is not None:
            client.disconnect()  # sent if the socket can still take it, then closed by paho
            client.loop_write()
        sock = client.socket()
        if isinstance(sock, socket.socket):
            self._loop.unregister(sock)
            with contextlib.suppress(OSError):
                sock.close()
        if self._stopped:
            return
        if self._established:
            self._failed_attempts = 0
            delay = first_retry_delay(self._t, self._rng)
        else:
            self._failed_attempts += 1
            delay = backoff_delay(self._failed_attempts - 1, self._t, self._rng)
        self._loop.call_later(delay, self._connect)

    # ---- paho's external-loop hooks -------------------------------------------------------

    def _on_socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            self._loop.register(sock, self, client)

    def _on_socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            self._loop.unregister(sock)

    def _on_register_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            self._loop.want_write(sock, True)

    def _on_unregister_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            self._loop.want_write(sock, False)


__all__ = ["KioskLoop", "LinkSlot", "LoopConnector"]

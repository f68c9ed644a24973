"""The kiosk's MQTT link to the central server (DESIGN §5).

Wiring: one paho-mqtt 2.x client per connection attempt (MQTT 5 by default, 3.1.1 on
request), clean start, client id = user name = kiosk id, a retained Will on
``kiosk/v1/{id}/state``. Two threads of ours:

* the *network* thread connects, drives paho's ``loop()`` and, when the connection ends,
  waits a jittered exponential back-off before the next attempt (paho's own reconnect has
  no jitter: a thousand kiosks would come back in lock-step after a broker restart);
* the *worker* thread does everything else. paho callbacks run on the network thread and
  only put a small record into the worker's queue.

On each connection: subscribe ``cmd``, ``ack``, ``config/desired``, ``server/state`` and the
office queue topic; after the SUBACK publish the retained birth, then the retained health
snapshot, then flush the outbox - in ``seq`` order, QoS 1, at most ``inflight_window``
PUBLISHes without PUBACK and at most ``ahead_window`` events beyond the server's
``acked_seq`` (a broker acknowledges what it queued for the server, and drops messages when
that queue is full). Rows leave the outbox only when the retained ``ack`` covers them.
While ``server/state`` does not say ``online: true`` nothing is flushed.

With a :class:`~kiosk.link.blob_sender.BlobSender` (a kiosk with a photo booth) the link
also subscribes ``blob-ack`` and publishes one image chunk at a time, only when no event
waits to be published or for its PUBACK: events always go first.
"""

from __future__ import annotations

import enum
import json
import logging
import queue
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from kiosk import __version__
from kiosk.config import MqttConfig
from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.core.waiting import WaitFigure, WaitingBoard
from kiosk.devices.health import Health, HealthBoard
from kiosk.errors import LinkError
from kiosk.link.blob_sender import BlobSender, OutgoingChunk
from kiosk.link.broker_url import parse_broker_url
from kiosk.link.tls import TlsErrorRecordingSocket, build_tls_context
from kiosk.link.topics import SERVER_STATE, Topics, office_queue, validate_id
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")

# CONNACK reason codes (MQTT 5 numbering; paho maps 3.1.1 return codes 4 and 5 onto them).
_AUTH_FAILURES = frozenset({134, 135, 140})  # bad user name or password, not authorized, bad auth


# At least this many events not yet published is a backlog draining: TCP may gather them.
BULK_EVENTS = 32


class MqttVersion(enum.StrEnum):
    """The MQTT protocol version the link speaks."""

    V5 = "5"
    V311 = "3.1.1"


class LinkReason(enum.StrEnum):
    """Why the link is in its current state (the second argument of a status listener)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTH_FAILED = "auth_failed"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CONNECTION_LOST = "connection_lost"
    STOPPED = "stopped"


StatusListener = Callable[[bool, str], None]
"""``listener(online, reason)``: called on the link's worker thread; must only hand over."""

PayloadHandler = Callable[[bytes], object]
"""A command or configuration handler; gets the raw payload, on the link's worker thread."""

ForeignAckHandler = Callable[[str, int], object]
"""``handler(incarnation, acked_seq)`` for an ack of another incarnation of this kiosk."""


@dataclass(frozen=True)
class LinkTuning:
    """Timings and windows of the link; every value has its unit in its name.

    Attributes:
        inflight_window: PUBLISHes of events sent and not yet PUBACKed, at most.
        ahead_window: events sent beyond the server's ``acked_seq``, at most. Keep it well
            under the broker's per-client queue (Mosquitto: ``max_queued_messages`` 1000).
        backoff_min_s: first reconnect delay (before jitter).
        backoff_max_s: longest reconnect delay (before jitter).
        first_retry_spread_s: the first retry after losing an established connection waits
            a random time up to this (a broker restart must not bring back a synchronized wave).
        connect_timeout_s: TCP (and TLS) connect timeout.
        connack_timeout_s: how long to wait for the CONNACK after connecting.
        ack_timeout_s: without a new ``acked_seq`` for this long (and nothing in flight),
            resend from ``acked_seq``: the broker may have dropped what it acknowledged.
        health_interval_s: re-publish the health snapshot at least this often while online.
        stop_timeout_s: how long ``stop()`` waits for the PUBACK of the shutdown state.
    """

    inflight_window: int = 100
    ahead_window: int = 500
    backoff_min_s: float = 0.5
    backoff_max_s: float = 60.0
    first_retry_spread_s: float = 5.0
    connect_timeout_s: float = 5.0
    connack_timeout_s: float = 10.0
    ack_timeout_s: float = 15.0
    health_interval_s: float = 60.0
    stop_timeout_s: float = 2.0


def read_boot_id(path: Path = BOOT_ID_PATH) -> str:
    """The operating system's boot id, or a fresh uuid7 when it cannot be read.

    The birth carries it so the server can tell a reboot of the kiosk from a restart of
    the program (the session number counts both).
    """
    try:
        return path.read_text(encoding="ascii").strip() or uuid7()
    except OSError as exc:
        log.info("no boot id at %s (%s); using a fresh uuid7", path, exc.strerror)
        return uuid7()


def first_retry_delay(tuning: LinkTuning, rng: random.Random) -> float:
    """Delay before the first reconnect after an established connection was lost.

    NOTE: when a broker restarts, every kiosk loses its connection in the same instant; a
    first retry of a fraction of a second would bring the whole fleet back in one wave.
    "Full jitter" over ``first_retry_spread_s`` spreads them evenly instead.
    """
    return rng.uniform(0.0, tuning.first_retry_spread_s)


def backoff_delay(attempt: int, tuning: LinkTuning, rng: random.Random) -> float:
    """Delay before reconnect ``attempt`` (0 = first retry): exponential, "equal jitter".

    Half of the exponential step is kept, the other half is random, so kiosks spread out
    after a broker restart but none retries immediately in a tight loop.
    """
    step = min(tuning.backoff_max_s, tuning.backoff_min_s * 2.0 ** min(attempt, 30))
    return step / 2 + rng.uniform(0.0, step / 2)


# ---- records the paho callbacks put into the worker's queue -----------------------------


@dataclass(frozen=True)
class _Connected:
    gen: int
    client: mqtt.Client
    reason_code: int
    reason_name: str


@dataclass(frozen=True)
class _ConnectFailed:
    gen: int
    detail: str
    auth: bool = False  # a TLS error: the broker (or we) refused the certificate


@dataclass(frozen=True)
class _Disconnected:
    gen: int
    detail: str


@dataclass(frozen=True)
class _Subscribed:
    gen: int
    mid: int
    failures: tuple[str, ...]


@dataclass(frozen=True)
class _Published:
    gen: int
    mid: int


@dataclass(frozen=True)
class _Message:
    gen: int
    topic: str
    payload: bytes
    retain: bool


class _Wake(enum.Enum):
    FLUSH = "flush"
    HEALTH = "health"
    CONNECTING = "connecting"
    STOP = "stop"
    REPUBLISH = "republish"
    RESEND = "resend"
    REPORT_CONFIG = "report_config"


_Item = _Connected | _ConnectFailed | _Disconnected | _Subscribed | _Published | _Message | _Wake


class MqttLink:
    """Sends the outbox to the central server and hands incoming messages over.

    Args:
        mqtt_config: the ``[mqtt]`` section: broker URL (must not be empty: without a broker
            the app builds no link), keep-alive, user name (defaults to the kiosk id, as the
            contract says), password.
        kiosk_id: the kiosk's id; must be the outbox's.
        office: the office id (travels in the birth; selects the office queue topic).
        session: this run's session number; must be the outbox's (the Will, the birth and
            every event envelope carry the same one).
        outbox: the kiosk's outbox.
        health: the device health board; every change re-publishes the health snapshot.
        waiting: receives the server's queue figures; None to ignore them.
        version: program version for the birth.
        protocol: MQTT 5 (default) or 3.1.1.
        boot_id: for the birth; defaults to the operating system's boot id.
        tls_context: for ``mqtts://``; defaults to ``build_tls_context`` of the
            ``[mqtt]`` TLS files (client certificate, CA, TLS >= 1.2, host name check).
        tuning: windows and timings.
        rng: random source for the back-off jitter (tests pass a seeded one).
        blobs: sends the images of ID photos (a kiosk with a photo booth); None: no images.

    Raises:
        LinkError: empty or bad broker URL, bad kiosk or office id, or a kiosk id or
            session that differs from the outbox's.
    """

    def __init__(
        self,
        mqtt_config: MqttConfig,
        *,
        kiosk_id: str,
        office: str,
        session: int,
        outbox: Outbox,
        health: HealthBoard,
        waiting: WaitingBoard | None = None,
        version: str = __version__,
        protocol: MqttVersion = MqttVersion.V5,
        boot_id: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        tuning: LinkTuning | None = None,
        rng: random.Random | None = None,
        blobs: BlobSender | None = None,
    ):
        if not mqtt_config.broker:
            raise LinkError("[mqtt] broker is empty: the kiosk runs without a central server")
        if (kiosk_id, session) != (outbox.kiosk_id, outbox.session):
            raise LinkError(
                f"link for kiosk {kiosk_id!r} session {session} but the outbox writes "
                f"kiosk {outbox.kiosk_id!r} session {outbox.session}"
            )
        self.broker = parse_broker_url(mqtt_config.broker)
        self.topics = Topics(kiosk_id)
        self.kiosk_id = kiosk_id
        self.office = validate_id(office, "office")
        self.office_queue_topic = office_queue(office)
        self.session = session
        self.protocol = MqttVersion(protocol)
        self._outbox = outbox
        self._health = health
        self._waiting = waiting
        self._username = mqtt_config.username or kiosk_id
        if self._username != kiosk_id:
            log.warning(
                "MQTT user name %r differs from kiosk id %r (the contract wants them equal)",
                self._username,
                kiosk_id,
            )
        self._password = mqtt_config.password
        self._keepalive_s = int(mqtt_config.keepalive_s)
        self._version = version
        self._boot_id = boot_id or read_boot_id()
        if self.broker.tls and tls_context is None:
            tls_context = build_tls_context(mqtt_config, kiosk_id)
        if tls_context is not None and tls_context.sslsocket_class is ssl.SSLSocket:
            # NOTE: lets the link tell a refused certificate from a lost connection.
            tls_context.sslsocket_class = TlsErrorRecordingSocket
        self._tls_context = tls_context
        self._config_reported: bytes | None = None  # retained config/reported, re-sent
        self._t = tuning or LinkTuning()
        self._rng = rng or random.Random()
        if blobs is not None and blobs.topics.kiosk_id != kiosk_id:
            raise LinkError(f"blob sender of {blobs.topics.kiosk_id!r} on the link of {kiosk_id!r}")
        self._blobs = blobs
        self._nodelay = False  # TCP_NODELAY on the broker socket: see _no_delay

        self._queue: queue.Queue[_Item] = queue.Queue()
        self._listeners: list[StatusListener] = []
        self._command_handlers: list[PayloadHandler] = []
        self._config_handlers: list[PayloadHandler] = []
        self._foreign_ack_handlers: list[ForeignAckHandler] = []
        self._lock = threading.Lock()
        self._flush_requested = threading.Event()
        self._health_requested = threading.Event()
        self._stop_requested = threading.Event()
        self._net_done = threading.Event()
        self._ready = threading.Event()
        self._running = False
        self._net_thread: threading.Thread | None = None
        self._worker_thread: threading.Thread | None = None
        self._gen = 0  # connection generation, counted by the network thread

        # Worker-thread state (touched only by the worker).
        self._client: mqtt.Client | None = None
        self._active_gen = -1  # generation of the client the worker works with
        self._connected = False
        self._born = False  # birth published on this connection
        self._sub_mid: int | None = None
        self._server_online: bool | None = None
        self._acked = 0
        self._last_sent = 0
        self._inflight: set[int] = set()
        self._ack_wait_since = time.monotonic()
        self._next_health_at: float | None = None
        self._status: tuple[bool, str] = (False, LinkReason.STOPPED.value)

        health.subscribe(self._on_health_change)

    # ---- public API ---------------------------------------------------------------------

    @property
    def online(self) -> bool:
        """True while connected to the broker (CONNACK accepted, not yet lost)."""
        return self._status[0]

    @property
    def status(self) -> tuple[bool, str]:
        """``(online, reason)`` as last given to the status listeners."""
        return self._status

    @property
    def server_online(self) -> bool | None:
        """What the retained ``server/state`` says: True, False, or None (not known yet)."""
        return self._server_online

    def subscribe_status(self, listener: StatusListener) -> None:
        """Call ``listener(online, reason)`` on every change of the link's status.

        Reasons are ``LinkReason`` values: ``connecting``, ``connected``, ``auth_failed``,
        ``refused``, ``unreachable``, ``connection_lost``, ``stopped``. The listener runs on
        the link's worker thread: a UI must marshal it to its own thread.
        """
        with self._lock:
            self._listeners.append(listener)

    def on_command(self, handler: PayloadHandler) -> None:
        """Hand every payload received on ``cmd`` to ``handler`` (raw bytes, not verified)."""
        with self._lock:
            self._command_handlers.append(handler)

    def on_config_desired(self, handler: PayloadHandler) -> None:
        """Hand every payload received on ``config/desired`` to ``handler`` (raw bytes)."""
        with self._lock:
            self._config_handlers.append(handler)

    def on_foreign_ack(self, handler: ForeignAckHandler) -> None:
        """Call ``handler(incarnation, acked_seq)`` for a retained ack of another incarnation
        of this kiosk id: the server knew an earlier database of this kiosk (a replaced
        state folder). Runs on the link's worker thread."""
        with self._lock:
            self._foreign_ack_handlers.append(handler)

    def notify_outbox(self) -> None:
        """Wake the flusher: call after committing an outbox append. Cheap, thread-safe."""
        if self._running and not self._flush_requested.is_set():
            self._flush_requested.set()
            self._queue.put(_Wake.FLUSH)

    def republish_state(self) -> dict[str, Any]:
        """Publish the retained birth and health snapshot again (the ``state.republish``
        command). Thread-safe; the worker does it on its next turn if connected."""
        self._queue.put(_Wake.REPUBLISH)
        return {"queued": True, "online": self.online}

    def resend_outbox(self) -> dict[str, Any]:
        """Send every event above the server's ``acked_seq`` again (the ``outbox.resend``
        command; the server drops duplicates by ``(kiosk, seq)``). Thread-safe."""
        self._queue.put(_Wake.RESEND)
        return {"queued": True, "from_seq": self._outbox.acked_seq() + 1}

    def report_config(self, body: dict[str, Any]) -> None:
        """Publish ``body`` as the retained ``config/reported``, now if connected and again
        after every reconnect. Thread-safe."""
        with self._lock:
            self._config_reported = self._json(body)
        self._queue.put(_Wake.REPORT_CONFIG)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the birth is published on a connection; False on timeout."""
        return self._ready.wait(timeout)

    def start(self) -> None:
        """Start the network and worker threads; connecting happens in the background.

        Raises:
            LinkError: the link was already started.
        """
        with self._lock:
            if self._running or self._stop_requested.is_set():
                raise LinkError(f"MQTT link of {self.kiosk_id} was already started")
            self._running = True
        self._worker_thread = threading.Thread(
            target=self._work, name=f"mqtt-worker-{self.kiosk_id}", daemon=True
        )
        self._net_thread = threading.Thread(
            target=self._run_network, name=f"mqtt-net-{self.kiosk_id}", daemon=True
        )
        self._worker_thread.start()
        self._net_thread.start()
        log.info(
            "MQTT link of %s to %s started (MQTT %s, session %d)",
            self.kiosk_id,
            self.broker,
            self.protocol,
            self.session,
        )

    def stop(self) -> None:
        """Say goodbye and disconnect: publish the retained ``online: false`` with
        ``reason: shutdown``, wait briefly for its PUBACK, disconnect, join the threads.
        Safe to call more than once, and before ``start()``.
        """
        with self._lock:
            if self._stop_requested.is_set():
                return
            self._stop_requested.set()
            running = self._running
        if not running:
            return
        self._queue.put(_Wake.STOP)
        join_s = self._t.stop_timeout_s + self._t.connect_timeout_s + 2.0
        for thread in (self._worker_thread, self._net_thread):
            if thread is not None:
                thread.join(join_s)
                if thread.is_alive():
                    log.error("MQTT link thread %s did not end within %.1f s", thread.name, join_s)
        log.info("MQTT link of %s stopped", self.kiosk_id)

    # ---- paho callbacks (network thread): only enqueue --------------------------------

    def _cb_connect(
        self,
        client: mqtt.Client,
        userdata: int,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._queue.put(_Connected(userdata, client, reason_code.value, str(reason_code)))

    def _cb_disconnect(
        self,
        client: mqtt.Client,
        userdata: int,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._queue.put(_Disconnected(userdata, str(reason_code)))

    def _cb_subscribe(
        self,
        client: mqtt.Client,
        userdata: int,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        failures = tuple(str(rc) for rc in reason_codes if rc.is_failure)
        self._queue.put(_Subscribed(userdata, mid, failures))

    def _cb_publish(
        self,
        client: mqtt.Client,
        userdata: int,
        mid: int,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._queue.put(_Published(userdata, mid))

    def _cb_message(self, client: mqtt.Client, userdata: int, message: mqtt.MQTTMessage) -> None:
        self._queue.put(_Message(userdata, message.topic, bytes(message.payload), message.retain))

    def _on_health_change(self, device: str, health: Health) -> None:
        # Called on the reporting driver's thread: only enqueue.
        if self._running and not self._health_requested.is_set():
            self._health_requested.set()
            self._queue.put(_Wake.HEALTH)

    # ---- network thread -----------------------------------------------------------------

    def _new_client(self, gen: int) -> mqtt.Client:
        v5 = self.protocol is MqttVersion.V5
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.kiosk_id,
            clean_session=None if v5 else True,
            userdata=gen,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            reconnect_on_failure=False,
        )
        client.enable_logger(logging.getLogger(f"{__name__}.paho"))
        client.username_pw_set(self._username, self._password or None)
        client.will_set(
            self.topics.state,
            self._json(
                {
                    "online": False,
                    "session": self.session,
                    "incarnation": self._outbox.incarnation,
                }
            ),
            qos=1,
            retain=True,
        )
        client.connect_timeout = self._t.connect_timeout_s
        # Room for birth, health and the shutdown state next to the event window.
        client.max_inflight_messages_set(self._t.inflight_window + 8)
        if self.broker.tls:
            client.tls_set_context(self._tls_context or ssl.create_default_context())
        client.on_connect = self._cb_connect
        client.on_disconnect = self._cb_disconnect
        client.on_subscribe = self._cb_subscribe
        client.on_publish = self._cb_publish
        client.on_message = self._cb_message
        # NOTE: with this callback set, publish() from the worker thread only queues the
        # packet and wakes our loop; without it paho would write to the socket from the
        # calling thread while our network thread writes too.
        client.on_socket_register_write = _ignore_register_write
        return client

    def _run_network(self) -> None:
        attempt = 0
        self._queue.put(_Wake.CONNECTING)
        while not self._stop_requested.is_set():
            with self._lock:
                self._gen += 1
                gen = self._gen
            try:
                established = self._attempt(gen)
            except Exception:
                # NOTE: this thread must never die (the kiosk would stay offline for good);
                # whatever went wrong, log it and try again after the back-off.
                log.exception("MQTT connection attempt %d of %s failed", gen, self.kiosk_id)
                self._queue.put(_ConnectFailed(gen, "internal error"))
                established = False
            if self._stop_requested.is_set():
                break
            if established:
                attempt = 0
                delay = first_retry_delay(self._t, self._rng)
            else:
                attempt += 1
                delay = backoff_delay(attempt - 1, self._t, self._rng)
            log.debug("reconnecting to %s in %.2f s (attempt %d)", self.broker, delay, attempt)
            self._stop_requested.wait(delay)

    def _attempt(self, gen: int) -> bool:
        """One connection from connect to its end; True if the broker accepted us."""
        client = self._new_client(gen)
        try:
            if self.protocol is MqttVersion.V5:
                client.connect(
                    self.broker.host, self.broker.port, self._keepalive_s, clean_start=True
                )
            else:
                client.connect(self.broker.host, self.broker.port, self._keepalive_s)
        except ssl.SSLError as exc:
            log.error("TLS handshake with %s failed for %s: %s", self.broker, self.kiosk_id, exc)
            self._queue.put(_ConnectFailed(gen, str(exc), auth=True))
            return False
        except (OSError, ValueError) as exc:
            log.warning("MQTT broker %s unreachable: %s", self.broker, exc)
            self._queue.put(_ConnectFailed(gen, str(exc)))
            return False
        sock = client.socket()
        self._nodelay = False  # a new socket starts with Nagle on
        try:
            established = self._drive(client, gen)
        finally:
            _close_quietly(client)
        tls_error = getattr(sock, "tls_error", None)
        if not established and tls_error is not None:
            log.error(
                "broker %s refused the TLS session of %s: %s", self.broker, self.kiosk_id, tls_error
            )
            self._queue.put(_ConnectFailed(gen, str(tls_error), auth=True))
        return established

    def _drive(self, client: mqtt.Client, gen: int) -> bool:
        """Run paho's loop until the connection ends; True if the CONNACK accepted us."""
        deadline = time.monotonic() + self._t.connack_timeout_s
        established = False
        while not self._net_done.is_set():
            rc = client.loop(timeout=1.0)
            if client.is_connected():
                established = True
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                log.debug("MQTT loop of %s ended: %s", self.kiosk_id, mqtt.error_string(rc))
                break
            if not established and time.monotonic() > deadline:
                log.warning(
                    "no CONNACK from %s within %.1f s", self.broker, self._t.connack_timeout_s
                )
                self._queue.put(_ConnectFailed(gen, "no CONNACK"))
                break
        return established

    # ---- worker thread ------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._next_timer_in())
            except queue.Empty:
                item = None
            try:
                if item is _Wake.STOP:
                    self._goodbye()
                    return
                if item is not None:
                    self._handle(item)
                self._run_timers()
            except Exception:
                # NOTE: the worker must survive anything a message, a handler or the store
                # throws; the outbox keeps the events and the next wake retries.
                log.exception("MQTT link worker of %s failed handling %r", self.kiosk_id, item)

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Wake):
            if item is _Wake.FLUSH:
                self._flush_requested.clear()
                self._flush()
            elif item is _Wake.HEALTH:
                self._health_requested.clear()
                self._publish_health()
            elif item is _Wake.CONNECTING:
                self._set_status(False, LinkReason.CONNECTING)
            elif item is _Wake.REPUBLISH:
                self._publish_birth()
            elif item is _Wake.RESEND:
                self._resend()
            elif item is _Wake.REPORT_CONFIG:
                self._publish_config_reported()
            return
        if isinstance(item, _Connected):
            self._on_connected(item)
            return
        if isinstance(item, _ConnectFailed):
            self._set_status(False, LinkReason.AUTH_FAILED if item.auth else LinkReason.UNREACHABLE)
            return
        if item.gen != self._active_gen:
            return  # from a client we already gave up on
        if isinstance(item, _Disconnected):
            self._on_disconnected(item)
        elif isinstance(item, _Subscribed):
            self._on_subscribed(item)
        elif isinstance(item, _Published):
            self._inflight.discard(item.mid)
            if self._blobs is not None:
                self._blobs.on_puback(item.mid)
            self._flush()
        else:
            self._on_message(item)

    def _on_connected(self, item: _Connected) -> None:
        if item.reason_code >= 0x80:
            reason = (
                LinkReason.AUTH_FAILED if item.reason_code in _AUTH_FAILURES else LinkReason.REFUSED
            )
            log.error(
                "broker %s refused kiosk %s: %s (%d)",
                self.broker,
                self.kiosk_id,
                item.reason_name,
                item.reason_code,
            )
            self._set_status(False, reason)
            return
        self._client = item.client
        self._active_gen = item.gen
        self._connected = True
        self._born = False
        self._server_online = None  # the retained server/state will tell
        self._inflight.clear()
        if self._blobs is not None:
            self._blobs.connection_reset()
        log.info("connected to %s as %s", self.broker, self.kiosk_id)
        self._set_status(True, LinkReason.CONNECTED)
        topics = [
            self.topics.cmd,
            self.topics.ack,
            self.topics.config_desired,
            SERVER_STATE,
            self.office_queue_topic,
        ]
        if self._blobs is not None:
            topics.append(self.topics.blob_ack)
        result, mid = item.client.subscribe([(topic, 1) for topic in topics])
        if result != MQTTErrorCode.MQTT_ERR_SUCCESS:
            log.warning("subscribe failed: %s", mqtt.error_string(result))
            return
        self._sub_mid = mid

    def _on_subscribed(self, item: _Subscribed) -> None:
        if item.mid != self._sub_mid or self._client is None:
            return
        if item.failures:
            # NOTE: keep going: the events must still reach the server, and the health
            # snapshot tells it which subscription its ACL refused.
            log.error("broker refused subscriptions of %s: %s", self.kiosk_id, item.failures)
        self._born = True
        self._publish_birth()
        self._acked = self._outbox.acked_seq()
        self._last_sent = self._acked
        self._ready.set()
        log.info("birth published for %s session %d", self.kiosk_id, self.session)
        self._flush()

    def _publish_birth(self) -> None:
        """The retained birth, the health snapshot and ``config/reported``: after the
        SUBACK of each connection, and for the ``state.republish`` command."""
        client = self._client
        if client is None or not self._born:
            return  # the next connection publishes them
        birth = {
            "online": True,
            "session": self.session,
            "incarnation": self._outbox.incarnation,
            "first_seq": self._outbox.first_seq,
            "boot_id": self._boot_id,
            "version": self._version,
            "site": {"office": self.office},
        }
        client.publish(self.topics.state, self._json(birth), qos=1, retain=True)
        self._publish_health()
        self._publish_config_reported()

    def _publish_config_reported(self) -> None:
        with self._lock:
            body = self._config_reported
        client = self._client
        if client is None or not self._born or body is None:
            return  # published after the birth of the next connection
        client.publish(self.topics.config_reported, body, qos=1, retain=True)

    def _resend(self) -> None:
        if not self._can_flush():
            log.info("resend requested while not sending; the next connection resends")
            return
        self._acked = self._outbox.acked_seq()
        log.info("resending %s from seq %d on request", self.kiosk_id, self._acked + 1)
        self._last_sent = self._acked
        self._ack_wait_since = time.monotonic()
        self._flush()

    def _on_disconnected(self, item: _Disconnected) -> None:
        was_connected = self._connected
        self._connected = False
        self._born = False
        self._client = None
        self._active_gen = -1
        self._sub_mid = None
        self._ready.clear()
        self._inflight.clear()
        if self._blobs is not None:
            self._blobs.connection_reset()
        self._next_health_at = None
        if was_connected:
            log.warning("connection to %s lost: %s", self.broker, item.detail)
            self._set_status(False, LinkReason.CONNECTION_LOST)

    def _on_message(self, item: _Message) -> None:
        if item.topic == self.topics.ack:
            self._on_ack(item.payload)
        elif item.topic == SERVER_STATE:
            self._on_server_state(item.payload)
        elif item.topic == self.office_queue_topic:
            self._on_queue(item.payload)
        elif item.topic == self.topics.cmd:
            log.info("command received for %s (%d bytes)", self.kiosk_id, len(item.payload))
            self._hand_over(self._command_handlers, item.payload, "command")
        elif item.topic == self.topics.config_desired:
            log.info("desired configuration received (%d bytes)", len(item.payload))
            self._hand_over(self._config_handlers, item.payload, "config/desired")
        elif item.topic == self.topics.blob_ack and self._blobs is not None:
            if self._blobs.on_blob_ack(item.payload):
                self._publish_health()
            self._flush()
        else:
            log.warning("message on unexpected topic %s ignored", item.topic)

    def _hand_over_foreign_ack(self, incarnation: str, acked: int) -> None:
        with self._lock:
            targets = list(self._foreign_ack_handlers)
        for handler in targets:
            try:
                handler(incarnation, acked)
            except Exception:
                log.exception("foreign ack handler %r failed", handler)

    def _hand_over(self, handlers: list[PayloadHandler], payload: bytes, what: str) -> None:
        with self._lock:
            targets = list(handlers)
        for handler in targets:
            try:
                handler(payload)
            except Exception:
                log.exception("%s handler %r failed", what, handler)

    def _on_ack(self, payload: bytes) -> None:
        body = _json_object(payload, self.topics.ack)
        if body is None:
            return
        acked = body.get("acked_seq")
        if not isinstance(acked, int) or isinstance(acked, bool) or acked < 0:
            log.warning("ack for %s without a valid acked_seq: %r", self.kiosk_id, body)
            return
        incarnation = body.get("incarnation")
        if incarnation != self._outbox.incarnation:
            # NOTE: an ack of another database of this kiosk (the one a replaced or lost
            # database had) says nothing about our seqs: deleting by it lost new events.
            log.warning(
                "ack for %s covers incarnation %r, not ours (%s); ignored",
                self.kiosk_id,
                incarnation,
                self._outbox.incarnation,
            )
            if isinstance(incarnation, str) and incarnation:
                self._hand_over_foreign_ack(incarnation, acked)
            return
        last_seq = self._outbox.last_seq()
        if acked > last_seq:
            # NOTE: never delete on an ack for events we never made: a retained ack from
            # an earlier life of this kiosk id (state wiped) would destroy new events.
            log.error(
                "server acks seq %d but %s has only made %d events; ignoring the ack",
                acked,
                self.kiosk_id,
                last_seq,
            )
            return
        if acked <= self._acked:
            return
        deleted = self._outbox.ack(acked)
        log.debug("server acked %s up to seq %d; %d events deleted", self.kiosk_id, acked, deleted)
        self._acked = acked
        self._last_sent = max(self._last_sent, acked)
        self._ack_wait_since = time.monotonic()
        self._flush()

    def _on_server_state(self, payload: bytes) -> None:
        body = _json_object(payload, SERVER_STATE) if payload else None
        online = body.get("online") if body is not None else None
        new = online if isinstance(online, bool) else None
        if new is None:
            log.warning("server state without a boolean 'online': %r", payload[:200])
        previous = self._server_online
        self._server_online = new
        if new is previous:
            return
        if new:
            log.info("server is online; sending from seq %d", self._acked + 1)
            # NOTE: what was sent while the server was away may be lost with its
            # (clean) session: resend everything it has not acknowledged.
            self._last_sent = self._acked
            self._ack_wait_since = time.monotonic()
            self._flush()
        else:
            log.warning("server is not online; holding %d events", self._outbox.depth())

    def _on_queue(self, payload: bytes) -> None:
        if self._waiting is None or not payload:
            return
        body = _json_object(payload, self.office_queue_topic)
        if body is None:
            return
        services = body.get("services")
        if not isinstance(services, dict):
            log.warning("queue figures without 'services': %r", body)
            return
        figures: dict[str, WaitFigure] = {}
        for service_id, entry in services.items():
            waiting = _count(entry.get("waiting")) if isinstance(entry, dict) else None
            minutes = _count(entry.get("wait_minutes")) if isinstance(entry, dict) else None
            if waiting is None or minutes is None:
                log.warning("queue figure for service %r ignored: %r", service_id, entry)
                continue
            figures[str(service_id)] = WaitFigure(waiting, minutes, estimated=False)
        now = datetime.now(UTC)
        at = _parse_ts(body.get("ts"))
        self._waiting.update_from_server(figures, at=min(at, now) if at else now)

    # ---- sending --------------------------------------------------------------------------

    def _can_flush(self) -> bool:
        return self._client is not None and self._ready.is_set() and self._server_online is True

    def _flush(self) -> None:
        client = self._client
        if client is None or not self._can_flush():
            return
        sending_image = self._blobs is not None and self._blobs.current is not None
        while True:
            room = min(
                self._t.inflight_window - len(self._inflight),
                self._t.ahead_window - (self._last_sent - self._acked),
            )
            if room <= 0:
                return
            batch = self._outbox.pending(after_seq=self._last_sent, limit=min(room, 200))
            # A backlog drains in bulk (Nagle); single events and image transfers go at once.
            draining = self._outbox.last_seq() - self._last_sent >= BULK_EVENTS
            self._set_no_delay(client, sending_image or not draining)
            if not batch:
                break
            if self._last_sent == self._acked:
                self._ack_wait_since = time.monotonic()
            for event in batch:
                info = client.publish(self.topics.evt(event.category), event.envelope, qos=1)
                if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    log.warning(
                        "publishing seq %d failed: %s", event.seq, mqtt.error_string(info.rc)
                    )
                    return
                self._inflight.add(info.mid)
                self._last_sent = event.seq
        if self._blobs is not None and not self._inflight:
            # NOTE: no event waits to be published or for its PUBACK: one image chunk.
            self._send_chunk(client, self._blobs)

    def _set_no_delay(self, client: mqtt.Client, on: bool) -> None:
        if on != self._nodelay:
            _no_delay(client.socket(), on)
            self._nodelay = on

    def _send_chunk(self, client: mqtt.Client, blobs: BlobSender) -> None:
        chunk = blobs.next_chunk()
        if chunk is None:
            return
        properties = self._chunk_properties(chunk)
        info = client.publish(chunk.topic, chunk.payload, qos=1, properties=properties)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            log.warning(
                "publishing chunk %d of %s… failed: %s",
                chunk.index,
                chunk.sha256[:12],
                mqtt.error_string(info.rc),
            )
            return
        blobs.chunk_published(chunk, info.mid)

    def _chunk_properties(self, chunk: OutgoingChunk) -> Properties | None:
        """MQTT 5 user properties ``total`` and ``size`` (the payload's header says the
        same for MQTT 3.1.1 receivers, which never see user properties)."""
        if self.protocol is not MqttVersion.V5:
            return None
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.UserProperty = [("total", str(chunk.total)), ("size", str(chunk.size))]
        return properties

    def _publish_health(self) -> None:
        client = self._client
        if client is None or not self._born:
            return  # published right after the birth of the next connection
        oldest = self._outbox.oldest_created()
        now = datetime.now(UTC)
        snapshot = {
            "v": PAYLOAD_VERSION,
            "ts": rfc3339(now),
            "session": self.session,
            "devices": {
                name: health.as_dict() for name, health in sorted(self._health.snapshot().items())
            },
            "outbox_depth": self._outbox.depth(),
            "oldest_unacked_age_s": (
                round(max((now - oldest).total_seconds(), 0.0), 3) if oldest else 0.0
            ),
            "dropped_telemetry": self._outbox.dropped_telemetry(),
        }
        if self._blobs is not None and self._blobs.sends_photos:
            snapshot["photo_transfer"] = self._blobs.backlog()
        client.publish(self.topics.health, self._json(snapshot), qos=1, retain=True)
        self._next_health_at = time.monotonic() + self._t.health_interval_s

    def _goodbye(self) -> None:
        client = self._client
        if client is not None and self._connected:
            goodbye = {
                "online": False,
                "session": self.session,
                "incarnation": self._outbox.incarnation,
                "reason": "shutdown",
            }
            info = client.publish(self.topics.state, self._json(goodbye), qos=1, retain=True)
            try:
                info.wait_for_publish(self._t.stop_timeout_s)
            except (RuntimeError, ValueError) as exc:
                log.warning("shutdown state of %s not sent: %s", self.kiosk_id, exc)
            if not info.is_published():
                log.warning(
                    "no PUBACK for the shutdown state of %s within %.1f s",
                    self.kiosk_id,
                    self._t.stop_timeout_s,
                )
            client.disconnect()
        self._connected = False
        self._born = False
        self._client = None
        self._ready.clear()
        self._net_done.set()
        self._set_status(False, LinkReason.STOPPED)

    # ---- timers and status ----------------------------------------------------------------

    def _waiting_for_ack(self) -> bool:
        return self._can_flush() and self._last_sent > self._acked and not self._inflight

    def _next_timer_in(self) -> float | None:
        deadlines = []
        if self._next_health_at is not None and self._born:
            deadlines.append(self._next_health_at)
        if self._waiting_for_ack():
            deadlines.append(self._ack_wait_since + self._t.ack_timeout_s)
        if self._blobs is not None:
            blob_deadline = self._blobs.deadline()
            if blob_deadline is not None:
                deadlines.append(blob_deadline)
        if not deadlines:
            return None
        return max(min(deadlines) - time.monotonic(), 0.0) + 0.001

    def _run_timers(self) -> None:
        now = time.monotonic()
        if self._born and self._next_health_at is not None and now >= self._next_health_at:
            self._publish_health()
        if self._waiting_for_ack() and now - self._ack_wait_since >= self._t.ack_timeout_s:
            log.warning(
                "no ack beyond seq %d for %.0f s (sent up to %d); resending",
                self._acked,
                now - self._ack_wait_since,
                self._last_sent,
            )
            self._last_sent = self._acked
            self._ack_wait_since = now
            self._flush()
        if self._blobs is not None and self._blobs.run_timers():
            self._flush()

    def _set_status(self, online: bool, reason: LinkReason) -> None:
        status = (online, reason.value)
        if status == self._status:
            return
        self._status = status
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(online, reason.value)
            except Exception:
                log.exception("status listener %r failed", listener)

    @staticmethod
    def _json(body: dict[str, Any]) -> bytes:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _ignore_register_write(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """paho's "external loop wants to write" hook: our loop() sees want_write() itself."""


def _no_delay(sock: object, on: bool) -> None:
    """Send small packets at once (TCP_NODELAY on) or let TCP gather them (Nagle, paho's and
    the kernel's default).

    NOTE: on, except while a backlog of events drains. With Nagle on, an event published
    right after a small packet that TCP has not yet ACKed (our PUBACK of the server's ack, or
    an image chunk) waits for the broker's delayed ACK: about 40 ms more per event
    (bench/blob_transfer.py). With it on during a drain, thousands of events go out one
    segment each, several times slower, and a slow subscriber's broker queue overflows
    (tests/faults/test_g1_events.py).
    """
    if not isinstance(sock, socket.socket):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if on else 0)
    except OSError as exc:
        log.warning("cannot set TCP_NODELAY on the broker connection: %s", exc)


def _close_quietly(client: mqtt.Client) -> None:
    """Close a client's socket after its connection ended (sends DISCONNECT if still open)."""
    if client.socket() is None:
        return
    client.disconnect()
    for _ in range(3):
        if client.loop(timeout=0.1) != MQTTErrorCode.MQTT_ERR_SUCCESS or client.socket() is None:
            return


def _json_object(payload: bytes, topic: str) -> dict[str, Any] | None:
    try:
        # NOTE: strict: no NaN/Infinity, no repeated keys, no nesting that would recurse.
        body = strict_loads(payload)
    except StrictJsonError as exc:
        log.warning("message on %s is not strict JSON (%s): %r", topic, exc, payload[:200])
        return None
    if not isinstance(body, dict):
        log.warning("message on %s is not a JSON object: %r", topic, payload[:200])
        return None
    return body


MAX_QUEUE_FIGURE = 100_000
"""The most people (or minutes) a server queue figure may say; more is refused.

NOTE: a figure of 2**63 from the queue topic went into the next ticket's row and made
SQLite refuse every ticket of that service (``OverflowError``); no office has this many."""


def _count(value: object) -> int | None:
    """A whole number 0..``MAX_QUEUE_FIGURE`` from JSON (``3`` or ``3.0``), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 <= value <= MAX_QUEUE_FIGURE:  # also refuses NaN
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _parse_ts(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


__all__ = [
    "LinkReason",
    "LinkTuning",
    "MqttLink",
    "MqttVersion",
    "PayloadHandler",
    "StatusListener",
    "backoff_delay",
    "read_boot_id",
]

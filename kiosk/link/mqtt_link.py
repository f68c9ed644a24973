"""The kiosk's MQTT link to the central server (DESIGN §5): the façade and its worker.

Wiring: one paho-mqtt 2.x client per connection attempt (MQTT 5 by default, 3.1.1 on
request), clean start, client id = user name = kiosk id, a retained Will on
``kiosk/v1/{id}/state``. Two threads of ours:

* the *network* thread (:mod:`kiosk.link.connection`) connects, drives paho's ``loop()``
  and, when the connection ends, waits a jittered exponential back-off before the next
  attempt;
* the *worker* thread (this module) does everything else. paho callbacks run on the network
  thread and only put a small record into the worker's queue.

On each connection: subscribe ``cmd``, ``ack``, ``config/desired``, ``server/state`` and the
office queue topic; after the SUBACK publish the retained birth, then the retained health
snapshot (:mod:`kiosk.link.state_publisher`), then flush the outbox in ``seq`` order inside
the in-flight and ahead windows (:mod:`kiosk.link.send_window`). Rows leave the outbox only
when the retained ``ack`` covers them. While ``server/state`` does not say ``online: true``
nothing is flushed. Incoming payloads are read by :mod:`kiosk.link.intake`.

With a :class:`~kiosk.link.blob_sender.BlobSender` (a kiosk with a photo booth) the link
also subscribes ``blob-ack`` and publishes one image chunk at a time, only when no event
waits to be published or for its PUBACK: events always go first.

Where to find a behaviour:

=========================================  ============================================
connecting, reconnecting, back-off          :mod:`kiosk.link.connection`
the flush and ack windows, TCP_NODELAY      :mod:`kiosk.link.send_window`
reading ack, server state, queue figures;   :mod:`kiosk.link.intake`
command and config/desired handlers
Will, birth, health, config/reported,       :mod:`kiosk.link.state_publisher`
goodbye
online/offline and its reason               :mod:`kiosk.link.status`
windows and timings                         :mod:`kiosk.link.tuning`
=========================================  ============================================
"""

from __future__ import annotations

import enum
import logging
import queue
import random
import ssl
import threading
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

from kiosk import __version__
from kiosk.config import MqttConfig
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import Health, HealthBoard
from kiosk.errors import LinkError
from kiosk.link.blob_sender import BlobSender
from kiosk.link.broker_url import parse_broker_url
from kiosk.link.connection import (
    Connected,
    ConnectFailed,
    ConnectionRecord,
    Connector,
    ConnectorFactory,
    Disconnected,
    Message,
    Published,
    Session,
    Subscribed,
    backoff_delay,
    first_retry_delay,
)
from kiosk.link.intake import (
    ForeignAckHandler,
    Handlers,
    PayloadHandler,
    parse_ack,
    parse_queue_figures,
    parse_server_state,
)
from kiosk.link.send_window import SendWindow
from kiosk.link.state_publisher import PAYLOAD_VERSION, StatePublisher, read_boot_id
from kiosk.link.status import LinkReason, LinkStatus, StatusListener
from kiosk.link.tls import TlsErrorRecordingSocket, build_tls_context
from kiosk.link.topics import SERVER_STATE, Topics, office_queue, validate_id
from kiosk.link.tuning import LinkTuning, MqttVersion
from kiosk.store.outbox import Outbox

log = logging.getLogger(__name__)

# CONNACK reason codes (MQTT 5 numbering; paho maps 3.1.1 return codes 4 and 5 onto them).
_AUTH_FAILURES = frozenset({134, 135, 140})  # bad user name or password, not authorized, bad auth


class _Wake(enum.Enum):
    """Work other threads ask the worker for."""

    FLUSH = "flush"
    HEALTH = "health"
    CONNECTING = "connecting"
    STOP = "stop"
    REPUBLISH = "republish"
    RESEND = "resend"
    REPORT_CONFIG = "report_config"


_Item = ConnectionRecord | _Wake


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
        connector: builds what connects (default :class:`Connector`, its own network
            thread); the simulated fleet drives many links' sockets from one loop.

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
        connector: ConnectorFactory = Connector,
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
        self._waiting = waiting
        username = mqtt_config.username or kiosk_id
        if username != kiosk_id:
            log.warning(
                "MQTT user name %r differs from kiosk id %r (the contract wants them equal)",
                username,
                kiosk_id,
            )
        if self.broker.tls and tls_context is None:
            tls_context = build_tls_context(mqtt_config, kiosk_id)
        if tls_context is not None and tls_context.sslsocket_class is ssl.SSLSocket:
            # NOTE: lets the link tell a refused certificate from a lost connection.
            tls_context.sslsocket_class = TlsErrorRecordingSocket
        self._t = tuning or LinkTuning()
        if blobs is not None and blobs.topics.kiosk_id != kiosk_id:
            raise LinkError(f"blob sender of {blobs.topics.kiosk_id!r} on the link of {kiosk_id!r}")
        self._blobs = blobs

        self._queue: queue.Queue[_Item] = queue.Queue()
        self._status = LinkStatus()
        self._handlers = Handlers()
        self._window = SendWindow(outbox, self.topics, self._t, self.protocol, blobs)
        self._publisher = StatePublisher(
            topics=self.topics,
            session=session,
            office=self.office,
            outbox=outbox,
            health=health,
            boot_id=boot_id or read_boot_id(),
            version=version,
            tuning=self._t,
            blobs=blobs,
        )
        self._connector = connector(
            Session(
                kiosk_id=kiosk_id,
                broker=self.broker,
                protocol=self.protocol,
                username=username,
                password=mqtt_config.password,
                keepalive_s=int(mqtt_config.keepalive_s),
                tls_context=tls_context,
                will_topic=self.topics.state,
                will_payload=self._publisher.will(),
            ),
            self._t,
            rng or random.Random(),
            self._queue.put,
        )
        self._lock = threading.Lock()
        self._flush_requested = threading.Event()
        self._health_requested = threading.Event()
        self._ready = threading.Event()
        self._running = False
        self._stopped = False
        self._worker_thread: threading.Thread | None = None

        # Worker-thread state (touched only by the worker).
        self._client: mqtt.Client | None = None
        self._active_gen = -1  # generation of the client the worker works with
        self._connected = False
        self._born = False  # birth published on this connection
        self._sub_mid: int | None = None
        self._server_online: bool | None = None

        health.subscribe(self._on_health_change)

    # ---- public API ---------------------------------------------------------------------

    @property
    def online(self) -> bool:
        """True while connected to the broker (CONNACK accepted, not yet lost)."""
        return self._status.current[0]

    @property
    def status(self) -> tuple[bool, str]:
        """``(online, reason)`` as last given to the status listeners."""
        return self._status.current

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
        self._status.subscribe(listener)

    def on_command(self, handler: PayloadHandler) -> None:
        """Hand every payload received on ``cmd`` to ``handler`` (raw bytes, not verified)."""
        self._handlers.on_command(handler)

    def on_config_desired(self, handler: PayloadHandler) -> None:
        """Hand every payload received on ``config/desired`` to ``handler`` (raw bytes)."""
        self._handlers.on_config_desired(handler)

    def on_foreign_ack(self, handler: ForeignAckHandler) -> None:
        """Call ``handler(incarnation, acked_seq)`` for a retained ack of another incarnation
        of this kiosk id: the server knew an earlier database of this kiosk (a replaced
        state folder). Runs on the link's worker thread."""
        self._handlers.on_foreign_ack(handler)

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
        self._publisher.set_config_reported(body)
        self._queue.put(_Wake.REPORT_CONFIG)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the birth is published on a connection; False on timeout."""
        return self._ready.wait(timeout)

    def start(self, *, worker: bool = True) -> None:
        """Start the network and worker threads; connecting happens in the background.

        Args:
            worker: False: no worker thread; the caller runs the link's work with
                :meth:`run_pending` (one thread for many simulated kiosks).

        Raises:
            LinkError: the link was already started.
        """
        with self._lock:
            if self._running or self._stopped:
                raise LinkError(f"MQTT link of {self.kiosk_id} was already started")
            self._running = True
        if worker:
            self._worker_thread = threading.Thread(
                target=self._work, name=f"mqtt-worker-{self.kiosk_id}", daemon=True
            )
            self._worker_thread.start()
        self._queue.put(_Wake.CONNECTING)
        self._connector.start()
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
            if self._stopped:
                return
            self._stopped = True
            running = self._running
        if not running:
            return
        self._connector.stop_reconnecting()
        self._queue.put(_Wake.STOP)
        join_s = self._t.stop_timeout_s + self._t.connect_timeout_s + 2.0
        worker = self._worker_thread
        if worker is not None:
            worker.join(join_s)
        for thread in (worker, self._connector.join(join_s)):
            if thread is not None and thread.is_alive():
                log.error("MQTT link thread %s did not end within %.1f s", thread.name, join_s)
        log.info("MQTT link of %s stopped", self.kiosk_id)

    def _on_health_change(self, device: str, health: Health) -> None:
        # Called on the reporting driver's thread: only enqueue.
        if self._running and not self._health_requested.is_set():
            self._health_requested.set()
            self._queue.put(_Wake.HEALTH)

    # ---- worker thread ------------------------------------------------------------------

    def run_pending(self) -> float | None:
        """For a link started with ``worker=False``: do its queued work and due timers now,
        on the caller's thread, without waiting; returns the seconds until its next timer
        (None: none, or the link said goodbye)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if not self._step(item):
                return None
        self._step(None)
        return self._next_timer_in()

    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._next_timer_in())
            except queue.Empty:
                item = None
            if not self._step(item):
                return

    def _step(self, item: _Item | None) -> bool:
        """Handle one item (None: only the timers); False once the link said goodbye."""
        try:
            if item is _Wake.STOP:
                self._goodbye()
                return False
            if item is not None:
                self._handle(item)
            self._run_timers()
        except Exception:
            # NOTE: the worker must survive anything a message, a handler or the store
            # throws; the outbox keeps the events and the next wake retries.
            log.exception("MQTT link worker of %s failed handling %r", self.kiosk_id, item)
        return True

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Wake):
            if item is _Wake.FLUSH:
                self._flush_requested.clear()
                self._flush()
            elif item is _Wake.HEALTH:
                self._health_requested.clear()
                self._publish_health()
            elif item is _Wake.CONNECTING:
                self._status.set(False, LinkReason.CONNECTING)
            elif item is _Wake.REPUBLISH:
                self._publish_birth()
            elif item is _Wake.RESEND:
                self._resend()
            elif item is _Wake.REPORT_CONFIG:
                self._publish_config_reported()
            return
        if isinstance(item, Connected):
            self._on_connected(item)
            return
        if isinstance(item, ConnectFailed):
            self._status.set(False, LinkReason.AUTH_FAILED if item.auth else LinkReason.UNREACHABLE)
            return
        if item.gen != self._active_gen:
            return  # from a client we already gave up on
        if isinstance(item, Disconnected):
            self._on_disconnected(item)
        elif isinstance(item, Subscribed):
            self._on_subscribed(item)
        elif isinstance(item, Published):
            self._window.on_puback(item.mid)
            self._flush()
        else:
            self._on_message(item)

    # ---- the connection as the worker sees it ----------------------------------------------

    def _on_connected(self, item: Connected) -> None:
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
            self._status.set(False, reason)
            return
        self._client = item.client
        self._active_gen = item.gen
        self._connected = True
        self._born = False
        self._server_online = None  # the retained server/state will tell
        self._window.connection_reset()
        log.info("connected to %s as %s", self.broker, self.kiosk_id)
        self._status.set(True, LinkReason.CONNECTED)
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

    def _on_subscribed(self, item: Subscribed) -> None:
        if item.mid != self._sub_mid or self._client is None:
            return
        if item.failures:
            # NOTE: keep going: the events must still reach the server, and the health
            # snapshot tells it which subscription its ACL refused.
            log.error("broker refused subscriptions of %s: %s", self.kiosk_id, item.failures)
        self._born = True
        self._publish_birth()
        self._window.start_from_server_ack()
        self._ready.set()
        log.info("birth published for %s session %d", self.kiosk_id, self.session)
        self._flush()

    def _on_disconnected(self, item: Disconnected) -> None:
        was_connected = self._connected
        self._connected = False
        self._born = False
        self._client = None
        self._active_gen = -1
        self._sub_mid = None
        self._ready.clear()
        self._window.connection_reset()
        self._publisher.next_health_at = None
        if was_connected:
            log.warning("connection to %s lost: %s", self.broker, item.detail)
            self._status.set(False, LinkReason.CONNECTION_LOST)

    def _goodbye(self) -> None:
        client = self._client
        goodbye = None
        if client is not None and self._connected:
            goodbye = self._publisher.goodbye(client)
        else:
            client = None
        self._connected = False
        self._born = False
        self._client = None
        self._ready.clear()
        self._connector.end(client, goodbye)
        self._status.set(False, LinkReason.STOPPED)

    # ---- what the server sends ---------------------------------------------------------------

    def _on_message(self, item: Message) -> None:
        if item.topic == self.topics.ack:
            self._on_ack(item.payload)
        elif item.topic == SERVER_STATE:
            self._on_server_state(item.payload)
        elif item.topic == self.office_queue_topic:
            self._on_queue(item.payload)
        elif item.topic == self.topics.cmd:
            log.info("command received for %s (%d bytes)", self.kiosk_id, len(item.payload))
            self._handlers.command(item.payload)
        elif item.topic == self.topics.config_desired:
            log.info("desired configuration received (%d bytes)", len(item.payload))
            self._handlers.config_desired(item.payload)
        elif item.topic == self.topics.blob_ack and self._blobs is not None:
            if self._blobs.on_blob_ack(item.payload):
                self._publish_health()
            self._flush()
        else:
            log.warning("message on unexpected topic %s ignored", item.topic)

    def _on_ack(self, payload: bytes) -> None:
        ack = parse_ack(payload, self.topics.ack)
        if ack is None:
            return
        if ack.incarnation != self._outbox.incarnation:
            # NOTE: an ack of another database of this kiosk (the one a replaced or lost
            # database had) says nothing about our seqs: deleting by it lost new events.
            log.warning(
                "ack for %s covers incarnation %r, not ours (%s); ignored",
                self.kiosk_id,
                ack.incarnation,
                self._outbox.incarnation,
            )
            if isinstance(ack.incarnation, str) and ack.incarnation:
                self._handlers.foreign_ack(ack.incarnation, ack.acked_seq)
            return
        if self._window.apply_ack(ack.acked_seq):
            self._flush()

    def _on_server_state(self, payload: bytes) -> None:
        new = parse_server_state(payload, SERVER_STATE)
        previous = self._server_online
        self._server_online = new
        if new is previous:
            return
        if new:
            log.info("server is online; sending from seq %d", self._window.acked + 1)
            # NOTE: what was sent while the server was away may be lost with its
            # (clean) session: resend everything it has not acknowledged.
            self._window.rewind()
            self._flush()
        else:
            log.warning("server is not online; holding %d events", self._outbox.depth())

    def _on_queue(self, payload: bytes) -> None:
        if self._waiting is None or not payload:
            return
        queue_figures = parse_queue_figures(payload, self.office_queue_topic)
        if queue_figures is None:
            return
        now = datetime.now(UTC)
        at = queue_figures.at
        self._waiting.update_from_server(queue_figures.figures, at=min(at, now) if at else now)

    # ---- what the kiosk sends ------------------------------------------------------------------

    def _can_flush(self) -> bool:
        return self._client is not None and self._ready.is_set() and self._server_online is True

    def _flush(self) -> None:
        client = self._client
        if client is not None and self._can_flush():
            self._window.flush(client)

    def _resend(self) -> None:
        if not self._can_flush():
            log.info("resend requested while not sending; the next connection resends")
            return
        self._window.start_from_server_ack()
        log.info("resending %s from seq %d on request", self.kiosk_id, self._window.acked + 1)
        self._flush()

    def _publish_birth(self) -> None:
        """The retained birth, the health snapshot and ``config/reported``: after the
        SUBACK of each connection, and for the ``state.republish`` command."""
        client = self._client
        if client is not None and self._born:  # else the next connection publishes them
            self._publisher.birth(client)

    def _publish_health(self) -> None:
        client = self._client
        if client is not None and self._born:  # else published after the next birth
            self._publisher.health(client)

    def _publish_config_reported(self) -> None:
        client = self._client
        if client is not None and self._born:  # else published after the next birth
            self._publisher.config_reported(client)

    # ---- timers ---------------------------------------------------------------------------

    def _next_timer_in(self) -> float | None:
        deadlines = []
        if self._publisher.next_health_at is not None and self._born:
            deadlines.append(self._publisher.next_health_at)
        if self._can_flush() and self._window.waiting_for_ack():
            deadlines.append(self._window.ack_deadline())
        if self._blobs is not None:
            blob_deadline = self._blobs.deadline()
            if blob_deadline is not None:
                deadlines.append(blob_deadline)
        if not deadlines:
            return None
        return max(min(deadlines) - time.monotonic(), 0.0) + 0.001

    def _run_timers(self) -> None:
        now = time.monotonic()
        if self._born and self._publisher.health_due(now):
            self._publish_health()
        if self._can_flush() and self._window.rewind_if_ack_stalled(now):
            self._flush()
        if self._blobs is not None and self._blobs.run_timers():
            self._flush()


__all__ = [
    "PAYLOAD_VERSION",
    "ForeignAckHandler",
    "LinkReason",
    "LinkTuning",
    "MqttLink",
    "MqttVersion",
    "PayloadHandler",
    "StatusListener",
    "backoff_delay",
    "first_retry_delay",
    "read_boot_id",
]

"""The central simulator's MQTT session: one paho client whose callbacks only enqueue, and
one worker thread that does all the work under one lock."""

from __future__ import annotations

import logging
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from kiosk.errors import LinkError

log = logging.getLogger(__name__)


class SessionHandler(Protocol):
    """What the session calls on its worker thread, with ``MqttSession.cond`` held (but
    ``on_stop``, which may wait for the broker)."""

    def on_online(self) -> None:
        """Subscribed: publish the birth and what must be retained again."""

    def on_message(
        self, topic: str, payload: bytes, user_properties: tuple[tuple[str, str], ...]
    ) -> None:
        """One message of the subscriptions."""

    def tick(self, now: float) -> None:
        """After each message and at each deadline: do what is due."""

    def next_deadline(self) -> float | None:
        """The monotonic time of the next thing due, if any."""

    def on_stop(self) -> None:
        """Stopping: store what is pending and say goodbye (the session then disconnects)."""


# ---- records the paho callbacks put into the worker's queue ------------------------------


@dataclass(frozen=True)
class _Connected:
    failed: bool
    reason: str


@dataclass(frozen=True)
class _Disconnected:
    reason: str


@dataclass(frozen=True)
class _Subscribed:
    mid: int


@dataclass(frozen=True)
class _Message:
    topic: str
    payload: bytes
    user_properties: tuple[tuple[str, str], ...] = ()


_STOP = object()
_Item = _Connected | _Disconnected | _Subscribed | _Message | Callable[[], None] | object


class MqttSession:
    """Connects (and reconnects), subscribes to ``topics`` and feeds ``handler``.

    Args:
        host: broker host.
        port: broker port.
        handler: what handles messages and deadlines.
        topics: the subscriptions (QoS 1), made again on each connect.
        client_id: the MQTT client id.
        will: ``(topic, payload)`` of the retained Will.
        mqtt5: speak MQTT 5; False for MQTT 3.1.1.
        tls_context: for a TLS listener.
        name: the worker thread's name (and the log's).
    """

    def __init__(
        self,
        host: str,
        port: int,
        handler: SessionHandler,
        *,
        topics: Sequence[str],
        client_id: str,
        will: tuple[str, bytes],
        mqtt5: bool = True,
        tls_context: ssl.SSLContext | None = None,
        name: str = "central-sim",
    ):
        self.host = host
        self.port = port
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self._handler = handler
        self._topics = list(topics)
        self._name = name
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._sub_mid: int | None = None
        self._started = False
        self._stopped = False
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if mqtt5 else MQTTProtocolVersion.MQTTv311,
        )
        self.client.enable_logger(logging.getLogger(f"{__name__}.paho"))
        self.client.will_set(will[0], will[1], qos=1, retain=True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        if tls_context is not None:
            self.client.tls_set_context(tls_context)
        self.client.on_connect = self._cb_connect
        self.client.on_disconnect = self._cb_disconnect
        self.client.on_subscribe = self._cb_subscribe
        self.client.on_message = self._cb_message

    @property
    def started(self) -> bool:
        """True once ``start`` was called."""
        return self._started

    def start(self, wait_s: float = 5.0) -> None:
        """Connect in the background and wait up to ``wait_s`` for ``on_online``.

        Raises:
            LinkError: started before.
        """
        if self._started:
            raise LinkError(f"{self._name} already started")
        self._started = True
        self._worker = threading.Thread(target=self._work, name=self._name, daemon=True)
        self._worker.start()
        if self.client.protocol == MQTTProtocolVersion.MQTTv5:
            self.client.connect_async(self.host, self.port, keepalive=30, clean_start=True)
        else:
            self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self.ready.wait(wait_s):
            log.warning(
                "%s not connected to %s:%d after %.1f s; still trying",
                self._name,
                self.host,
                self.port,
                wait_s,
            )

    def stop(self) -> bool:
        """Have the worker call ``on_stop``, disconnect; False when there was nothing to
        stop (never started, or stopped already)."""
        if not self._started or self._stopped:
            return False
        self._stopped = True
        self._queue.put(_STOP)
        if self._worker is not None:
            self._worker.join(10)
        self.client.loop_stop()
        return True

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the worker (with ``cond`` held)."""
        self._queue.put(job)

    def publish(
        self,
        topic: str,
        payload: bytes,
        *,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> mqtt.MQTTMessageInfo:
        """Publish at QoS 1."""
        return self.client.publish(topic, payload, qos=1, retain=retain, properties=properties)

    # ---- paho callbacks: only enqueue ---------------------------------------------------

    def _cb_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        sock = client.socket()
        if isinstance(sock, socket.socket):
            # NOTE: acks go out at once (paho leaves Nagle's algorithm on: +40 ms a hop).
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                log.warning("cannot set TCP_NODELAY: %s", exc)
        self._queue.put(_Connected(reason_code.is_failure, str(reason_code)))

    def _cb_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._queue.put(_Disconnected(str(reason_code)))

    def _cb_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        self._queue.put(_Subscribed(mid))

    def _cb_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        properties = getattr(message, "properties", None)
        pairs = getattr(properties, "UserProperty", None) or []
        user = tuple((str(k), str(v)) for k, v in pairs)
        self._queue.put(_Message(message.topic, bytes(message.payload), user))

    # ---- worker -------------------------------------------------------------------------

    def _wait_s(self) -> float | None:
        with self.cond:
            deadline = self._handler.next_deadline()
        if deadline is None:
            return None
        return max(deadline - time.monotonic(), 0.0) + 0.001

    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._wait_s())
            except queue.Empty:
                item = None
            try:
                if item is _STOP:
                    self._goodbye()
                    return
                with self.cond:
                    if item is not None:
                        self._handle(item)
                    self._handler.tick(time.monotonic())
                    self.cond.notify_all()
            except Exception:
                log.exception("%s failed handling %r", self._name, item)

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Message):
            self._handler.on_message(item.topic, item.payload, item.user_properties)
        elif isinstance(item, _Connected):
            if item.failed:
                log.error("broker refused the %s: %s", self._name, item.reason)
                return
            result, mid = self.client.subscribe([(t, 1) for t in self._topics])
            if result == MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._sub_mid = mid
        elif isinstance(item, _Subscribed):
            if item.mid == self._sub_mid:
                self._handler.on_online()
                self.ready.set()
                log.info("%s online on %s:%d", self._name, self.host, self.port)
        elif isinstance(item, _Disconnected):
            self.ready.clear()
            log.warning("%s disconnected: %s", self._name, item.reason)
        elif callable(item):
            item()

    def _goodbye(self) -> None:
        self._handler.on_stop()
        self.ready.clear()
        # NOTE: paho 2.x's network thread runs its loop once more after a disconnect we asked
        # for and logs "Client is not connected" at ERROR: on every clean stop of the demo a
        # newcomer read a failure. The stop is ours, so paho's logging ends here.
        self.client.disable_logger()
        self.client.disconnect()

"""One MQTT connection after another: the paho client, the network thread, the back-off.

A :class:`Connector` owns the link's *network* thread. Each attempt builds a fresh paho-mqtt
2.x client (MQTT 5 with clean start, or 3.1.1 with a clean session; client id = the kiosk
id; a retained Will), connects, and drives paho's ``loop()`` until the connection ends.
Then it waits a jittered exponential back-off and tries again (paho's own reconnect has no
jitter: a thousand kiosks would come back in lock-step after a broker restart).

paho's callbacks run on this thread and do one thing: hand a small record
(:data:`ConnectionRecord`) to the link's worker through ``report``. Everything else,
publishing included, happens on the worker; ``publish()`` from there only queues the packet
for this thread's loop.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from kiosk.link.broker_url import BrokerUrl
from kiosk.link.tuning import LinkTuning, MqttVersion

log = logging.getLogger(__name__)


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


# ---- what the network thread reports to the worker ----------------------------------------
# ``gen`` numbers the connection attempts: the worker ignores records of a client it has
# already given up on.


@dataclass(frozen=True)
class Connected:
    """A CONNACK arrived (accepted or refused: ``reason_code`` >= 0x80 is a refusal)."""

    gen: int
    client: mqtt.Client
    reason_code: int
    reason_name: str


@dataclass(frozen=True)
class ConnectFailed:
    """The attempt ended before an accepted CONNACK."""

    gen: int
    detail: str
    auth: bool = False  # a TLS error: the broker (or we) refused the certificate


@dataclass(frozen=True)
class Disconnected:
    """An established connection ended."""

    gen: int
    detail: str


@dataclass(frozen=True)
class Subscribed:
    """A SUBACK; ``failures`` names the refused subscriptions."""

    gen: int
    mid: int
    failures: tuple[str, ...]


@dataclass(frozen=True)
class Published:
    """A PUBACK for the PUBLISH with ``mid``."""

    gen: int
    mid: int


@dataclass(frozen=True)
class Message:
    """A message the broker delivered."""

    gen: int
    topic: str
    payload: bytes
    retain: bool


ConnectionRecord = Connected | ConnectFailed | Disconnected | Subscribed | Published | Message


@dataclass(frozen=True)
class Session:
    """Who connects where, and how: everything a connection attempt needs to know.

    Attributes:
        kiosk_id: the client id.
        broker: where to connect.
        protocol: MQTT 5 or 3.1.1.
        username: the MQTT user name.
        password: the MQTT password, or None.
        keepalive_s: MQTT keep-alive.
        tls_context: for ``mqtts://`` (None: the system's default context).
        will_topic: where the broker publishes the Will (retained, QoS 1).
        will_payload: the Will.
    """

    kiosk_id: str
    broker: BrokerUrl
    protocol: MqttVersion
    username: str
    password: str | None
    keepalive_s: int
    tls_context: ssl.SSLContext | None
    will_topic: str
    will_payload: bytes


class ConnectorLike(Protocol):
    """What the link needs of its connector (:class:`Connector`, or one loop's share)."""

    def start(self) -> None:
        """Begin connecting."""

    def stop_reconnecting(self) -> None:
        """Make no further attempt (the current connection stays for the goodbye)."""

    def end(self, client: mqtt.Client | None, goodbye: mqtt.MQTTMessageInfo | None) -> None:
        """End the current connection too: send ``client``'s DISCONNECT (None: not
        connected) once ``goodbye`` is acknowledged or no longer waited for.

        A DISCONNECT sent before the broker's PUBACK makes Mosquitto fail on the PUBACK's
        write, take the connection as lost and publish the Will over the goodbye.
        """

    def join(self, timeout_s: float) -> threading.Thread | None:
        """Wait for its thread, if any; returns it if it is still alive."""


ConnectorFactory = Callable[
    [Session, LinkTuning, random.Random, Callable[[ConnectionRecord], None]], ConnectorLike
]
"""Builds the connector of a link: ``(session, tuning, rng, report)``."""


class Connector:
    """Connects, drives paho's loop and reconnects after a back-off, on its own thread.

    Args:
        session: who connects where.
        tuning: connect timeouts, back-off and the in-flight window paho must allow.
        rng: random source for the back-off jitter.
        report: takes every :data:`ConnectionRecord`; called on the network thread, must
            only hand over.
    """

    def __init__(
        self,
        session: Session,
        tuning: LinkTuning,
        rng: random.Random,
        report: Callable[[ConnectionRecord], None],
    ):
        self._s = session
        self._t = tuning
        self._rng = rng
        self._report = report
        self._stop = threading.Event()  # no further attempts
        self._done = threading.Event()  # end the current connection's loop too
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the network thread (the first attempt begins at once)."""
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-net-{self._s.kiosk_id}", daemon=True
        )
        self._thread.start()

    def stop_reconnecting(self) -> None:
        """Make no further attempt; the current connection keeps running (for the goodbye)."""
        self._stop.set()

    def end(self, client: mqtt.Client | None, goodbye: mqtt.MQTTMessageInfo | None) -> None:
        """Send the DISCONNECT (the link waited for the goodbye's PUBACK already), end the
        current connection's loop and the thread."""
        if client is not None:
            client.disconnect()
        self._stop.set()
        self._done.set()

    def join(self, timeout_s: float) -> threading.Thread | None:
        """Wait up to ``timeout_s`` for the thread; returns it if it is still alive."""
        thread = self._thread
        if thread is None:
            return None
        thread.join(timeout_s)
        return thread if thread.is_alive() else None

    # ---- the network thread ---------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        gen = 0
        while not self._stop.is_set():
            gen += 1
            try:
                established = self._attempt(gen)
            except Exception:
                # NOTE: this thread must never die (the kiosk would stay offline for good);
                # whatever went wrong, log it and try again after the back-off.
                log.exception("MQTT connection attempt %d of %s failed", gen, self._s.kiosk_id)
                self._report(ConnectFailed(gen, "internal error"))
                established = False
            if self._stop.is_set():
                break
            if established:
                attempt = 0
                delay = first_retry_delay(self._t, self._rng)
            else:
                attempt += 1
                delay = backoff_delay(attempt - 1, self._t, self._rng)
            log.debug("reconnecting to %s in %.2f s (attempt %d)", self._s.broker, delay, attempt)
            self._stop.wait(delay)

    def _attempt(self, gen: int) -> bool:
        """One connection from connect to its end; True if the broker accepted us."""
        s = self._s
        client = self._new_client(gen)
        try:
            if s.protocol is MqttVersion.V5:
                client.connect(s.broker.host, s.broker.port, s.keepalive_s, clean_start=True)
            else:
                client.connect(s.broker.host, s.broker.port, s.keepalive_s)
        except ssl.SSLError as exc:
            log.error("TLS handshake with %s failed for %s: %s", s.broker, s.kiosk_id, exc)
            self._report(ConnectFailed(gen, str(exc), auth=True))
            return False
        except (OSError, ValueError) as exc:
            log.warning("MQTT broker %s unreachable: %s", s.broker, exc)
            self._report(ConnectFailed(gen, str(exc)))
            return False
        sock = client.socket()
        try:
            established = self._drive(client, gen)
        finally:
            _close_quietly(client)
        tls_error = getattr(sock, "tls_error", None)
        if not established and tls_error is not None:
            log.error(
                "broker %s refused the TLS session of %s: %s", s.broker, s.kiosk_id, tls_error
            )
            self._report(ConnectFailed(gen, str(tls_error), auth=True))
        return established

    def _drive(self, client: mqtt.Client, gen: int) -> bool:
        """Run paho's loop until the connection ends; True if the CONNACK accepted us."""
        deadline = time.monotonic() + self._t.connack_timeout_s
        established = False
        while not self._done.is_set():
            rc = client.loop(timeout=1.0)
            if client.is_connected():
                established = True
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                log.debug("MQTT loop of %s ended: %s", self._s.kiosk_id, mqtt.error_string(rc))
                break
            if not established and time.monotonic() > deadline:
                log.warning(
                    "no CONNACK from %s within %.1f s", self._s.broker, self._t.connack_timeout_s
                )
                self._report(ConnectFailed(gen, "no CONNACK"))
                break
        return established

    def _new_client(self, gen: int) -> mqtt.Client:
        s = self._s
        v5 = s.protocol is MqttVersion.V5
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=s.kiosk_id,
            clean_session=None if v5 else True,
            userdata=gen,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            reconnect_on_failure=False,
        )
        client.enable_logger(logging.getLogger(f"{__name__}.paho"))
        client.username_pw_set(s.username, s.password or None)
        client.will_set(s.will_topic, s.will_payload, qos=1, retain=True)
        client.connect_timeout = self._t.connect_timeout_s
        # Room for birth, health and the shutdown state next to the event window.
        client.max_inflight_messages_set(self._t.inflight_window + 8)
        if s.broker.tls:
            client.tls_set_context(s.tls_context or ssl.create_default_context())
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

    # ---- paho callbacks (network thread): only report --------------------------------------

    def _cb_connect(
        self,
        client: mqtt.Client,
        userdata: int,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._report(Connected(userdata, client, reason_code.value, str(reason_code)))

    def _cb_disconnect(
        self,
        client: mqtt.Client,
        userdata: int,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._report(Disconnected(userdata, str(reason_code)))

    def _cb_subscribe(
        self,
        client: mqtt.Client,
        userdata: int,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        failures = tuple(str(rc) for rc in reason_codes if rc.is_failure)
        self._report(Subscribed(userdata, mid, failures))

    def _cb_publish(
        self,
        client: mqtt.Client,
        userdata: int,
        mid: int,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._report(Published(userdata, mid))

    def _cb_message(self, client: mqtt.Client, userdata: int, message: mqtt.MQTTMessage) -> None:
        self._report(Message(userdata, message.topic, bytes(message.payload), message.retain))


def _ignore_register_write(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """paho's "external loop wants to write" hook: our loop() sees want_write() itself."""


def _close_quietly(client: mqtt.Client) -> None:
    """Close a client's socket after its connection ended (sends DISCONNECT if still open)."""
    if client.socket() is None:
        return
    client.disconnect()
    for _ in range(3):
        if client.loop(timeout=0.1) != MQTTErrorCode.MQTT_ERR_SUCCESS or client.socket() is None:
            return


__all__ = [
    "ConnectFailed",
    "Connected",
    "ConnectionRecord",
    "Connector",
    "ConnectorFactory",
    "ConnectorLike",
    "Disconnected",
    "Message",
    "Published",
    "Session",
    "Subscribed",
    "backoff_delay",
    "first_retry_delay",
]

"""A central server that speaks MQTT contract v1 (DESIGN §5), for tests and the demo.

What it does, as a city's server would:

* its own retained birth and Will on ``kiosk/v1/server/state``;
* stores every event from ``kiosk/v1/+/evt/#`` once, dropping duplicates by
  ``(kiosk, incarnation, seq)`` (and counting them), in memory and optionally in a SQLite
  file: a kiosk whose database was replaced starts again at seq 1 with a new incarnation,
  and its new events are never taken for old ones;
* publishes the retained ``kiosk/v1/{id}/ack`` ``{"acked_seq": N, "incarnation": I}`` with
  the highest ``N`` such that it holds *every* event ``1..N`` of incarnation ``I`` (gapless:
  after a gap it acks up to the gap), after the events are stored;
* keeps the latest retained ``state`` and ``health`` of every kiosk;
* publishes the retained ``kiosk/v1/office/{office}/queue`` figures from ``ticket.issued``
  events: per service, waiting = tickets issued on the latest business day minus tickets
  called; a simulated counter calls the next ticket every average service time (or when
  ``call_next`` says so); ``wait_minutes`` = waiting x average minutes;
* reassembles the images of ID photos from ``kiosk/v1/+/blob/{sha256}/{n}`` (framing in
  :mod:`kiosk.link.blob_frame`), checks each chunk's CRC-32 and the whole image's sha256,
  and answers on the retained ``kiosk/v1/{id}/blob-ack``: ``{"blob":…,"ok":true}``;
  ``{"blob":…,"missing":[n…]}`` after the last chunk (or the last re-requested one) when
  chunks are missing or damaged; ``{"blob":…,"ok":false,"reason":"sha256_mismatch"}``
  when the whole does not hash to its name (the kiosk starts it again).

paho callbacks only enqueue; one worker thread does the work. Test API: ``events()``,
``wait_for_events()``, ``wait_until()``, ``states``, ``health``, ``duplicates``, ``acked()``,
``received_blobs()``, ``chunk_deliveries()``, ``arrivals()``, ``blob_acks``, and the fault
``lose_chunks()`` (chunks dropped on arrival, as a lossy path would).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import queue
import secrets
import socket
import sqlite3
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from kiosk.core.booking_codes import make_booking_code
from kiosk.core.jws import sign
from kiosk.core.trust import KeyPurpose
from kiosk.errors import LinkError
from kiosk.link.blob_frame import BlobFrameError, decode_chunk
from kiosk.link.topics import (
    ALL_ACKS,
    ALL_BLOBS,
    ALL_CONFIG_REPORTED,
    ALL_EVENTS,
    ALL_HEALTH,
    ALL_STATES,
    SERVER_STATE,
    LinkTopicError,
    TopicKind,
    Topics,
    office_queue,
    parse_kiosk_topic,
)
from kiosk.uuid7 import uuid7
from simulators.demo_keys import (
    DEMO_COMMAND_KID,
    DEMO_KID,
    demo_command_private_key,
    demo_key,
    demo_private_key,
)

log = logging.getLogger(__name__)

TICKET_ISSUED = "ticket.issued"
CHECKIN_TO_ANSWER = frozenset({"checkin.accepted", "checkin.code_entered"})
STORE_REPLACED = "store.replaced"
RELEARN_ACTION = "store.relearn"
RELEARN_DAYS = 2  # business days of ticket numbers and days of used bookings in an answer
RELEARN_PART = 300  # used bookings per store.relearn command (well under 64 KiB)
ENVELOPE_KEYS = frozenset({"v", "id", "seq", "session", "kiosk", "ts", "type", "data"})
LEGACY = ""  # the incarnation of envelopes from before incarnations (none in the field)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    kiosk       TEXT NOT NULL,
    incarnation TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    ts          TEXT NOT NULL,
    envelope    TEXT NOT NULL,
    received    TEXT NOT NULL,
    PRIMARY KEY (kiosk, incarnation, seq)
);
CREATE TABLE IF NOT EXISTS kiosk_ack (
    kiosk       TEXT NOT NULL,
    incarnation TEXT NOT NULL,
    contiguous  INTEGER NOT NULL,
    PRIMARY KEY (kiosk, incarnation)
);
CREATE TABLE IF NOT EXISTS blob (
    sha256   TEXT PRIMARY KEY,
    kiosk    TEXT NOT NULL,
    data     BLOB NOT NULL,
    received TEXT NOT NULL
);
"""
MAX_ARRIVALS = 100_000


@dataclass(frozen=True)
class StoredEvent:
    """One event the simulator stored (first arrival only).

    Attributes:
        kiosk: the kiosk id from the topic (checked against the envelope).
        category: the topic's event category.
        seq: the envelope's ``seq``.
        type: the envelope's ``type``.
        envelope: the decoded envelope.
        raw: the exact payload bytes.
        incarnation: the database incarnation the event came from.
    """

    kiosk: str
    category: str
    seq: int
    type: str
    envelope: dict[str, Any]
    raw: bytes
    incarnation: str = LEGACY


@dataclass(frozen=True)
class SignedCommand:
    """A command the simulator signed.

    Attributes:
        cmd_id: its id.
        ctr: its counter.
        token: the compact JWS (the MQTT payload).
        exp_s: its lifetime in seconds (and the MQTT message expiry).
    """

    cmd_id: str
    ctr: int
    token: str
    exp_s: float


@dataclass
class _ServiceQueue:
    issued: int = 0
    called: int = 0
    next_call_at: float | None = None

    @property
    def waiting(self) -> int:
        return self.issued - self.called


@dataclass(frozen=True)
class Arrival:
    """One message as it arrived at the simulator (for ordering checks in tests).

    Attributes:
        kind: ``evt`` or ``blob``.
        kiosk: the kiosk id of the topic.
        seq: the event's ``seq`` (``evt``), else None.
        blob: the blob's sha256 (``blob``), else None.
        index: the chunk index (``blob``), else None.
    """

    kind: str
    kiosk: str
    seq: int | None = None
    blob: str | None = None
    index: int | None = None


@dataclass
class _Assembly:
    size: int
    total: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    requested: set[int] = field(default_factory=set)  # indexes asked for again


@dataclass
class _Kiosk:
    contiguous: int = 0  # every seq 1..contiguous is stored
    acked_published: int = 0
    seen: set[int] = field(default_factory=set)  # stored seqs above ``contiguous``
    duplicates: int = 0


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


@dataclass(frozen=True)
class _Call:
    office: str
    service: str


_STOP = object()
_Item = _Connected | _Disconnected | _Subscribed | _Message | _Call | object

EventListener = Callable[[StoredEvent], None]


class CentralSimulator:
    """The central-server side of the MQTT contract.

    Args:
        host: broker host.
        port: broker port.
        store_path: SQLite file for events and ack positions; None keeps them in memory.
        ack_interval_s: how often new ``acked_seq`` values are published.
        services_avg_min: average service minutes per service id (the counter's pace).
        default_avg_min: average for services not named in ``services_avg_min``.
        client_id: the simulator's MQTT client id.
        on_event: called with each newly stored event, on the worker thread.
        mqtt5: speak MQTT 5 (default); False for MQTT 3.1.1 (brokers such as NATS speak
            only that).
        command_key: signs commands (default: the DEMO-ONLY key of ``simulators.demo_keys``).
        command_kid: the ``kid`` of ``command_key``.
        answer_checkins: answer each check-in with a ``checkin.answer`` command (a queue
            position), as the city's server would.
        demo_cases: ``handover.assign`` arguments sent to every kiosk when it comes online.
        tls_context: for a TLS listener (the server's own client certificate).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        store_path: Path | None = None,
        ack_interval_s: float = 0.2,
        services_avg_min: dict[str, float] | None = None,
        default_avg_min: float = 5.0,
        client_id: str = "central-sim",
        on_event: EventListener | None = None,
        mqtt5: bool = True,
        command_key: Ed25519PrivateKey | None = None,
        command_kid: str = DEMO_COMMAND_KID,
        config_key: Ed25519PrivateKey | None = None,
        config_kid: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        answer_checkins: bool = True,
        demo_cases: Sequence[Mapping[str, Any]] = (),
    ):
        self.host = host
        self.port = port
        self.store_path = store_path
        self.answer_checkins = answer_checkins
        self.demo_cases = tuple(demo_cases)
        self._assigned: set[str] = set()
        self.ack_interval_s = ack_interval_s
        self.services_avg_min = dict(services_avg_min or {})
        self.default_avg_min = default_avg_min
        self.session = int(time.time())
        self._event_listener = on_event
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._cond = threading.Condition()
        self._ready = threading.Event()
        self._worker: threading.Thread | None = None
        self._started = False
        self._stopped = False
        self._db: sqlite3.Connection | None = None
        self._pending_rows: list[tuple[str, str, int, str, str, str, str, str]] = []

        # State (guarded by self._cond).
        self._events: list[StoredEvent] = []
        self._kiosks: dict[tuple[str, str], _Kiosk] = {}  # (kiosk, incarnation) -> acks
        self._births: dict[str, tuple[str, int]] = {}  # kiosk -> (incarnation, first_seq)
        self._latest: dict[str, str] = {}  # kiosk -> incarnation of its latest event
        self._relearn_answers: list[tuple[str, str, int, int]] = []
        self._states: dict[str, dict[str, Any]] = {}
        self._state_history: list[tuple[str, dict[str, Any]]] = []
        self._health: dict[str, dict[str, Any]] = {}
        self._rejected = 0
        self._stale_states = 0
        self._offices: dict[str, str] = {}  # kiosk -> office, from the birth
        self._queues: dict[str, dict[str, _ServiceQueue]] = {}
        self._queue_day: dict[str, str] = {}
        self._dirty_offices: set[str] = set()
        self._published_queues: dict[str, dict[str, Any]] = {}
        self._ack_due_at: float | None = None
        self._sub_mid: int | None = None
        self._command_key = command_key or demo_command_private_key()
        self._command_kid = command_kid
        demo_config_kid, demo_config_key = demo_key(KeyPurpose.CONFIG)
        self._config_key = config_key or demo_config_key
        self._config_kid = config_kid or demo_config_kid
        self._command_ctr: dict[str, int] = {}
        self._config_reported: dict[str, dict[str, Any]] = {}
        self._config_reported_history: list[tuple[str, dict[str, Any]]] = []
        self._assemblies: dict[tuple[str, str], _Assembly] = {}
        self._blobs: dict[str, bytes] = {}  # sha256 -> verified image
        self._blobs_done: set[tuple[str, str]] = set()
        self._chunk_deliveries: dict[str, dict[int, int]] = {}
        self._bad_chunks = 0
        self._lose: dict[str, set[int]] = {}
        self._arrivals: deque[Arrival] = deque(maxlen=MAX_ARRIVALS)
        self._blob_acks: list[tuple[str, dict[str, Any]]] = []
        self._last_blob_ack: dict[str, dict[str, Any]] = {}

        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if mqtt5 else MQTTProtocolVersion.MQTTv311,
        )
        self._client.enable_logger(logging.getLogger(f"{__name__}.paho"))
        self._client.will_set(
            SERVER_STATE, _json({"online": False, "session": self.session}), qos=1, retain=True
        )
        self._client.reconnect_delay_set(min_delay=1, max_delay=2)
        if tls_context is not None:
            self._client.tls_set_context(tls_context)
        self._client.on_connect = self._cb_connect
        self._client.on_disconnect = self._cb_disconnect
        self._client.on_subscribe = self._cb_subscribe
        self._client.on_message = self._cb_message

    # ---- life cycle ---------------------------------------------------------------------

    def start(self, wait_s: float = 5.0) -> None:
        """Connect in the background and wait up to ``wait_s`` for the birth to go out.

        When the broker is not there yet, it keeps trying (see ``wait_ready``).
        """
        if self._started:
            raise LinkError("central simulator already started")
        self._started = True
        if self.store_path is not None:
            self._open_store(self.store_path)
        self._worker = threading.Thread(target=self._work, name="central-sim", daemon=True)
        self._worker.start()
        if self._client.protocol == MQTTProtocolVersion.MQTTv5:
            self._client.connect_async(self.host, self.port, keepalive=30, clean_start=True)
        else:
            self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()
        if not self._ready.wait(wait_s):
            log.warning(
                "central simulator not connected to %s:%d after %.1f s; still trying",
                self.host,
                self.port,
                wait_s,
            )

    def wait_ready(self, timeout: float) -> bool:
        """Wait until subscribed and the birth is published; False on timeout."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Publish ``online: false, reason: shutdown``, disconnect, store what is pending."""
        if not self._started or self._stopped:
            return
        self._stopped = True
        self._queue.put(_STOP)
        if self._worker is not None:
            self._worker.join(10)
        self._client.loop_stop()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> CentralSimulator:
        self.start()
        if not self.wait_ready(10):
            self.stop()
            raise LinkError(f"central simulator could not connect to {self.host}:{self.port}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- control and test API -------------------------------------------------------------

    def call_next(self, office: str, service: str) -> None:
        """A counter calls the next ticket of ``service`` at ``office`` now."""
        self._queue.put(_Call(office, service))

    def events(self, kiosk: str | None = None, type: str | None = None) -> list[StoredEvent]:
        """Events stored in this run, in arrival order (duplicates not repeated)."""
        with self._cond:
            return [
                e
                for e in self._events
                if (kiosk is None or e.kiosk == kiosk) and (type is None or e.type == type)
            ]

    def wait_for_events(
        self, n: int, timeout: float, type: str | None = None, kiosk: str | None = None
    ) -> list[StoredEvent]:
        """Wait until at least ``n`` matching events are stored and return them all.

        Raises:
            TimeoutError: fewer than ``n`` arrived in time (the message says how many).
        """

        def enough() -> bool:
            return self._count(kiosk, type) >= n

        with self._cond:
            if not self._cond.wait_for(enough, timeout):
                raise TimeoutError(
                    f"{self._count(kiosk, type)} of {n} events"
                    f"{f' of type {type}' if type else ''} arrived within {timeout} s"
                )
        return self.events(kiosk, type)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` (evaluated after each message handled) is true."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    @property
    def states(self) -> dict[str, dict[str, Any]]:
        """The latest ``state`` payload of each kiosk."""
        with self._cond:
            return dict(self._states)

    @property
    def state_history(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``state`` payload received, as ``(kiosk, payload)``, in order."""
        with self._cond:
            return list(self._state_history)

    @property
    def health(self) -> dict[str, dict[str, Any]]:
        """The latest ``health`` snapshot of each kiosk."""
        with self._cond:
            return dict(self._health)

    @property
    def duplicates(self) -> int:
        """Events received again after they were stored (dropped by ``(kiosk, seq)``)."""
        with self._cond:
            return sum(k.duplicates for k in self._kiosks.values())

    @property
    def stale_states(self) -> int:
        """``state`` messages ignored because their session is older than the kept one."""
        with self._cond:
            return self._stale_states

    @property
    def rejected(self) -> int:
        """Event messages that were not a valid envelope for their topic."""
        with self._cond:
            return self._rejected

    def acked(self, kiosk: str, incarnation: str | None = None) -> int:
        """The last ``acked_seq`` published for ``kiosk`` (0 if none): of ``incarnation``,
        or of the incarnation of the kiosk's latest event."""
        with self._cond:
            if incarnation is None:
                incarnation = self._latest.get(kiosk, LEGACY)
            entry = self._kiosks.get((kiosk, incarnation))
            return entry.acked_published if entry else 0

    def received_blobs(self) -> dict[str, bytes]:
        """Every image whose sha256 checked out, by sha256."""
        with self._cond:
            return dict(self._blobs)

    def chunk_deliveries(self, sha256: str) -> dict[int, int]:
        """How often each chunk index of a blob arrived (resends and lost ones included)."""
        with self._cond:
            return dict(self._chunk_deliveries.get(sha256, {}))

    def arrivals(self, kiosk: str | None = None) -> list[Arrival]:
        """Events and blob chunks in the order they arrived (duplicates included)."""
        with self._cond:
            return [a for a in self._arrivals if kiosk is None or a.kiosk == kiosk]

    @property
    def blob_acks(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``blob-ack`` published, as ``(kiosk, body)``, in order."""
        with self._cond:
            return list(self._blob_acks)

    @property
    def bad_chunks(self) -> int:
        """Blob chunks refused: unreadable header, wrong CRC-32, numbers that disagree."""
        with self._cond:
            return self._bad_chunks

    def lose_chunks(self, sha256: str, indexes: Sequence[int]) -> None:
        """Fault: drop the next arrival of each of these chunks of ``sha256`` as if the
        network lost it (counted in ``chunk_deliveries``, never stored)."""
        with self._cond:
            self._lose.setdefault(sha256, set()).update(indexes)

    def queue_figures(self, office: str) -> dict[str, Any] | None:
        """The last queue payload published for ``office``."""
        with self._cond:
            return self._published_queues.get(office)

    # ---- commands and desired configuration (DESIGN §5) ---------------------------------

    def sign_command(
        self,
        kiosk: str,
        action: str,
        args: dict[str, Any] | None = None,
        *,
        exp_s: float = 60.0,
        cmd_id: str | None = None,
        ctr: int | None = None,
        iat: float | None = None,
        aud: str | None = None,
    ) -> SignedCommand:
        """A signed command for ``kiosk`` (not sent); the arguments after ``exp_s`` let
        tests forge wrong ones. ``ctr`` defaults to the next counter for the kiosk (never
        below the current time in milliseconds, so a restarted server keeps going up)."""
        now = time.time() if iat is None else iat
        if ctr is None:
            ctr = max(self._command_ctr.get(kiosk, 0) + 1, time.time_ns() // 1_000_000)
        self._command_ctr[kiosk] = max(self._command_ctr.get(kiosk, 0), ctr)
        claims = {
            "cmd_id": cmd_id or uuid7(),
            "aud": kiosk if aud is None else aud,
            "action": action,
            "args": args or {},
            "iat": int(now),
            "exp": int(now + exp_s),
            "ctr": ctr,
        }
        token = sign(claims, self._command_key, self._command_kid)
        return SignedCommand(str(claims["cmd_id"]), ctr, token, exp_s)

    def send_command(
        self,
        kiosk: str,
        action: str,
        args: dict[str, Any] | None = None,
        *,
        exp_s: float = 60.0,
    ) -> SignedCommand:
        """Sign and publish a command to ``kiosk/v1/{kiosk}/cmd`` (QoS 1, not retained,
        MQTT 5 message expiry = its lifetime); waits for the PUBACK."""
        command = self.sign_command(kiosk, action, args, exp_s=exp_s)
        self.publish_command(kiosk, command.token, expiry_s=exp_s)
        return command

    def publish_command(self, kiosk: str, token: str | bytes, *, expiry_s: float = 60.0) -> None:
        """Publish a command payload as it is (also a forged or repeated one).

        Raises:
            LinkError: no PUBACK within 5 s.
        """
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.MessageExpiryInterval = max(1, math.ceil(expiry_s))
        payload = token.encode("ascii") if isinstance(token, str) else token
        info = self._client.publish(Topics(kiosk).cmd, payload, qos=1, properties=props)
        info.wait_for_publish(5.0)
        if not info.is_published():
            raise LinkError(f"command to {kiosk} not acknowledged by the broker")

    def publish_desired_config(
        self, kiosk: str, document: dict[str, Any] | bytes, *, lifetime_s: float = 86400.0
    ) -> None:
        """Publish the retained, signed ``config/desired`` of ``kiosk`` (QoS 1).

        Args:
            kiosk: the kiosk id (the ``aud``).
            document: ``{"version": N, <sections>...}``, signed here with the config key
                (``sign_desired_config``); raw bytes are published as they are (tests
                of refusals: unsigned, forged).
            lifetime_s: ``exp - iat``.

        Raises:
            LinkError: no PUBACK within 5 s.
        """
        if isinstance(document, bytes):
            payload = document
        else:
            token = sign_desired_config(
                kiosk, document, key=self._config_key, kid=self._config_kid, lifetime_s=lifetime_s
            )
            payload = token.encode("ascii")
        info = self._client.publish(Topics(kiosk).config_desired, payload, qos=1, retain=True)
        info.wait_for_publish(5.0)
        if not info.is_published():
            raise LinkError(f"desired config for {kiosk} not acknowledged by the broker")

    def command_results(self, kiosk: str | None = None) -> list[dict[str, Any]]:
        """The ``data`` of every ``cmd.result`` event stored, in arrival order."""
        return [e.envelope["data"] for e in self.events(kiosk, "cmd.result")]

    def command_refusals(self, kiosk: str | None = None) -> list[dict[str, Any]]:
        """The ``data`` of every ``cmd.refused`` event stored, in arrival order."""
        return [e.envelope["data"] for e in self.events(kiosk, "cmd.refused")]

    def config_reported(self, kiosk: str) -> dict[str, Any] | None:
        """The latest ``config/reported`` of ``kiosk``."""
        with self._cond:
            return self._config_reported.get(kiosk)

    @property
    def config_reported_history(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``config/reported`` received, as ``(kiosk, body)``, in order."""
        with self._cond:
            return list(self._config_reported_history)

    def _count(self, kiosk: str | None, type: str | None) -> int:
        return sum(
            1
            for e in self._events
            if (kiosk is None or e.kiosk == kiosk) and (type is None or e.type == type)
        )

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

    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._next_tick_in())
            except queue.Empty:
                item = None
            try:
                if item is _STOP:
                    self._goodbye()
                    return
                with self._cond:
                    if item is not None:
                        self._handle(item)
                    self._tick()
                    self._cond.notify_all()
            except Exception:
                log.exception("central simulator failed handling %r", item)

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Message):
            self._on_message(item.topic, item.payload, item.user_properties)
        elif isinstance(item, _Connected):
            if item.failed:
                log.error("broker refused the central simulator: %s", item.reason)
                return
            topics = [ALL_EVENTS, ALL_STATES, ALL_HEALTH, ALL_ACKS, ALL_CONFIG_REPORTED, ALL_BLOBS]
            result, mid = self._client.subscribe([(t, 1) for t in topics])
            if result == MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._sub_mid = mid
        elif isinstance(item, _Subscribed):
            if item.mid == self._sub_mid:
                self._on_subscribed()
        elif isinstance(item, _Disconnected):
            self._ready.clear()
            log.warning("central simulator disconnected: %s", item.reason)
        elif isinstance(item, _Call):
            self._call(item.office, item.service, time.monotonic())

    def _on_subscribed(self) -> None:
        birth = {"online": True, "session": self.session}
        self._client.publish(SERVER_STATE, _json(birth), qos=1, retain=True)
        # Re-publish every retained state: a broker without persistence lost them.
        for (kiosk, incarnation), entry in self._kiosks.items():
            if entry.acked_published and incarnation == self._latest.get(kiosk, incarnation):
                self._publish_ack(kiosk, incarnation, entry.acked_published)
        for office, payload in self._published_queues.items():
            self._client.publish(office_queue(office), _json(payload), qos=1, retain=True)
        for kiosk, body in self._last_blob_ack.items():
            self._client.publish(Topics(kiosk).blob_ack, _json(body), qos=1, retain=True)
        self._ready.set()
        log.info(
            "central simulator online on %s:%d (session %d)", self.host, self.port, self.session
        )

    def _on_message(
        self, topic: str, payload: bytes, user_properties: tuple[tuple[str, str], ...] = ()
    ) -> None:
        if topic == SERVER_STATE:
            return  # our own state
        try:
            parsed = parse_kiosk_topic(topic)
        except LinkTopicError as exc:
            log.warning("ignoring message: %s", exc)
            return
        kiosk = parsed.kiosk_id
        if parsed.kind is TopicKind.EVT:
            self._on_event(kiosk, parsed.category or "", payload)
            return
        if parsed.kind is TopicKind.BLOB and parsed.blob is not None and parsed.index is not None:
            self._on_chunk(kiosk, parsed.blob, parsed.index, payload, dict(user_properties))
            return
        body = _json_object(payload) if payload else None
        if parsed.kind is TopicKind.STATE:
            if body is None:
                self._states.pop(kiosk, None)
                return
            self._state_history.append((kiosk, body))
            if _stale_state(body, self._states.get(kiosk)):
                # NOTE: a Will of an older session delivered after a newer birth (a late
                # Will after a fast restart): the newer session's state stays.
                self._stale_states += 1
                log.warning("kiosk %s: stale state of an older session ignored: %r", kiosk, body)
                return
            self._states[kiosk] = body
            if body.get("online") is True:
                self._on_birth(kiosk, body)
            site = body.get("site")
            if isinstance(site, dict) and isinstance(site.get("office"), str):
                self._offices[kiosk] = site["office"]
            if body.get("online") is True and self.demo_cases and kiosk not in self._assigned:
                self._assign_demo_cases(kiosk)
        elif parsed.kind is TopicKind.HEALTH:
            if body is not None:
                self._health[kiosk] = body
        elif parsed.kind is TopicKind.CONFIG_REPORTED:
            if body is not None:
                self._config_reported[kiosk] = body
                self._config_reported_history.append((kiosk, body))
        elif parsed.kind is TopicKind.ACK:
            # Our own retained ack from an earlier run: where this kiosk's events stood.
            acked = body.get("acked_seq") if body else None
            incarnation = body.get("incarnation", LEGACY) if body else LEGACY
            key = (kiosk, incarnation if isinstance(incarnation, str) else LEGACY)
            if key not in self._kiosks and isinstance(acked, int) and acked > 0:
                log.info("kiosk %s: resuming after acked_seq %d of %r", kiosk, acked, key[1])
                self._kiosks[key] = _Kiosk(contiguous=acked, acked_published=acked)
                self._latest.setdefault(kiosk, key[1])

    def _on_birth(self, kiosk: str, body: dict[str, Any]) -> None:
        """Note the kiosk's incarnation; a database from before incarnations keeps its acks.

        A birth with ``first_seq`` > 1 continues the numbering of events that carry no
        incarnation: they are filed under the incarnation of that birth.
        """
        incarnation = body.get("incarnation")
        first_seq = body.get("first_seq")
        if not isinstance(incarnation, str) or not incarnation:
            return
        first = first_seq if isinstance(first_seq, int) and not isinstance(first_seq, bool) else 1
        self._births[kiosk] = (incarnation, first)
        legacy = self._kiosks.get((kiosk, LEGACY))
        if first > 1 and legacy is not None and (kiosk, incarnation) not in self._kiosks:
            self._kiosks[(kiosk, incarnation)] = self._kiosks.pop((kiosk, LEGACY))
            self._latest[kiosk] = incarnation

    def _incarnation_of(self, kiosk: str, envelope: dict[str, Any]) -> str:
        incarnation = envelope.get("incarnation")
        if isinstance(incarnation, str) and incarnation:
            return incarnation
        birth = self._births.get(kiosk)
        if birth is not None and birth[1] > 1:
            return birth[0]  # a database from before incarnations, named by its birth
        return LEGACY

    def _on_event(self, kiosk: str, category: str, payload: bytes) -> None:
        envelope = _json_object(payload)
        seq = envelope.get("seq") if envelope else None
        if (
            envelope is None
            or not ENVELOPE_KEYS.issubset(envelope)
            or envelope.get("kiosk") != kiosk
            or not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 1
            or not isinstance(envelope.get("type"), str)
        ):
            self._rejected += 1
            log.warning("kiosk %s: invalid event envelope rejected: %r", kiosk, payload[:200])
            return
        incarnation = self._incarnation_of(kiosk, envelope)
        entry = self._kiosks.setdefault((kiosk, incarnation), _Kiosk())
        self._arrivals.append(Arrival("evt", kiosk, seq=seq))
        if seq <= entry.contiguous or seq in entry.seen:
            entry.duplicates += 1
            return
        entry.seen.add(seq)
        while entry.contiguous + 1 in entry.seen:
            entry.contiguous += 1
            entry.seen.discard(entry.contiguous)
        event = StoredEvent(kiosk, category, seq, envelope["type"], envelope, payload, incarnation)
        self._events.append(event)
        self._latest[kiosk] = incarnation
        if self._db is not None:
            self._pending_rows.append(
                (
                    kiosk,
                    incarnation,
                    seq,
                    str(envelope.get("id")),
                    event.type,
                    str(envelope.get("ts")),
                    payload.decode("utf-8"),
                    _now_text(),
                )
            )
        if entry.contiguous > entry.acked_published and self._ack_due_at is None:
            self._ack_due_at = time.monotonic() + self.ack_interval_s
        if event.type == TICKET_ISSUED:
            self._count_ticket(kiosk, envelope)
        if event.type == STORE_REPLACED:
            self._answer_replacement(kiosk, incarnation, envelope)
        if self.answer_checkins and event.type in CHECKIN_TO_ANSWER:
            self._answer_checkin(kiosk, envelope)
        if self._event_listener is not None:
            try:
                self._event_listener(event)
            except Exception:
                log.exception("event listener failed on %s seq %d", kiosk, seq)

    # ---- images (blob chunks) -------------------------------------------------------------

    def _on_chunk(
        self, kiosk: str, sha256: str, n: int, payload: bytes, user: dict[str, str]
    ) -> None:
        self._arrivals.append(Arrival("blob", kiosk, blob=sha256, index=n))
        counts = self._chunk_deliveries.setdefault(sha256, {})
        counts[n] = counts.get(n, 0) + 1
        lose = self._lose.get(sha256)
        if lose is not None and n in lose:
            lose.discard(n)
            log.info("fault: chunk %d of %s… from %s lost on purpose", n, sha256[:12], kiosk)
            return
        try:
            chunk = decode_chunk(payload)
        except BlobFrameError as exc:
            self._bad_chunks += 1
            log.warning("kiosk %s: chunk %d of %s… refused: %s", kiosk, n, sha256[:12], exc)
            return
        if chunk.n != n:
            self._bad_chunks += 1
            log.warning("kiosk %s: chunk on topic index %d says n=%d", kiosk, n, chunk.n)
            return
        if user and (user.get("total"), user.get("size")) != (str(chunk.total), str(chunk.size)):
            log.warning("kiosk %s: user properties %r disagree with the chunk header", kiosk, user)
        key = (kiosk, sha256)
        if key in self._blobs_done:
            if n == chunk.total - 1:
                self._answer_blob(kiosk, {"blob": sha256, "ok": True})  # a lost answer
            return
        assembly = self._assemblies.get(key)
        if assembly is None or (assembly.size, assembly.total) != (chunk.size, chunk.total):
            assembly = self._assemblies[key] = _Assembly(chunk.size, chunk.total)
        answers_request = n in assembly.requested
        assembly.requested.discard(n)
        if chunk.crc_ok:
            assembly.chunks[n] = chunk.data
        else:
            self._bad_chunks += 1
            assembly.chunks.pop(n, None)
            log.warning("kiosk %s: chunk %d of %s… fails its CRC-32", kiosk, n, sha256[:12])
        if len(assembly.chunks) == assembly.total:
            self._finish_blob(kiosk, sha256, assembly)
        elif n == assembly.total - 1 or (answers_request and not assembly.requested):
            missing = sorted(set(range(assembly.total)) - set(assembly.chunks))
            assembly.requested = set(missing)
            self._answer_blob(kiosk, {"blob": sha256, "missing": missing})

    def _finish_blob(self, kiosk: str, sha256: str, assembly: _Assembly) -> None:
        del self._assemblies[(kiosk, sha256)]
        data = b"".join(assembly.chunks[i] for i in range(assembly.total))
        if len(data) != assembly.size or hashlib.sha256(data).hexdigest() != sha256:
            log.warning("kiosk %s: image %s… does not hash to its name", kiosk, sha256[:12])
            self._answer_blob(kiosk, {"blob": sha256, "ok": False, "reason": "sha256_mismatch"})
            return
        self._blobs[sha256] = data
        self._blobs_done.add((kiosk, sha256))
        if self._db is not None:
            with self._db:
                self._db.execute(
                    "INSERT OR IGNORE INTO blob VALUES (?, ?, ?, ?)",
                    (sha256, kiosk, data, _now_text()),
                )
        log.info("kiosk %s: image %s… stored (%d bytes)", kiosk, sha256[:12], len(data))
        self._answer_blob(kiosk, {"blob": sha256, "ok": True})

    def _answer_blob(self, kiosk: str, body: dict[str, Any]) -> None:
        self._blob_acks.append((kiosk, body))
        self._last_blob_ack[kiosk] = body
        self._client.publish(Topics(kiosk).blob_ack, _json(body), qos=1, retain=True)

    def _assign_demo_cases(self, kiosk: str) -> None:
        """Assign the demo's passport cases to a kiosk that came online (signed commands).

        The birth is published after the kiosk subscribed, so the commands reach it.
        """
        self._assigned.add(kiosk)
        for case in self.demo_cases:
            try:
                self.send_command(kiosk, "handover.assign", dict(case))
            except LinkError:
                log.warning("could not assign demo case %s to %s", case.get("case_id"), kiosk)

    def _answer_checkin(self, kiosk: str, envelope: dict[str, Any]) -> None:
        """Answer a check-in with a queue position, as the city's server would (a command).

        The simulator knows no booking register: it accepts every booking and typed code and
        puts the resident behind the tickets waiting for the booking's service.
        """
        data = envelope.get("data") or {}
        if envelope["type"] == "checkin.code_entered":
            ref = f"code:{data.get('code', '')}"
        else:
            ref = str(data.get("booking_id", ""))
        service = str(data.get("service", ""))
        office = self._offices.get(kiosk, "")
        waiting = self._queues.get(office, {}).get(service)
        position = (waiting.waiting if waiting is not None else 0) + 1
        args = {
            "ref": ref,
            "accepted": True,
            "position": position,
            "wait_minutes": position * 5,
            "service": service,
        }
        try:
            self.send_command(kiosk, "checkin.answer", args)
        except LinkError:
            log.warning("could not answer check-in %s of %s", ref, kiosk)

    # ---- a replaced state database (docs/mqtt-contract.md) -------------------------------

    def _answer_replacement(self, kiosk: str, incarnation: str, envelope: dict[str, Any]) -> None:
        """Answer ``store.replaced`` with what the server knew of the earlier incarnations:
        the last ticket number per service of the latest business days, when its last
        event of the replaced incarnation was made, and the bookings used there lately
        (signed ``store.relearn`` commands; the bookings in parts, ``final`` on the last).
        """
        data = _data_of(envelope)
        previous = str(data.get("previous_incarnation") or "")
        known = self._knowledge(kiosk, incarnation)
        if not previous and known:
            previous = known[-1][0]
        numbers: dict[tuple[str, str], int] = {}
        bookings: dict[str, dict[str, str]] = {}
        since = _now_text_at(time.time() - RELEARN_DAYS * 86400)
        for _inc, body in known:
            body_data = _data_of(body)
            kind = body.get("type")
            if kind == TICKET_ISSUED:
                day, service = body_data.get("business_day"), body_data.get("service")
                number = body_data.get("seq_number")
                if isinstance(day, str) and isinstance(service, str) and isinstance(number, int):
                    key = (day, service)
                    numbers[key] = max(numbers.get(key, 0), number)
            elif kind in CHECKIN_TO_ANSWER and str(body.get("ts", "")) >= since:
                code = str(body_data.get("code", ""))
                ref = str(body_data.get("booking_id", "")) or (f"code:{code}" if code else "")
                if ref:
                    bookings[ref] = {"booking_id": ref, "code": code, "used_at": str(body["ts"])}
        days = sorted({day for day, _ in numbers})[-RELEARN_DAYS:]
        tickets = [
            {"business_day": day, "service": service, "last_number": number}
            for (day, service), number in sorted(numbers.items())
            if day in days
        ]
        entry = self._kiosks.get((kiosk, previous))
        until = ""
        for inc, body in reversed(known):
            if inc == previous and entry is not None and body.get("seq") == entry.contiguous:
                until = str(body.get("ts", ""))
                break
        used = list(bookings.values())
        parts = [used[i : i + RELEARN_PART] for i in range(0, len(used), RELEARN_PART)] or [[]]
        for n, part in enumerate(parts):
            args: dict[str, Any] = {
                "incarnation": incarnation,
                "previous_incarnation": previous,
                "tickets": tickets if n == 0 else [],
                "events_until": until,
                "used_bookings": part,
                "final": n == len(parts) - 1,
            }
            try:
                self.send_command(kiosk, RELEARN_ACTION, args, exp_s=600.0)
            except LinkError:
                log.warning("could not send store.relearn to %s", kiosk)
                return
        self._relearn_answers.append((kiosk, incarnation, len(tickets), len(used)))
        log.info(
            "kiosk %s: replaced database %s re-learns %d numbers and %d used bookings of %s",
            kiosk,
            incarnation,
            len(tickets),
            len(used),
            previous or "unknown",
        )

    def _knowledge(self, kiosk: str, incarnation: str) -> list[tuple[str, dict[str, Any]]]:
        """Every stored event of ``kiosk`` from other incarnations, oldest first."""
        if self._db is None:
            return [
                (e.incarnation, e.envelope)
                for e in self._events
                if e.kiosk == kiosk and e.incarnation != incarnation
            ]
        self._commit()
        rows = self._db.execute(
            "SELECT incarnation, envelope FROM event WHERE kiosk = ? AND incarnation != ? "
            "ORDER BY rowid",
            (kiosk, incarnation),
        ).fetchall()
        known: list[tuple[str, dict[str, Any]]] = []
        for inc, text in rows:
            body = _json_object(str(text).encode("utf-8"))
            if body is not None:
                known.append((str(inc), body))
        return known

    @property
    def relearn_answers(self) -> list[tuple[str, str, int, int]]:
        """``(kiosk, incarnation, ticket entries, used bookings)`` of every store.relearn
        answer sent, in order."""
        with self._cond:
            return list(self._relearn_answers)

    # ---- acks -----------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        if self._ack_due_at is not None and now >= self._ack_due_at and self._ready.is_set():
            self._ack_due_at = None
            self._commit()
            for (kiosk, incarnation), entry in self._kiosks.items():
                if entry.contiguous > entry.acked_published:
                    self._publish_ack(kiosk, incarnation, entry.contiguous)
                    entry.acked_published = entry.contiguous
        for office, services in self._queues.items():
            for service, q in services.items():
                if q.next_call_at is not None and now >= q.next_call_at:
                    self._call(office, service, now)
        if self._ready.is_set():
            for office in sorted(self._dirty_offices):
                self._publish_queue(office)
            self._dirty_offices.clear()

    def _next_tick_in(self) -> float | None:
        # NOTE: acks wait while disconnected (the reconnect's SUBACK wakes the worker);
        # only the simulated counters keep their own time.
        deadlines = []
        if self._ack_due_at is not None and self._ready.is_set():
            deadlines.append(self._ack_due_at)
        with self._cond:
            deadlines += [
                q.next_call_at
                for services in self._queues.values()
                for q in services.values()
                if q.next_call_at is not None
            ]
        if not deadlines:
            return None
        return max(min(deadlines) - time.monotonic(), 0.0) + 0.001

    def _publish_ack(self, kiosk: str, incarnation: str, acked: int) -> None:
        body = {"acked_seq": acked, "incarnation": incarnation}
        self._client.publish(Topics(kiosk).ack, _json(body), qos=1, retain=True)

    def _commit(self) -> None:
        if self._db is None:
            return
        with self._db:
            if self._pending_rows:
                self._db.executemany(
                    "INSERT OR IGNORE INTO event VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    self._pending_rows,
                )
            self._db.executemany(
                "INSERT INTO kiosk_ack (kiosk, incarnation, contiguous) VALUES (?, ?, ?) "
                "ON CONFLICT (kiosk, incarnation) DO UPDATE SET contiguous = excluded.contiguous",
                [(k, i, entry.contiguous) for (k, i), entry in self._kiosks.items()],
            )
        self._pending_rows.clear()

    def _open_store(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        _upgrade_store(db)
        db.executescript(_SCHEMA)
        for kiosk, incarnation, contiguous in db.execute(
            "SELECT kiosk, incarnation, contiguous FROM kiosk_ack"
        ):
            self._kiosks[(kiosk, incarnation)] = _Kiosk(
                contiguous=contiguous, acked_published=contiguous
            )
        for kiosk, incarnation, seq in db.execute(
            "SELECT e.kiosk, e.incarnation, e.seq FROM event e LEFT JOIN kiosk_ack a "
            "ON a.kiosk = e.kiosk AND a.incarnation = e.incarnation "
            "WHERE e.seq > COALESCE(a.contiguous, 0)"
        ):
            self._kiosks.setdefault((kiosk, incarnation), _Kiosk()).seen.add(seq)
        for kiosk, incarnation in db.execute(
            "SELECT kiosk, incarnation FROM event WHERE rowid IN "
            "(SELECT MAX(rowid) FROM event GROUP BY kiosk)"
        ):
            self._latest[kiosk] = incarnation
        self._db = db

    # ---- queue figures -------------------------------------------------------------------

    def _avg_min(self, service: str) -> float:
        return self.services_avg_min.get(service, self.default_avg_min)

    def _count_ticket(self, kiosk: str, envelope: dict[str, Any]) -> None:
        office = self._offices.get(kiosk)
        data = envelope.get("data")
        service = data.get("service") if isinstance(data, dict) else None
        day = data.get("business_day") if isinstance(data, dict) else None
        if office is None or not isinstance(service, str):
            log.info("ticket from %s not counted (office or service unknown)", kiosk)
            return
        if isinstance(day, str):
            current = self._queue_day.get(office)
            if current is not None and day < current:
                return  # a late event of an earlier day
            if current != day:
                self._queue_day[office] = day
                self._queues[office] = {}
        q = self._queues.setdefault(office, {}).setdefault(service, _ServiceQueue())
        q.issued += 1
        if q.next_call_at is None:
            q.next_call_at = time.monotonic() + self._avg_min(service) * 60
        self._dirty_offices.add(office)

    def _call(self, office: str, service: str, now: float) -> None:
        q = self._queues.get(office, {}).get(service)
        if q is None or q.waiting <= 0:
            return
        q.called += 1
        q.next_call_at = now + self._avg_min(service) * 60 if q.waiting > 0 else None
        self._dirty_offices.add(office)
        log.info("office %s calls the next %s ticket; %d waiting", office, service, q.waiting)

    def _publish_queue(self, office: str) -> None:
        services = {
            service: {
                "waiting": q.waiting,
                "wait_minutes": math.ceil(q.waiting * self._avg_min(service)),
            }
            for service, q in sorted(self._queues.get(office, {}).items())
        }
        payload = {"v": 1, "ts": _now_text(), "services": services}
        self._published_queues[office] = payload
        self._client.publish(office_queue(office), _json(payload), qos=1, retain=True)

    # ---- goodbye --------------------------------------------------------------------------

    def _goodbye(self) -> None:
        with self._cond:
            self._commit()
        if self._ready.is_set():
            goodbye = {"online": False, "session": self.session, "reason": "shutdown"}
            info = self._client.publish(SERVER_STATE, _json(goodbye), qos=1, retain=True)
            try:
                info.wait_for_publish(2.0)
            except (RuntimeError, ValueError) as exc:
                log.warning("central simulator shutdown state not sent: %s", exc)
        self._ready.clear()
        # NOTE: paho 2.x's network thread runs its loop once more after a disconnect we asked
        # for and logs "Client is not connected" at ERROR: on every clean stop of the demo a
        # newcomer read a failure. The stop is ours, so paho's logging ends here.
        self._client.disable_logger()
        self._client.disconnect()


# ---- booking tokens for the demo and tests -------------------------------------------------


def issue_booking_token(
    office: str,
    service: str,
    slot: datetime,
    *,
    booking_id: str | None = None,
    code: str | None = None,
    window: tuple[int, int] | None = None,
    expires: datetime | None = None,
    typ: str = "booking",
    key: Ed25519PrivateKey | None = None,
    kid: str = DEMO_KID,
) -> str:
    """A signed booking token (compact JWS, EdDSA) as the central server would issue it.

    Args:
        office: office code the booking is for.
        service: service id.
        slot: slot start (timezone-aware).
        booking_id: the booking id (a new random one by default).
        code: the short booking code printed under the QR (a new valid one by default).
        window: ``(before, after)`` minutes for the ``win`` claim; None leaves it to the
            kiosk's config.
        expires: ``exp`` (default: a day after the slot).
        typ: token type (``booking``; ``pickup`` for passport pick-up notices).
        key: the signing key (default: the DEMO-ONLY key of ``simulators.demo_keys``).
        kid: the key id in the header.
    """
    if slot.tzinfo is None:
        raise ValueError("the slot needs a time zone")
    claims: dict[str, Any] = {
        "typ": typ,
        "bid": booking_id or f"bk-{secrets.token_hex(6)}",
        "office": office,
        "svc": service,
        "slot": slot.isoformat(timespec="seconds"),
        "exp": int((expires or slot + timedelta(days=1)).timestamp()),
        "code": code or make_booking_code(secrets.randbelow(10**7)),
    }
    if window is not None:
        claims["win"] = {"before": window[0], "after": window[1]}
    return sign(claims, key or demo_private_key(), kid)


def sign_desired_config(
    kiosk: str,
    document: Mapping[str, Any],
    *,
    key: Ed25519PrivateKey | None = None,
    kid: str | None = None,
    lifetime_s: float = 86400.0,
    issued_at: float | None = None,
) -> str:
    """A signed desired configuration as the central server publishes it (compact JWS).

    Args:
        kiosk: the kiosk id, the ``aud``.
        document: ``{"version": N, <sections>...}``; the sections go into ``config``.
        key: the config signing key (default: the DEMO-ONLY config key).
        kid: its key id.
        lifetime_s: ``exp - iat``.
        issued_at: ``iat`` (default: now).
    """
    if key is None:
        kid, key = demo_key(KeyPurpose.CONFIG)
    iat = int(time.time() if issued_at is None else issued_at)
    sections = {k: v for k, v in document.items() if k != "version"}
    claims = {
        "aud": kiosk,
        "version": document.get("version"),
        "iat": iat,
        "exp": iat + int(lifetime_s),
        "config": sections,
    }
    return sign(claims, key, kid or "config")


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("payload is not JSON: %r", payload[:200])
        return None
    return body if isinstance(body, dict) else None


def _upgrade_store(db: sqlite3.Connection) -> None:
    """A store file from before incarnations: its events and acks become incarnation ''."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(event)")]
    if not columns or "incarnation" in columns:
        return
    log.info("central store: adding incarnations to a store from before them")
    with db:
        db.execute("ALTER TABLE event RENAME TO event_v0")
        db.execute("ALTER TABLE kiosk_ack RENAME TO kiosk_ack_v0")
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT INTO event SELECT kiosk, '', seq, id, type, ts, envelope, received "
            "FROM event_v0"
        )
        db.execute("INSERT INTO kiosk_ack SELECT kiosk, '', contiguous FROM kiosk_ack_v0")
        db.execute("DROP TABLE event_v0")
        db.execute("DROP TABLE kiosk_ack_v0")


def _stale_state(body: dict[str, Any], kept: dict[str, Any] | None) -> bool:
    """True for a Will or shutdown older than the state kept (a late Will).

    Sessions count within one incarnation: a replaced database may count them again from
    1, and its birth must still win. A birth is never stale (it comes from a live
    connection); a Will or shutdown of another incarnation than the kept state's is.
    """
    if kept is None:
        return False
    if body.get("incarnation") != kept.get("incarnation"):
        return body.get("online") is not True
    return _session_of(body) < _session_of(kept)


def _session_of(body: dict[str, Any]) -> int:
    """The ``session`` of a state payload (0 when missing or not a number)."""
    session = body.get("session")
    return session if isinstance(session, int) and not isinstance(session, bool) else 0


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _data_of(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope.get("data")
    return data if isinstance(data, dict) else {}


def _now_text_at(epoch_s: float) -> str:
    moment = datetime.fromtimestamp(epoch_s, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


__all__ = [
    "Arrival",
    "CentralSimulator",
    "EventListener",
    "SignedCommand",
    "StoredEvent",
    "issue_booking_token",
]

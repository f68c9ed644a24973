"""A contract monitor for integration tests: checks every message under ``kiosk/v1/#``.

It subscribes with its own MQTT client to a real broker for the length of a test and runs
``kiosk.link.contract.Contract.check`` on each message (schema, retain flag, QoS), plus
the rules that need more than one message:

* **seq**: for each kiosk and database incarnation (the envelope's ``incarnation``; a
  replaced database starts again at 1 under a new one), the *first* delivery of each
  ``seq`` arrives in ``seq`` order without a gap (after ``high`` only ``high + 1`` may be
  new); any delivery of a ``seq`` already seen is a resend and must be byte-identical to
  its first delivery. Resends may start anywhere at or below ``high`` and at any time (a
  reconnect, an ack time-out), and may jump forward over seqs already delivered. The
  envelope ``session`` of first deliveries never goes down.
  When the monitor itself reconnects (a broker restart without persistence loses what it
  had queued for the monitor), a gap after that reconnect is not a violation if the
  server's ``acked_seq`` (seen by the monitor by the end of the test) covers it: the
  server stored those events, only the monitor did not see them (``unobserved_gaps``).
* **session**: the ``session`` of a kiosk's ``state`` messages never goes down within an
  incarnation (a Will of an older session after a newer birth is a violation: the monitor
  reports what a server must ignore); a birth of a new incarnation starts a new count, and
  a Will of another incarnation after it is a violation too.
* **ack**: a kiosk's ``acked_seq`` of one incarnation never goes down (a cleared retained
  ack resets it).
* **blob**: every chunk of one image (kiosk, sha256) names the same ``size`` and ``total``
  in its header (``blob_inconsistent`` otherwise); ``blob_chunks()`` lists them in arrival
  order for the tests' ordering checks. Each chunk's own header, bytes and CRC-32 are
  checked by ``Contract.check`` like any other payload.

Retain flags: with MQTT 5 the monitor asks for "retain as published", so it sees the
publisher's flag unchanged. It subscribes with QoS 1 (a QoS 2 subscription is several
times slower, and a subscriber that falls 1000 messages behind loses messages at the
broker), so it sees a QoS 0 publisher but not a QoS 2 one. An MQTT 3.1.1 monitor (for
brokers that speak only that) cannot see the flag of a live message; it checks the flag
of retained messages it gets on subscribing.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.subscribeoptions import SubscribeOptions

from kiosk.link.blob_frame import BlobFrameError, decode_header
from kiosk.link.contract import Contract, Violation
from kiosk.link.topics import PREFIX, TopicKind

log = logging.getLogger(__name__)

ALL_TOPICS = f"{PREFIX}/#"


@dataclass(frozen=True)
class Seen:
    """One message the monitor received."""

    topic: str
    payload: bytes
    retain: bool
    qos: int
    epoch: int

    @property
    def body(self) -> Any:
        """The payload as JSON."""
        return json.loads(self.payload)


@dataclass
class _Stream:
    """The events of one incarnation of a kiosk."""

    high: int = 0  # highest seq delivered
    first: dict[int, bytes] = field(default_factory=dict)  # seq -> payload of first delivery
    order: list[int] = field(default_factory=list)  # seqs of first deliveries, in order
    resends: int = 0
    event_session: int = 0
    acked: int = 0


@dataclass
class _KioskTrack:
    streams: dict[str, _Stream] = field(default_factory=dict)  # incarnation -> its events
    latest: str = ""  # incarnation of the latest event
    state_session: int = 0
    state_incarnation: str | None = None  # of the kept state (None: none seen yet)
    blob_shapes: dict[str, tuple[int, int]] = field(default_factory=dict)  # sha -> size, total

    def stream(self, incarnation: str | None = None) -> _Stream | None:
        return self.streams.get(self.latest if incarnation is None else incarnation)


class ContractMonitor:
    """Subscribes to ``kiosk/v1/#`` and checks every message against the contract.

    Args:
        host: broker host (127.0.0.1).
        port: broker port.
        mqtt5: subscribe with MQTT 5 (retain as published, QoS 2); False for MQTT 3.1.1.
        contract: the contract; loaded from ``docs/schemas`` when None.
        client_id: the monitor's client id.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mqtt5: bool = True,
        contract: Contract | None = None,
        client_id: str = "contract-monitor",
    ):
        self.host = host
        self.port = port
        self.mqtt5 = mqtt5
        self.contract = contract or Contract.load()
        self.sub_qos = 1
        self.violations: list[Violation] = []
        self.messages: list[Seen] = []
        # (violation, kiosk, incarnation, epoch, seq)
        self._gaps: list[tuple[Violation, str, str, int, int]] = []
        self._inbox: queue.Queue[Seen | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="contract-monitor", daemon=True)
        self._kiosks: dict[str, _KioskTrack] = {}
        self._epoch = 0
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if mqtt5 else MQTTProtocolVersion.MQTTv311,
        )
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.2)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # ---- life cycle ----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Connect and wait for the SUBACK."""
        if self.mqtt5:
            self.client.connect(self.host, self.port, keepalive=30, clean_start=True)
        else:
            self.client.connect(self.host, self.port, keepalive=30)
        self._worker.start()
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            raise AssertionError(f"contract monitor: no SUBACK from {self.host}:{self.port}")

    def stop(self) -> None:
        """Disconnect and check what is still queued."""
        self.client.disconnect()
        self.client.loop_stop()
        self._inbox.put(None)
        self._worker.join(30)

    def __enter__(self) -> ContractMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- results -------------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[ContractMonitor], bool], timeout: float) -> bool:
        """Wait until ``predicate(self)`` holds (checked after every message)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def first_deliveries(self, kiosk: str, incarnation: str | None = None) -> list[int]:
        """The seqs of a kiosk's events in the order of their first delivery, of one
        incarnation (default: the incarnation of its latest event)."""
        with self._cond:
            track = self._kiosks.get(kiosk)
            stream = track.stream(incarnation) if track else None
            return list(stream.order) if stream else []

    def incarnations(self, kiosk: str) -> list[str]:
        """The incarnations a kiosk's events came from, in the order first seen."""
        with self._cond:
            track = self._kiosks.get(kiosk)
            return list(track.streams) if track else []

    def resends(self, kiosk: str) -> int:
        """Deliveries of seqs already delivered (byte-identical resends), all incarnations."""
        with self._cond:
            track = self._kiosks.get(kiosk)
            return sum(s.resends for s in track.streams.values()) if track else 0

    def blob_chunks(self, kiosk: str, sha256: str | None = None) -> list[tuple[str, int]]:
        """``(sha256, n)`` of a kiosk's image chunks in arrival order (resends included)."""
        prefix = f"{PREFIX}/{kiosk}/{TopicKind.BLOB}/"
        chunks: list[tuple[str, int]] = []
        with self._cond:
            for m in self.messages:
                if m.topic.startswith(prefix):
                    blob, n = m.topic[len(prefix) :].split("/")
                    if sha256 is None or blob == sha256:
                        chunks.append((blob, int(n)))
        return chunks

    def on(self, topic: str) -> list[Seen]:
        """Messages seen on one topic."""
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def event_deliveries(self, kiosk: str) -> int:
        """Every event message of a kiosk, resends included."""
        prefix = f"{PREFIX}/{kiosk}/{TopicKind.EVT}/"
        with self._cond:
            return sum(1 for m in self.messages if m.topic.startswith(prefix))

    @property
    def unobserved_gaps(self) -> int:
        """Gaps after a monitor reconnect that the server's ack covers (not violations)."""
        with self._cond:
            return sum(1 for _, k, i, epoch, seq in self._gaps if self._excused(k, i, epoch, seq))

    def all_violations(self) -> list[Violation]:
        """The violations, gaps the server's ack does not excuse included."""
        with self._cond:
            gaps = [v for v, k, i, epoch, seq in self._gaps if not self._excused(k, i, epoch, seq)]
            return self.violations + gaps

    def _excused(self, kiosk: str, incarnation: str, epoch: int, seq: int) -> bool:
        track = self._kiosks.get(kiosk)
        stream = track.streams.get(incarnation) if track else None
        return epoch > 1 and stream is not None and stream.acked >= seq - 1

    def assert_clean(self, *, expected: Callable[[Violation], bool] | None = None) -> None:
        """Fail with the list of violations, except those ``expected`` accepts."""
        bad = [v for v in self.all_violations() if expected is None or not expected(v)]
        if bad:
            lines = "\n".join(f"  {v}" for v in bad[:30])
            raise AssertionError(f"{len(bad)} contract violations:\n{lines}")

    # ---- paho callbacks (the monitor's own network thread) --------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, props: Any
    ) -> None:
        if reason_code.is_failure:
            log.warning("contract monitor refused: %s", reason_code)
            return
        with self._cond:
            self._epoch += 1
        if self.mqtt5:
            options = SubscribeOptions(qos=self.sub_qos, retainAsPublished=True)
            client.subscribe(ALL_TOPICS, options=options)
        else:
            client.subscribe(ALL_TOPICS, qos=self.sub_qos)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, codes: Any, props: Any
    ) -> None:
        self._subscribed.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, props: Any
    ) -> None:
        log.info("contract monitor disconnected: %s", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # NOTE: only enqueue: a subscriber that reads slowly loses messages at the broker.
        self._inbox.put(Seen(msg.topic, bytes(msg.payload), bool(msg.retain), msg.qos, self._epoch))

    def _work(self) -> None:
        while (seen := self._inbox.get()) is not None:
            with self._cond:
                self.messages.append(seen)
                self.violations += self.contract.check(
                    seen.topic,
                    seen.payload,
                    retain=self._retain_known(seen.retain),
                    qos=self._qos_known(seen.qos),
                )
                try:
                    self._track(seen)
                except (ValueError, TypeError, KeyError) as exc:
                    log.debug("contract monitor: %s not tracked: %s", seen.topic, exc)
                self._cond.notify_all()

    def _retain_known(self, retain: bool) -> bool | None:
        if self.mqtt5 or retain:
            return retain
        return None  # a live message to a 3.1.1 subscriber always has retain=0

    def _qos_known(self, qos: int) -> int | None:
        if self.sub_qos == 2 or qos < self.sub_qos:
            return qos
        return None

    # ---- rules across messages -----------------------------------------------------------

    def _track(self, seen: Seen) -> None:
        found = self.contract.classify(seen.topic)
        if found is None or found.kiosk is None:
            return
        track = self._kiosks.setdefault(found.kiosk, _KioskTrack())
        kind = found.rule.name
        if kind == TopicKind.EVT and seen.payload:
            self._track_event(seen, found.kiosk, track)
        elif kind == TopicKind.BLOB and found.blob is not None:
            self._track_chunk(seen, found.blob, track)
        elif kind == TopicKind.STATE:
            if not seen.payload:
                track.state_session = 0
                track.state_incarnation = None
                return
            body = seen.body
            session = body["session"]
            incarnation = body.get("incarnation", "")
            if track.state_incarnation is None or (
                body.get("online") is True and incarnation != track.state_incarnation
            ):
                track.state_incarnation = incarnation  # a new database counts sessions anew
                track.state_session = session
                return
            if incarnation != track.state_incarnation:
                self.violations.append(
                    Violation(
                        seen.topic,
                        "session_backwards",
                        f"state of incarnation {incarnation!r} after a birth of "
                        f"{track.state_incarnation!r}: {seen.payload.decode(errors='replace')}",
                    )
                )
            elif session < track.state_session:
                self.violations.append(
                    Violation(
                        seen.topic,
                        "session_backwards",
                        f"state of session {session} after session {track.state_session}: "
                        f"{seen.payload.decode(errors='replace')}",
                    )
                )
            else:
                track.state_session = session
        elif kind == TopicKind.ACK:
            if not seen.payload:
                for stream in track.streams.values():
                    stream.acked = 0
                return
            acked = seen.body["acked_seq"]
            stream = track.streams.setdefault(seen.body.get("incarnation", ""), _Stream())
            if acked < stream.acked:
                self.violations.append(
                    Violation(
                        seen.topic, "ack_backwards", f"acked_seq {acked} after {stream.acked}"
                    )
                )
            stream.acked = max(stream.acked, acked)

    def _track_chunk(self, seen: Seen, sha256: str, track: _KioskTrack) -> None:
        try:
            header, _ = decode_header(seen.payload)
        except BlobFrameError:
            return  # reported by Contract.check as blob_frame
        shape = (header.get("size"), header.get("total"))
        if not all(isinstance(x, int) for x in shape):
            return
        first = track.blob_shapes.setdefault(sha256, (int(shape[0]), int(shape[1])))
        if first != shape:
            self.violations.append(
                Violation(
                    seen.topic,
                    "blob_inconsistent",
                    f"size/total {shape} after {first} for the same image",
                )
            )

    def _track_event(self, seen: Seen, kiosk: str, kiosk_track: _KioskTrack) -> None:
        body = seen.body
        seq = body["seq"]
        session = body["session"]
        incarnation = body.get("incarnation", "")
        if not isinstance(seq, int) or not isinstance(session, int):
            return
        if not isinstance(incarnation, str):
            return
        track = kiosk_track.streams.setdefault(incarnation, _Stream())
        kiosk_track.latest = incarnation
        if seq <= track.high:
            track.resends += 1
            first = track.first.get(seq)
            if first is not None and first != seen.payload:
                self.violations.append(
                    Violation(seen.topic, "resend_differs", f"seq {seq} differs from its first")
                )
            return
        if seq > track.high + 1:
            gap = Violation(
                seen.topic,
                "seq_gap",
                f"seq {seq} first delivered after {track.high}: "
                f"{seq - track.high - 1} events skipped",
            )
            self._gaps.append((gap, kiosk, incarnation, seen.epoch, seq))
        if session < track.event_session:
            self.violations.append(
                Violation(
                    seen.topic,
                    "session_backwards",
                    f"event seq {seq} of session {session} after session {track.event_session}",
                )
            )
        track.event_session = max(track.event_session, session)
        track.high = seq
        track.first[seq] = seen.payload
        track.order.append(seq)


@contextmanager
def contract_monitor(host: str, port: int, *, mqtt5: bool = True) -> Iterator[ContractMonitor]:
    """A running monitor for the body of a ``with`` block."""
    monitor = ContractMonitor(host, port, mqtt5=mqtt5)
    monitor.start()
    try:
        yield monitor
    finally:
        monitor.stop()

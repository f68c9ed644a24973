"""Test helpers for the link: a recording MQTT client, a kiosk's store, waiting by deadline."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kiosk.config import MqttConfig
from kiosk.devices.health import HealthBoard
from kiosk.link.mqtt_link import LinkTuning, MqttLink, MqttVersion
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox, OutboxEvent
from tests.mosquitto import MosquittoBroker

KIOSK_ID = "kiosk-test-1"
OFFICE = "chuo"
FAST = LinkTuning(
    backoff_min_s=0.1,
    backoff_max_s=0.5,
    connect_timeout_s=2.0,
    connack_timeout_s=3.0,
    ack_timeout_s=5.0,
    stop_timeout_s=2.0,
)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@dataclass(frozen=True)
class Received:
    """One message a ``Recorder`` got."""

    topic: str
    payload: bytes
    retain: bool

    @property
    def body(self) -> Any:
        """The payload as JSON."""
        return json.loads(self.payload)


class Recorder:
    """A plain MQTT client that records what arrives on its subscriptions."""

    def __init__(self, broker: MosquittoBroker, *topics: str, client_id: str = "recorder"):
        self.broker = broker
        self.topics = topics
        self.received: list[Received] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.received.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain)))
            self._cond.notify_all()

    def __enter__(self) -> Recorder:
        self.client.connect(self.broker.host, self.broker.port, keepalive=30, clean_start=True)
        self.client.loop_start()
        if self.topics:
            self.client.subscribe([(t, 1) for t in self.topics])
            assert self._subscribed.wait(5), "recorder: no SUBACK"
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def on(self, topic: str) -> list[Received]:
        """Messages received on ``topic`` so far."""
        with self._cond:
            return [m for m in self.received if m.topic == topic]

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float, what: str
    ) -> list[Received]:
        """Wait until ``predicate(all messages)`` holds; returns the messages."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.received), timeout):
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; got "
                    f"{[(m.topic, m.payload[:80]) for m in self.received]}"
                )
            return list(self.received)

    def wait_on(self, topic: str, predicate: Callable[[Any], bool], timeout: float) -> Any:
        """Wait for a JSON message on ``topic`` whose body satisfies ``predicate``."""
        found: list[Any] = []

        def check(messages: list[Received]) -> bool:
            for m in messages:
                if m.topic == topic and m.payload and predicate(m.body):
                    found.append(m.body)
                    return True
            return False

        self.wait_for(check, timeout, f"a matching message on {topic}")
        return found[0]

    def publish(self, topic: str, body: dict[str, Any] | bytes, *, retain: bool = False) -> None:
        """Publish with QoS 1 and wait for the PUBACK."""
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)
        assert info.is_published(), f"no PUBACK for {topic}"


@dataclass
class KioskStore:
    """A kiosk's real SQLite store and health board in a temporary folder."""

    db: Database
    session: int
    outbox: Outbox
    health: HealthBoard

    @classmethod
    def create(cls, folder: Path, kiosk_id: str = KIOSK_ID) -> KioskStore:
        """Open (or create) the database in ``folder`` and begin a session."""
        db = Database(folder / "kiosk.sqlite3")
        session = begin_session(db)
        health = HealthBoard()
        health.register("printer")
        return cls(db, session, Outbox(db, kiosk_id=kiosk_id, session=session), health)

    def append_tickets(self, count: int, service: str = "certificates") -> list[OutboxEvent]:
        """Append ``count`` ``ticket.issued`` events in one transaction."""
        events: list[OutboxEvent] = []
        with self.db.transaction() as tx:
            for number in range(count):
                event = self.outbox.append(
                    tx,
                    "ticket",
                    "ticket.issued",
                    {
                        "ticket_id": f"t-{number}",
                        "number": f"A-{number + 1:03d}",
                        "service": service,
                        "business_day": "2026-11-27",
                    },
                )
                assert event is not None
                events.append(event)
        return events


def make_link(
    broker: MosquittoBroker,
    store: KioskStore,
    *,
    kiosk_id: str = KIOSK_ID,
    keepalive_s: int = 30,
    protocol: MqttVersion = MqttVersion.V5,
    tuning: LinkTuning = FAST,
    **kwargs: Any,
) -> MqttLink:
    """An MqttLink wired as the app wires it (outbox commits wake the flusher)."""
    link = MqttLink(
        MqttConfig(
            broker=f"mqtt://{broker.host}:{broker.port}",
            keepalive_s=keepalive_s,
            username="",
            password="",
        ),
        kiosk_id=kiosk_id,
        office=OFFICE,
        session=store.session,
        outbox=store.outbox,
        health=store.health,
        protocol=protocol,
        boot_id="boot-test",
        version="9.9.9",
        tuning=tuning,
        **kwargs,
    )
    store.db.add_commit_listener(link.notify_outbox)
    return link

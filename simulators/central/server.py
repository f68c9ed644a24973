"""A central server that speaks MQTT contract v1 (DESIGN §5), for tests and the demo.

What it does, as a city's server would, and where each part lives:

* its own retained birth and Will on ``kiosk/v1/server/state``; one MQTT session whose
  paho callbacks only enqueue and one worker thread (:mod:`.session`);
* stores every event from ``kiosk/v1/+/evt/#`` once, dropping duplicates by
  ``(kiosk, incarnation, seq)`` (and counting them), in memory and optionally in a SQLite
  file (:mod:`.ledger`, :mod:`.store`): a kiosk whose database was replaced starts again at
  seq 1 with a new incarnation, and its new events are never taken for old ones;
* publishes the retained ``kiosk/v1/{id}/ack`` ``{"acked_seq": N, "incarnation": I}`` with
  the highest ``N`` such that it holds *every* event ``1..N`` of incarnation ``I`` (gapless:
  after a gap it acks up to the gap), after the events are stored (:mod:`.ledger`);
* keeps the latest retained ``state``, ``health`` and ``config/reported`` of every kiosk
  (:mod:`.states`);
* publishes the retained ``kiosk/v1/office/{office}/queue`` figures from ``ticket.issued``
  events, with a simulated counter that calls the next ticket (:mod:`.queues`);
* reassembles the images of ID photos from ``kiosk/v1/+/blob/{sha256}/{n}`` and answers on
  the retained ``kiosk/v1/{id}/blob-ack`` (:mod:`.blobs`);
* answers events with signed commands: check-ins, a replaced database (:mod:`.answers`,
  dispatched in ``CentralSimulator._react``), and signs commands, desired configurations
  and booking tokens (:mod:`.signing`).

Test API: ``events()``, ``wait_for_events()``, ``wait_until()``, ``states``, ``health``,
``duplicates``, ``acked()``, ``received_blobs()``, ``chunk_deliveries()``, ``arrivals()``,
``blob_acks``, and the fault ``lose_chunks()`` (chunks dropped on arrival, as a lossy path
would).
"""

from __future__ import annotations

import logging
import math
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Unpack

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.core.trust import KeyPurpose
from kiosk.errors import LinkError
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
from simulators.booking_system.book import BookedEntry, BookingBook
from simulators.central.answers import RELEARN_ACTION, checkin_answer, relearn_answer
from simulators.central.blobs import BlobAssembler
from simulators.central.ledger import EventLedger
from simulators.central.notifications import HostNotification
from simulators.central.queues import OfficeQueues
from simulators.central.records import (
    CHECKIN_TO_ANSWER,
    MAX_ARRIVALS,
    STORE_REPLACED,
    TICKET_ISSUED,
    Arrival,
    EventListener,
    SignedCommand,
    StoredEvent,
    data_of,
    json_object,
    to_json,
)
from simulators.central.session import MqttSession
from simulators.central.signing import (
    CommandOptions,
    CommandSigner,
    issue_booking_token,
    sign_desired_config,
)
from simulators.central.states import KioskStates
from simulators.central.store import CentralStore
from simulators.demo_keys import DEMO_COMMAND_KID, demo_command_private_key, demo_key
from simulators.tcp_server import StartStop

log = logging.getLogger(__name__)

STAFF_CALL_ACKNOWLEDGE = "assist.acknowledge"  # the staff app's answer to a call-staff press
SUBSCRIPTIONS = (ALL_EVENTS, ALL_STATES, ALL_HEALTH, ALL_ACKS, ALL_CONFIG_REPORTED, ALL_BLOBS)


class CentralSimulator(StartStop):
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
        config_key: signs desired configurations (default: the DEMO-ONLY config key).
        config_kid: the ``kid`` of ``config_key``.
        tls_context: for a TLS listener (the server's own client certificate).
        answer_checkins: answer each check-in with a ``checkin.answer`` command (a queue
            position), as the city's server would.
        demo_cases: ``handover.assign`` arguments sent to every kiosk when it comes online.
        queue_interval_s: an office's queue figures are published at most this often.
        booking_book: the simulated booking system's book: a typed code's service comes
            from it (an unknown code is refused) and a meeting's host name.
        on_host_notified: called with each meeting host told of an arrival (worker thread).
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
        queue_interval_s: float = 1.0,
        booking_book: BookingBook | None = None,
        on_host_notified: Callable[[HostNotification], None] | None = None,
    ):
        self.host = host
        self.port = port
        self.store_path = store_path
        self.answer_checkins = answer_checkins
        self.demo_cases = tuple(demo_cases)
        self.booking_book = booking_book
        self._on_host_notified = on_host_notified
        self._host_notifications: list[HostNotification] = []
        self.ack_interval_s = ack_interval_s
        self.session = int(time.time())
        self._event_listener = on_event
        self._assigned: set[str] = set()
        self._store: CentralStore | None = None
        self._arrivals: deque[Arrival] = deque(maxlen=MAX_ARRIVALS)
        # The parts' state is guarded by the session's lock (self._cond).
        self._ledger = EventLedger(None, self._arrivals, ack_interval_s)
        self._blobs = BlobAssembler(None, self._arrivals)
        self._queues = OfficeQueues(dict(services_avg_min or {}), default_avg_min, queue_interval_s)
        self._kiosk_states = KioskStates()
        self._relearn_answers: list[tuple[str, str, int, int]] = []
        self._commands = CommandSigner(command_key or demo_command_private_key(), command_kid)
        demo_config_kid, demo_config_key = demo_key(KeyPurpose.CONFIG)
        self._config_key = config_key or demo_config_key
        self._config_kid = config_kid or demo_config_kid
        will = to_json({"online": False, "session": self.session})
        self._session = MqttSession(
            host,
            port,
            self,
            topics=SUBSCRIPTIONS,
            client_id=client_id,
            will=(SERVER_STATE, will),
            mqtt5=mqtt5,
            tls_context=tls_context,
            name="central simulator",
        )
        self._cond = self._session.cond
        self._ready = self._session.ready

    @property
    def services_avg_min(self) -> dict[str, float]:
        """Average service minutes per service id."""
        return self._queues.services_avg_min

    @property
    def default_avg_min(self) -> float:
        """Average service minutes of services not in ``services_avg_min``."""
        return self._queues.default_avg_min

    # ---- life cycle ---------------------------------------------------------------------

    def start(self, wait_s: float = 5.0) -> None:
        """Connect in the background and wait up to ``wait_s`` for the birth to go out.

        When the broker is not there yet, it keeps trying (see ``wait_ready``).
        """
        if self._session.started:
            raise LinkError("central simulator already started")
        if self.store_path is not None:
            self._store = CentralStore(self.store_path)
            self._ledger = EventLedger(self._store, self._arrivals, self.ack_interval_s)
            self._blobs.store = self._store
        self._session.start(wait_s)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until subscribed and the birth is published; False on timeout."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Publish ``online: false, reason: shutdown``, disconnect, store what is pending."""
        if not self._session.stop():
            return
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> CentralSimulator:
        self.start()
        if not self.wait_ready(10):
            self.stop()
            raise LinkError(f"central simulator could not connect to {self.host}:{self.port}")
        return self

    # ---- control and test API -------------------------------------------------------------

    def call_next(self, office: str, service: str) -> None:
        """A counter calls the next ticket of ``service`` at ``office`` now."""
        self._session.submit(lambda: self._queues.call(office, service, time.monotonic()))

    def events(self, kiosk: str | None = None, type: str | None = None) -> list[StoredEvent]:
        """Events stored in this run, in arrival order (duplicates not repeated)."""
        with self._cond:
            return self._ledger.events(kiosk, type)

    def wait_for_events(
        self, n: int, timeout: float, type: str | None = None, kiosk: str | None = None
    ) -> list[StoredEvent]:
        """Wait until at least ``n`` matching events are stored and return them all.

        Raises:
            TimeoutError: fewer than ``n`` arrived in time (the message says how many).
        """

        def enough() -> bool:
            return self._ledger.count(kiosk, type) >= n

        with self._cond:
            if not self._cond.wait_for(enough, timeout):
                raise TimeoutError(
                    f"{self._ledger.count(kiosk, type)} of {n} events"
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
            return dict(self._kiosk_states.states)

    @property
    def state_history(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``state`` payload received, as ``(kiosk, payload)``, in order."""
        with self._cond:
            return list(self._kiosk_states.history)

    @property
    def health(self) -> dict[str, dict[str, Any]]:
        """The latest ``health`` snapshot of each kiosk."""
        with self._cond:
            return dict(self._kiosk_states.health)

    @property
    def duplicates(self) -> int:
        """Events received again after they were stored (dropped by ``(kiosk, seq)``)."""
        with self._cond:
            return self._ledger.duplicates

    @property
    def stale_states(self) -> int:
        """``state`` messages ignored because their session is older than the kept one."""
        with self._cond:
            return self._kiosk_states.stale

    @property
    def rejected(self) -> int:
        """Event messages that were not a valid envelope for their topic."""
        with self._cond:
            return self._ledger.rejected

    def acked(self, kiosk: str, incarnation: str | None = None) -> int:
        """The last ``acked_seq`` published for ``kiosk`` (0 if none): of ``incarnation``,
        or of the incarnation of the kiosk's latest event."""
        with self._cond:
            return self._ledger.acked(kiosk, incarnation)

    def received_blobs(self) -> dict[str, bytes]:
        """Every image whose sha256 checked out, by sha256."""
        with self._cond:
            return self._blobs.received()

    def chunk_deliveries(self, sha256: str) -> dict[int, int]:
        """How often each chunk index of a blob arrived (resends and lost ones included)."""
        with self._cond:
            return self._blobs.deliveries(sha256)

    def arrivals(self, kiosk: str | None = None) -> list[Arrival]:
        """Events and blob chunks in the order they arrived (duplicates included)."""
        with self._cond:
            return [a for a in self._arrivals if kiosk is None or a.kiosk == kiosk]

    @property
    def blob_acks(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``blob-ack`` published, as ``(kiosk, body)``, in order."""
        with self._cond:
            return list(self._blobs.answers)

    @property
    def bad_chunks(self) -> int:
        """Blob chunks refused: unreadable header, wrong CRC-32, numbers that disagree."""
        with self._cond:
            return self._blobs.bad_chunks

    def lose_chunks(self, sha256: str, indexes: Sequence[int]) -> None:
        """Fault: drop the next arrival of each of these chunks of ``sha256`` as if the
        network lost it (counted in ``chunk_deliveries``, never stored)."""
        with self._cond:
            self._blobs.lose(sha256, indexes)

    def queue_figures(self, office: str) -> dict[str, Any] | None:
        """The last queue payload published for ``office``."""
        with self._cond:
            return self._queues.published.get(office)

    @property
    def relearn_answers(self) -> list[tuple[str, str, int, int]]:
        """``(kiosk, incarnation, ticket entries, used bookings)`` of every store.relearn
        answer sent, in order."""
        with self._cond:
            return list(self._relearn_answers)

    # ---- commands and desired configuration (DESIGN §5) ---------------------------------

    def sign_command(
        self,
        kiosk: str,
        action: str,
        args: dict[str, Any] | None = None,
        **options: Unpack[CommandOptions],
    ) -> SignedCommand:
        """A signed command for ``kiosk`` (not sent); ``options``: its lifetime ``exp_s``
        (60 s), and ``cmd_id``, ``ctr``, ``iat``, ``aud`` to let tests forge wrong ones.
        ``ctr`` defaults to the next counter for the kiosk (never below the current time in
        milliseconds, so a restarted server keeps going up)."""
        return self._commands.sign(kiosk, action, args, **options)

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

    def acknowledge_staff_call(self, kiosk: str, call_id: str, by: str = "") -> SignedCommand:
        """Staff took the call ``call_id`` of an ``assist.staff_called`` event: sign and send
        ``assist.acknowledge`` ``{call_id, by}`` (the kiosk's lamp goes out); waits for the
        PUBACK (issue 13)."""
        return self.send_command(kiosk, STAFF_CALL_ACKNOWLEDGE, {"call_id": call_id, "by": by})

    def publish_command(self, kiosk: str, token: str | bytes, *, expiry_s: float = 60.0) -> None:
        """Publish a command payload as it is (also a forged or repeated one).

        Raises:
            LinkError: no PUBACK within 5 s.
        """
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.MessageExpiryInterval = max(1, math.ceil(expiry_s))
        payload = token.encode("ascii") if isinstance(token, str) else token
        info = self._session.publish(Topics(kiosk).cmd, payload, properties=props)
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
        info = self._session.publish(Topics(kiosk).config_desired, payload, retain=True)
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
            return self._kiosk_states.config_reported.get(kiosk)

    @property
    def config_reported_history(self) -> list[tuple[str, dict[str, Any]]]:
        """Every ``config/reported`` received, as ``(kiosk, body)``, in order."""
        with self._cond:
            return list(self._kiosk_states.config_reported_history)

    # ---- the session's handler (worker thread, lock held) ---------------------------------

    def on_online(self) -> None:
        """Subscribed: the birth, and every retained answer again (a broker without
        persistence lost them)."""
        birth = {"online": True, "session": self.session}
        self._session.publish(SERVER_STATE, to_json(birth), retain=True)
        for kiosk, incarnation, acked in self._ledger.published_acks():
            self._publish_ack(kiosk, incarnation, acked)
        for office, payload in self._queues.published.items():
            self._session.publish(office_queue(office), to_json(payload), retain=True)
        for kiosk, body in self._blobs.last_answer.items():
            self._session.publish(Topics(kiosk).blob_ack, to_json(body), retain=True)
        log.info("central simulator session %d", self.session)

    def on_message(
        self, topic: str, payload: bytes, user_properties: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """Route one message by its topic."""
        if topic == SERVER_STATE:
            return  # our own state
        try:
            parsed = parse_kiosk_topic(topic)
        except LinkTopicError as exc:
            log.warning("ignoring message: %s", exc)
            return
        kiosk = parsed.kiosk_id
        if parsed.kind is TopicKind.EVT:
            event = self._ledger.accept(kiosk, parsed.category or "", payload)
            if event is not None:
                self._react(event)
            return
        if parsed.kind is TopicKind.BLOB and parsed.blob is not None and parsed.index is not None:
            user = dict(user_properties)
            answer = self._blobs.on_chunk(kiosk, parsed.blob, parsed.index, payload, user)
            if answer is not None:
                self._session.publish(Topics(kiosk).blob_ack, to_json(answer), retain=True)
            return
        body = json_object(payload) if payload else None
        if parsed.kind is TopicKind.STATE:
            if self._kiosk_states.on_state(kiosk, body) and body is not None:
                self._ledger.on_birth(kiosk, body)
                if self.demo_cases and kiosk not in self._assigned:
                    self._assign_demo_cases(kiosk)
        elif parsed.kind is TopicKind.HEALTH:
            self._kiosk_states.on_health(kiosk, body)
        elif parsed.kind is TopicKind.CONFIG_REPORTED:
            self._kiosk_states.on_config_reported(kiosk, body)
        elif parsed.kind is TopicKind.ACK:
            self._ledger.resume_from_ack(kiosk, body)

    def tick(self, now: float) -> None:
        """Publish due acks (after storing) and changed queue figures; call due tickets."""
        if self._ready.is_set():
            for kiosk, incarnation, acked in self._ledger.due_acks(now):
                self._publish_ack(kiosk, incarnation, acked)
        self._queues.call_due(now)
        if self._ready.is_set():
            for office, payload in self._queues.take_changed(now):
                self._session.publish(office_queue(office), to_json(payload), retain=True)

    def next_deadline(self) -> float | None:
        """The next ack, queue figures or counter call (acks and figures wait while
        disconnected: the reconnect's SUBACK wakes the worker; only the simulated counters
        keep their own time)."""
        deadlines = [t for t in (self._queues.next_call_at(),) if t is not None]
        if self._ready.is_set():
            for due in (self._ledger.ack_due_at, self._queues.next_publish_at()):
                if due is not None:
                    deadlines.append(due)
        return min(deadlines) if deadlines else None

    def on_stop(self) -> None:
        """Store what is pending and publish ``online: false, reason: shutdown``."""
        with self._cond:
            self._ledger.commit()
        if self._ready.is_set():
            goodbye = {"online": False, "session": self.session, "reason": "shutdown"}
            info = self._session.publish(SERVER_STATE, to_json(goodbye), retain=True)
            try:
                info.wait_for_publish(2.0)
            except (RuntimeError, ValueError) as exc:
                log.warning("central simulator shutdown state not sent: %s", exc)

    def _publish_ack(self, kiosk: str, incarnation: str, acked: int) -> None:
        body = {"acked_seq": acked, "incarnation": incarnation}
        self._session.publish(Topics(kiosk).ack, to_json(body), retain=True)

    # ---- reactions to events (answers.py) -------------------------------------------------

    def _react(self, event: StoredEvent) -> None:
        """What the server does with a newly stored event, besides storing it."""
        kiosk, envelope = event.kiosk, event.envelope
        if event.type == TICKET_ISSUED:
            self._queues.count_ticket(kiosk, self._kiosk_states.offices.get(kiosk), envelope)
        if event.type == STORE_REPLACED:
            self._answer_replacement(kiosk, event.incarnation, envelope)
        if self.answer_checkins and event.type in CHECKIN_TO_ANSWER:
            self._answer_checkin(kiosk, envelope)
        if self._event_listener is not None:
            try:
                self._event_listener(event)
            except Exception:
                log.exception("event listener failed on %s seq %d", kiosk, event.seq)

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

    def host_notifications(self) -> list[HostNotification]:
        """The meeting hosts told of an arrival, oldest first (a copy)."""
        with self._cond:
            return list(self._host_notifications)

    def _answer_checkin(self, kiosk: str, envelope: dict[str, Any]) -> None:
        office = self._kiosk_states.offices.get(kiosk, "")
        data = data_of(envelope)
        booked = None
        if self.booking_book is not None:
            code, booking_id = str(data.get("code", "")), str(data.get("booking_id", ""))
            booked = (self.booking_book.by_id(booking_id) if booking_id else None) or (
                self.booking_book.by_code(code) if code else None
            )
        service = booked.service if booked is not None else str(data.get("service", ""))
        args = checkin_answer(
            envelope,
            self._queues.waiting(office, service),
            booked,
            strict=self.booking_book is not None,
        )
        if args.get("host_notified"):
            self._notify_host(kiosk, data, booked)
        try:
            self.send_command(kiosk, "checkin.answer", args)
        except LinkError:
            log.warning("could not answer check-in %s of %s", args["ref"], kiosk)

    def _notify_host(self, kiosk: str, data: Mapping[str, Any], booked: BookedEntry | None) -> None:
        """Tell a meeting's host that their visitor arrived (here: record, log, callback)."""
        host = str(data.get("host", "")) or (booked.host if booked is not None else "")
        notice = HostNotification(
            host=host,
            host_name=booked.host_name if booked is not None else "",
            kiosk=kiosk,
            booking_id=str(data.get("booking_id", "")) or (booked.booking_id if booked else ""),
            at=time.time(),
        )
        self._host_notifications.append(notice)
        log.info(
            "meeting host %s (%s) told: the visitor of %s arrived at kiosk %s",
            notice.host,
            notice.host_name or "name not in the book",
            notice.booking_id,
            kiosk,
        )
        if self._on_host_notified is not None:
            try:
                self._on_host_notified(notice)
            except Exception:
                log.exception("host notification listener failed for %s", notice.host)

    def _answer_replacement(self, kiosk: str, incarnation: str, envelope: dict[str, Any]) -> None:
        named = str(data_of(envelope).get("previous_incarnation") or "")
        known = self._ledger.other_incarnations(kiosk, incarnation)
        previous = named or (known[-1][0] if known else "")
        contiguous = self._ledger.contiguous(kiosk, previous)
        tickets, used, commands = relearn_answer(incarnation, previous, known, contiguous)
        for args in commands:
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


__all__ = [
    "Arrival",
    "CentralSimulator",
    "EventListener",
    "HostNotification",
    "SignedCommand",
    "StoredEvent",
    "issue_booking_token",
    "sign_desired_config",
]

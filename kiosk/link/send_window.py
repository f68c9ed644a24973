"""The outbox's way out: events in ``seq`` order inside two windows, until the server acks.

Events are published on ``kiosk/v1/{id}/evt/{category}`` at QoS 1, with at most
``inflight_window`` PUBLISHes waiting for their PUBACK and at most ``ahead_window`` events
beyond the server's ``acked_seq`` (a broker acknowledges what it queued for the server, and
drops messages when that queue is full). Rows leave the outbox only when the retained
``ack`` covers them. Without a new ``acked_seq`` for ``ack_timeout_s`` (and nothing in
flight) the window rewinds to ``acked_seq`` and sends again: the broker may have dropped
what it acknowledged; the server drops duplicates by ``(kiosk, seq)``.

Image chunks (:class:`~kiosk.link.blob_sender.BlobSender`) go one at a time and only when
no event waits to be published or for its PUBACK: events always go first.

Everything here runs on the link's worker thread.
"""

from __future__ import annotations

import logging
import socket
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.link.blob_sender import BlobSender, OutgoingChunk
from kiosk.link.topics import Topics
from kiosk.link.tuning import LinkTuning, MqttVersion
from kiosk.store.outbox import Outbox

log = logging.getLogger(__name__)

# At least this many events not yet published is a backlog draining: TCP may gather them.
BULK_EVENTS = 32


class SendWindow:
    """What has been sent, what the server acknowledged, and what may go next.

    Args:
        outbox: the kiosk's outbox.
        topics: the kiosk's topics.
        tuning: the two windows and the ack timeout.
        protocol: MQTT 5 chunks carry user properties, 3.1.1 chunks do not.
        blobs: the image sender, or None.
    """

    def __init__(
        self,
        outbox: Outbox,
        topics: Topics,
        tuning: LinkTuning,
        protocol: MqttVersion,
        blobs: BlobSender | None,
    ):
        self._outbox = outbox
        self._topics = topics
        self._t = tuning
        self._protocol = protocol
        self._blobs = blobs
        self.acked = 0  # the server's acked_seq as last seen
        self.last_sent = 0  # the highest seq published on this connection
        self._inflight: set[int] = set()  # mids of event PUBLISHes without PUBACK
        self._ack_wait_since = time.monotonic()
        self._nodelay = False  # TCP_NODELAY on the broker socket: see _no_delay

    def connection_reset(self) -> None:
        """A new connection (or none): nothing is in flight, its socket has Nagle on."""
        self._inflight.clear()
        self._nodelay = False
        if self._blobs is not None:
            self._blobs.connection_reset()

    def start_from_server_ack(self) -> None:
        """Send everything above the ``acked_seq`` the outbox recorded (a new connection,
        or the ``outbox.resend`` command)."""
        self.acked = self._outbox.acked_seq()
        self.rewind()

    def rewind(self) -> None:
        """Send again from the last ``acked_seq`` (the server came back, or acks stalled)."""
        self.last_sent = self.acked
        self._ack_wait_since = time.monotonic()

    def apply_ack(self, acked: int) -> bool:
        """Delete the events up to ``acked`` (an ack of this incarnation); True if it moved.

        NOTE: never deletes on an ack for events we never made: a retained ack from an
        earlier life of this kiosk id (state wiped) would destroy new events.
        """
        last_seq = self._outbox.last_seq()
        if acked > last_seq:
            log.error(
                "server acks seq %d but %s has only made %d events; ignoring the ack",
                acked,
                self._topics.kiosk_id,
                last_seq,
            )
            return False
        if acked <= self.acked:
            return False
        deleted = self._outbox.ack(acked)
        log.debug(
            "server acked %s up to seq %d; %d events deleted", self._topics.kiosk_id, acked, deleted
        )
        self.acked = acked
        self.last_sent = max(self.last_sent, acked)
        self._ack_wait_since = time.monotonic()
        return True

    def on_puback(self, mid: int) -> None:
        """A PUBACK: its event (or image chunk) left the window."""
        self._inflight.discard(mid)
        if self._blobs is not None:
            self._blobs.on_puback(mid)

    def flush(self, client: mqtt.Client) -> None:
        """Publish what the windows allow, then one image chunk if no event is in flight."""
        sending_image = self._blobs is not None and self._blobs.current is not None
        while True:
            room = min(
                self._t.inflight_window - len(self._inflight),
                self._t.ahead_window - (self.last_sent - self.acked),
            )
            if room <= 0:
                return
            batch = self._outbox.pending(after_seq=self.last_sent, limit=min(room, 200))
            # A backlog drains in bulk (Nagle); single events and image transfers go at once.
            draining = self._outbox.last_seq() - self.last_sent >= BULK_EVENTS
            self._set_no_delay(client, sending_image or not draining)
            if not batch:
                break
            if self.last_sent == self.acked:
                self._ack_wait_since = time.monotonic()
            for event in batch:
                info = client.publish(self._topics.evt(event.category), event.envelope, qos=1)
                if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    log.warning(
                        "publishing seq %d failed: %s", event.seq, mqtt.error_string(info.rc)
                    )
                    return
                self._inflight.add(info.mid)
                self.last_sent = event.seq
        if self._blobs is not None and not self._inflight:
            # NOTE: no event waits to be published or for its PUBACK: one image chunk.
            self._send_chunk(client, self._blobs)

    def waiting_for_ack(self) -> bool:
        """Everything sent was PUBACKed, and the server has not acked all of it yet."""
        return self.last_sent > self.acked and not self._inflight

    def ack_deadline(self) -> float:
        """When (monotonic) a stalled ack makes the window rewind."""
        return self._ack_wait_since + self._t.ack_timeout_s

    def rewind_if_ack_stalled(self, now: float) -> bool:
        """Rewind when no ack came for ``ack_timeout_s``; True if it did (flush next)."""
        if not self.waiting_for_ack() or now - self._ack_wait_since < self._t.ack_timeout_s:
            return False
        log.warning(
            "no ack beyond seq %d for %.0f s (sent up to %d); resending",
            self.acked,
            now - self._ack_wait_since,
            self.last_sent,
        )
        self.last_sent = self.acked
        self._ack_wait_since = now
        return True

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
        if self._protocol is not MqttVersion.V5:
            return None
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.UserProperty = [("total", str(chunk.total)), ("size", str(chunk.size))]
        return properties


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


__all__ = ["BULK_EVENTS", "SendWindow"]

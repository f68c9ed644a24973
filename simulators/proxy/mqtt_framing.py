"""Just enough MQTT framing to find packet boundaries and read PUBLISH headers.

Fixed header: one byte (packet type in the high nibble, flags in the low one) and the
"remaining length" as 1 to 4 bytes of base-128 varint. A PUBLISH's variable header starts
with the topic (2-byte length + UTF-8), then the packet id when QoS > 0, then (MQTT 5 only)
a properties block whose length is a varint. The protocol level comes from the CONNECT
(byte 7 of its variable header: 4 = 3.1.1, 5 = MQTT 5).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class PacketType(enum.IntEnum):
    """MQTT control packet types (high nibble of the first byte)."""

    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


class FramingError(ValueError):
    """Raised when the bytes cannot be MQTT (remaining length over 4 bytes, bad type 0)."""


@dataclass(frozen=True)
class Packet:
    """One complete packet found in a stream.

    Attributes:
        type: the packet type.
        flags: the low nibble of the first byte (PUBLISH: dup, QoS, retain).
        raw: the whole packet, fixed header included.
        body_offset: where the variable header starts in ``raw``.
    """

    type: PacketType
    flags: int
    raw: bytes
    body_offset: int

    @property
    def qos(self) -> int:
        """PUBLISH QoS (0 for other packets)."""
        return (self.flags >> 1) & 0x3 if self.type is PacketType.PUBLISH else 0

    @property
    def retain(self) -> bool:
        """PUBLISH retain flag."""
        return self.type is PacketType.PUBLISH and bool(self.flags & 0x1)


@dataclass(frozen=True)
class PublishInfo:
    """What a PUBLISH carries.

    Attributes:
        topic: its topic.
        qos: 0, 1 or 2.
        retain: the retain flag.
        packet_id: the packet identifier (None for QoS 0).
        payload: the application payload.
    """

    topic: str
    qos: int
    retain: bool
    packet_id: int | None
    payload: bytes


def read_varint(data: bytes | bytearray, offset: int) -> tuple[int, int] | None:
    """Decode a varint at ``offset``: ``(value, bytes used)``, None when incomplete.

    Raises:
        FramingError: more than 4 bytes.
    """
    value = 0
    for index in range(4):
        if offset + index >= len(data):
            return None
        byte = data[offset + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, index + 1
    raise FramingError("remaining length longer than 4 bytes")


class PacketSplitter:
    """Cuts one direction of an MQTT stream into packets as bytes arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.protocol_level: int | None = None

    def feed(self, data: bytes) -> list[Packet]:
        """Add bytes; return every packet completed by them, in order.

        Raises:
            FramingError: the stream is not MQTT.
        """
        self._buffer += data
        packets: list[Packet] = []
        while self._buffer:
            length = read_varint(self._buffer, 1)
            if length is None:
                break
            remaining, used = length
            total = 1 + used + remaining
            if len(self._buffer) < total:
                break
            first = self._buffer[0]
            if first >> 4 == 0:
                raise FramingError(f"packet type 0 (first byte {first:#04x})")
            packet = Packet(
                PacketType(first >> 4), first & 0x0F, bytes(self._buffer[:total]), 1 + used
            )
            del self._buffer[:total]
            if packet.type is PacketType.CONNECT and len(packet.raw) > packet.body_offset + 6:
                self.protocol_level = packet.raw[packet.body_offset + 6]
            packets.append(packet)
        return packets

    @property
    def pending(self) -> int:
        """Bytes of an incomplete packet held back."""
        return len(self._buffer)


def parse_publish(packet: Packet, protocol_level: int | None) -> PublishInfo:
    """Read a PUBLISH's topic, packet id and payload.

    Args:
        packet: a PUBLISH packet.
        protocol_level: 5 for MQTT 5 (a properties block follows the packet id), else 4.

    Raises:
        FramingError: not a PUBLISH, or its header runs past its end.
    """
    if packet.type is not PacketType.PUBLISH:
        raise FramingError(f"{packet.type.name} is not a PUBLISH")
    raw = packet.raw
    at = packet.body_offset
    if at + 2 > len(raw):
        raise FramingError("PUBLISH without a topic length")
    topic_len = int.from_bytes(raw[at : at + 2], "big")
    at += 2
    topic = raw[at : at + topic_len].decode("utf-8", errors="replace")
    at += topic_len
    packet_id = None
    if packet.qos:
        packet_id = int.from_bytes(raw[at : at + 2], "big")
        at += 2
    if protocol_level == 5:
        props = read_varint(raw, at)
        if props is None:
            raise FramingError("PUBLISH properties run past the packet")
        at += props[1] + props[0]
    if at > len(raw):
        raise FramingError("PUBLISH header runs past the packet")
    return PublishInfo(topic, packet.qos, packet.retain, packet_id, raw[at:])


__all__ = [
    "FramingError",
    "Packet",
    "PacketSplitter",
    "PacketType",
    "PublishInfo",
    "parse_publish",
    "read_varint",
]

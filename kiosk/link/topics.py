"""The MQTT topic contract v1 (DESIGN §5): the one module that builds topic strings.

Every kiosk topic is ``kiosk/v1/{kiosk_id}/…``; the server's own state is
``kiosk/v1/server/state`` and per-office figures are ``kiosk/v1/office/{office}/queue``.
Ids and categories are limited to ``[a-z0-9-]`` (no leading or trailing ``-``): a ``/``,
``+`` or ``#`` inside a topic level has broken broker ACLs before. The levels ``server``
and ``office`` are reserved and can never be kiosk ids. An ID photo's image travels in
chunks on ``kiosk/v1/{kiosk_id}/blob/{sha256}/{n}`` and the server answers on
``kiosk/v1/{kiosk_id}/blob-ack`` (docs/mqtt-contract.md, "ID photos").
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from kiosk.errors import LinkError

PREFIX = "kiosk/v1"
SERVER_STATE = f"{PREFIX}/server/state"
"""Retained server birth and Will: ``{"online": true|false, …}``."""

RESERVED_LEVELS = frozenset({"server", "office"})
"""Second-level names used by the server's topics; no kiosk may be called so."""

EVENT_CATEGORIES = frozenset(
    {"ticket", "checkin", "handover", "photo", "device", "cmd", "audit", "assist"}
)
"""The event categories the contract names (``evt/{category}``)."""

_ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_INDEX_RE = re.compile(r"0|[1-9][0-9]{0,5}")
MAX_BLOB_CHUNKS = 1_000_000
"""Chunk indexes are ``0`` to ``999999`` (32 GiB at 32 KiB a chunk): no leading zeros."""


class LinkTopicError(LinkError, ValueError):
    """Raised when an id does not fit in a topic level or a topic is not one of ours."""


def validate_id(value: str, what: str = "kiosk id") -> str:
    """Return ``value`` if it may be used as one topic level.

    Args:
        value: a kiosk id, office id or event category.
        what: names the value in the error message.

    Raises:
        LinkTopicError: ``value`` holds anything but ``a-z``, ``0-9`` and inner ``-``, or is
            empty or longer than 64 characters.
    """
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise LinkTopicError(
            f"{what} {value!r} may hold only a-z, 0-9 and '-' (1 to 64 characters, no '-' "
            "at either end); '/', '+' and '#' would break topic levels and broker ACLs"
        )
    return value


def _validate_kiosk_id(kiosk_id: str) -> str:
    validate_id(kiosk_id, "kiosk id")
    if kiosk_id in RESERVED_LEVELS:
        raise LinkTopicError(
            f"kiosk id {kiosk_id!r} is reserved for the server's topics ({PREFIX}/{kiosk_id}/…)"
        )
    return kiosk_id


def validate_sha256(value: str) -> str:
    """Return ``value`` if it is a SHA-256 as 64 lower-case hex digits (a blob's name).

    Raises:
        LinkTopicError: anything else.
    """
    if not isinstance(value, str) or not _SHA256_RE.fullmatch(value):
        raise LinkTopicError(f"blob name {value!r} is not a sha256 in 64 lower-case hex digits")
    return value


def office_queue(office: str) -> str:
    """The retained queue figures of one office, published by the server.

    Payload: ``{"v":1,"ts":"…","services":{"<service_id>":{"waiting":N,"wait_minutes":M}}}``.

    Raises:
        LinkTopicError: ``office`` is not a valid id.
    """
    return f"{PREFIX}/office/{validate_id(office, 'office')}/queue"


class TopicKind(enum.StrEnum):
    """What a per-kiosk topic carries (the part after ``kiosk/v1/{id}/``)."""

    STATE = "state"
    HEALTH = "health"
    EVT = "evt"
    ACK = "ack"
    CMD = "cmd"
    CONFIG_DESIRED = "config/desired"
    CONFIG_REPORTED = "config/reported"
    BLOB = "blob"  # blob/{sha256}/{n}: one chunk of an image
    BLOB_ACK = "blob-ack"


class Topics:
    """Every topic of one kiosk.

    Args:
        kiosk_id: the kiosk's id (= MQTT client id = username = certificate CN).

    Raises:
        LinkTopicError: the id is not ``[a-z0-9-]`` or is a reserved level.
    """

    def __init__(self, kiosk_id: str):
        self.kiosk_id = _validate_kiosk_id(kiosk_id)
        base = f"{PREFIX}/{kiosk_id}"
        self.base = base
        self.state = f"{base}/{TopicKind.STATE}"
        self.health = f"{base}/{TopicKind.HEALTH}"
        self.ack = f"{base}/{TopicKind.ACK}"
        self.cmd = f"{base}/{TopicKind.CMD}"
        self.config_desired = f"{base}/{TopicKind.CONFIG_DESIRED}"
        self.config_reported = f"{base}/{TopicKind.CONFIG_REPORTED}"
        self.blob_ack = f"{base}/{TopicKind.BLOB_ACK}"

    def blob(self, sha256: str, index: int) -> str:
        """The topic of chunk ``index`` (from 0) of the blob named ``sha256``.

        Raises:
            LinkTopicError: not a sha256 in lower-case hex, or the index is out of range.
        """
        if not 0 <= index < MAX_BLOB_CHUNKS or isinstance(index, bool):
            raise LinkTopicError(f"blob chunk index {index!r} out of 0..{MAX_BLOB_CHUNKS - 1}")
        return f"{self.base}/{TopicKind.BLOB}/{validate_sha256(sha256)}/{index}"

    def evt(self, category: str) -> str:
        """The topic for events of one category (``ticket``, ``device``…).

        Raises:
            LinkTopicError: ``category`` is not a valid topic level.
        """
        return f"{self.base}/{TopicKind.EVT}/{validate_id(category, 'event category')}"

    def __repr__(self) -> str:
        return f"Topics({self.kiosk_id!r})"


# Subscriptions of the server side (the central simulator, a city's server).
ALL_EVENTS = f"{PREFIX}/+/{TopicKind.EVT}/#"
ALL_STATES = f"{PREFIX}/+/{TopicKind.STATE}"
ALL_HEALTH = f"{PREFIX}/+/{TopicKind.HEALTH}"
ALL_ACKS = f"{PREFIX}/+/{TopicKind.ACK}"
ALL_CONFIG_REPORTED = f"{PREFIX}/+/{TopicKind.CONFIG_REPORTED}"
ALL_BLOBS = f"{PREFIX}/+/{TopicKind.BLOB}/#"


@dataclass(frozen=True)
class KioskTopic:
    """A parsed per-kiosk topic.

    Attributes:
        kiosk_id: the kiosk the topic belongs to.
        kind: what it carries.
        category: the event category for ``evt`` topics, else None.
        blob: the blob's sha256 for ``blob`` topics, else None.
        index: the chunk index for ``blob`` topics, else None.
    """

    kiosk_id: str
    kind: TopicKind
    category: str | None = None
    blob: str | None = None
    index: int | None = None


def parse_kiosk_topic(topic: str) -> KioskTopic:
    """Split a per-kiosk topic into kiosk id, kind and (for events) category.

    Raises:
        LinkTopicError: the topic is not a per-kiosk topic of contract v1 (the server's
            ``server/state`` and ``office/…`` topics are not per-kiosk topics).
    """
    parts = topic.split("/")
    if len(parts) < 4 or f"{parts[0]}/{parts[1]}" != PREFIX:
        raise LinkTopicError(f"topic {topic!r} is not under {PREFIX}/{{kiosk_id}}/")
    kiosk_id = parts[2]
    try:
        _validate_kiosk_id(kiosk_id)
    except LinkTopicError as exc:
        raise LinkTopicError(f"topic {topic!r}: {exc}") from None
    rest = parts[3:]
    if rest[0] == TopicKind.EVT:
        if len(rest) != 2:
            raise LinkTopicError(f"topic {topic!r}: an event topic is …/evt/{{category}}")
        try:
            category = validate_id(rest[1], "event category")
        except LinkTopicError as exc:
            raise LinkTopicError(f"topic {topic!r}: {exc}") from None
        return KioskTopic(kiosk_id, TopicKind.EVT, category)
    if rest[0] == TopicKind.BLOB:
        if len(rest) != 3 or not _INDEX_RE.fullmatch(rest[2]):
            raise LinkTopicError(f"topic {topic!r}: a blob topic is …/blob/{{sha256}}/{{n}}")
        try:
            blob = validate_sha256(rest[1])
        except LinkTopicError as exc:
            raise LinkTopicError(f"topic {topic!r}: {exc}") from None
        return KioskTopic(kiosk_id, TopicKind.BLOB, blob=blob, index=int(rest[2]))
    try:
        kind = TopicKind("/".join(rest))
    except ValueError:
        raise LinkTopicError(f"topic {topic!r} is not a kiosk topic of contract v1") from None
    return KioskTopic(kiosk_id, kind)


def parse_office_queue(topic: str) -> str:
    """The office id of an ``office/{office}/queue`` topic.

    Raises:
        LinkTopicError: the topic is not an office queue topic.
    """
    parts = topic.split("/")
    if (
        len(parts) != 5
        or f"{parts[0]}/{parts[1]}" != PREFIX
        or parts[2] != "office"
        or parts[4] != "queue"
    ):
        raise LinkTopicError(f"topic {topic!r} is not {PREFIX}/office/{{office}}/queue")
    try:
        return validate_id(parts[3], "office")
    except LinkTopicError as exc:
        raise LinkTopicError(f"topic {topic!r}: {exc}") from None


__all__ = [
    "ALL_ACKS",
    "ALL_BLOBS",
    "ALL_CONFIG_REPORTED",
    "ALL_EVENTS",
    "ALL_HEALTH",
    "ALL_STATES",
    "EVENT_CATEGORIES",
    "MAX_BLOB_CHUNKS",
    "PREFIX",
    "RESERVED_LEVELS",
    "SERVER_STATE",
    "KioskTopic",
    "LinkTopicError",
    "TopicKind",
    "Topics",
    "office_queue",
    "parse_kiosk_topic",
    "parse_office_queue",
    "validate_id",
    "validate_sha256",
]

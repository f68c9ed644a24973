"""What the central simulator keeps and hands out: its records, contract names, JSON helpers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

TICKET_ISSUED = "ticket.issued"
CHECKIN_TO_ANSWER = frozenset({"checkin.accepted", "checkin.code_entered"})
STORE_REPLACED = "store.replaced"
ENVELOPE_KEYS = frozenset({"v", "id", "seq", "session", "kiosk", "ts", "type", "data"})
LEGACY = ""  # the incarnation of envelopes from before incarnations (none in the field)
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


EventListener = Callable[[StoredEvent], None]


def to_json(body: dict[str, Any]) -> bytes:
    """``body`` as compact UTF-8 JSON (the contract's payloads)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_object(payload: bytes) -> dict[str, Any] | None:
    """The JSON object in ``payload``, or None (logged) when it is not one."""
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("payload is not JSON: %r", payload[:200])
        return None
    return body if isinstance(body, dict) else None


def data_of(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope's ``data`` object ({} when missing or not an object)."""
    data = envelope.get("data")
    return data if isinstance(data, dict) else {}


def now_text() -> str:
    """Now, as the contract writes times (UTC, milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def text_at(epoch_s: float) -> str:
    """``epoch_s`` as the contract writes times."""
    moment = datetime.fromtimestamp(epoch_s, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

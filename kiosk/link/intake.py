"""What the server sends the kiosk: reading each payload, and handing commands over.

The link subscribes ``ack``, ``server/state``, the office queue topic, ``cmd``,
``config/desired`` (and ``blob-ack`` with an image sender). This module reads the first
three strictly (no NaN/Infinity, no repeated keys, no deep nesting; anything else is logged
and ignored, never an exception on the link's thread) and keeps the handlers that get the
raw payloads of the last two: commands and desired configurations are verified by the core,
not here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.core.waiting import WaitFigure

log = logging.getLogger(__name__)

PayloadHandler = Callable[[bytes], object]
"""A command or configuration handler; gets the raw payload, on the link's worker thread."""

ForeignAckHandler = Callable[[str, int], object]
"""``handler(incarnation, acked_seq)`` for an ack of another incarnation of this kiosk."""

MAX_QUEUE_FIGURE = 100_000
"""The most people (or minutes) a server queue figure may say; more is refused.

NOTE: a figure of 2**63 from the queue topic went into the next ticket's row and made
SQLite refuse every ticket of that service (``OverflowError``); no office has this many."""


@dataclass(frozen=True)
class Ack:
    """The server's retained ``ack``: every event up to ``acked_seq`` of ``incarnation``
    is stored. ``incarnation`` is what the ack carried (a string from a conforming server)."""

    acked_seq: int
    incarnation: object


@dataclass(frozen=True)
class QueueFigures:
    """The server's queue figures for the office, per service id, and their time."""

    figures: dict[str, WaitFigure]
    at: datetime | None


def json_object(payload: bytes, topic: str) -> dict[str, Any] | None:
    """``payload`` as a JSON object, or None (logged) if it is not strict JSON or no object."""
    try:
        # NOTE: strict: no NaN/Infinity, no repeated keys, no nesting that would recurse.
        body = strict_loads(payload)
    except StrictJsonError as exc:
        log.warning("message on %s is not strict JSON (%s): %r", topic, exc, payload[:200])
        return None
    if not isinstance(body, dict):
        log.warning("message on %s is not a JSON object: %r", topic, payload[:200])
        return None
    return body


def parse_ack(payload: bytes, topic: str) -> Ack | None:
    """The ack on ``topic``, or None (logged) without a whole ``acked_seq`` >= 0."""
    body = json_object(payload, topic)
    if body is None:
        return None
    acked = body.get("acked_seq")
    if not isinstance(acked, int) or isinstance(acked, bool) or acked < 0:
        log.warning("ack on %s without a valid acked_seq: %r", topic, body)
        return None
    return Ack(acked, body.get("incarnation"))


def parse_server_state(payload: bytes, topic: str) -> bool | None:
    """What ``server/state`` says: True or False, or None (logged) without a boolean
    ``online`` (an empty payload: the retained state was cleared)."""
    body = json_object(payload, topic) if payload else None
    online = body.get("online") if body is not None else None
    if isinstance(online, bool):
        return online
    log.warning("server state without a boolean 'online': %r", payload[:200])
    return None


def parse_queue_figures(payload: bytes, topic: str) -> QueueFigures | None:
    """The office's queue figures; a service whose figures are not whole numbers in
    0..``MAX_QUEUE_FIGURE`` is left out (logged); None without a ``services`` object."""
    body = json_object(payload, topic)
    if body is None:
        return None
    services = body.get("services")
    if not isinstance(services, dict):
        log.warning("queue figures without 'services': %r", body)
        return None
    figures: dict[str, WaitFigure] = {}
    for service_id, entry in services.items():
        waiting = _count(entry.get("waiting")) if isinstance(entry, dict) else None
        minutes = _count(entry.get("wait_minutes")) if isinstance(entry, dict) else None
        if waiting is None or minutes is None:
            log.warning("queue figure for service %r ignored: %r", service_id, entry)
            continue
        figures[str(service_id)] = WaitFigure(waiting, minutes, estimated=False)
    return QueueFigures(figures, _parse_ts(body.get("ts")))


class Handlers:
    """The handlers of commands, desired configurations and foreign acks.

    Registering is thread-safe; handing over happens on the link's worker thread, and a
    failing handler is logged while the others still get the payload.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._commands: list[PayloadHandler] = []
        self._configs: list[PayloadHandler] = []
        self._foreign_acks: list[ForeignAckHandler] = []

    def on_command(self, handler: PayloadHandler) -> None:
        """Hand every ``cmd`` payload to ``handler``."""
        with self._lock:
            self._commands.append(handler)

    def on_config_desired(self, handler: PayloadHandler) -> None:
        """Hand every ``config/desired`` payload to ``handler``."""
        with self._lock:
            self._configs.append(handler)

    def on_foreign_ack(self, handler: ForeignAckHandler) -> None:
        """Call ``handler(incarnation, acked_seq)`` for an ack of another incarnation."""
        with self._lock:
            self._foreign_acks.append(handler)

    def command(self, payload: bytes) -> None:
        """Hand a command's payload to every command handler."""
        self._hand_over(self._commands, payload, "command")

    def config_desired(self, payload: bytes) -> None:
        """Hand a desired configuration to every configuration handler."""
        self._hand_over(self._configs, payload, "config/desired")

    def foreign_ack(self, incarnation: str, acked: int) -> None:
        """Tell every foreign-ack handler."""
        with self._lock:
            targets = list(self._foreign_acks)
        for handler in targets:
            try:
                handler(incarnation, acked)
            except Exception:
                log.exception("foreign ack handler %r failed", handler)

    def _hand_over(self, handlers: list[PayloadHandler], payload: bytes, what: str) -> None:
        with self._lock:
            targets = list(handlers)
        for handler in targets:
            try:
                handler(payload)
            except Exception:
                log.exception("%s handler %r failed", what, handler)


def _count(value: object) -> int | None:
    """A whole number 0..``MAX_QUEUE_FIGURE`` from JSON (``3`` or ``3.0``), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 <= value <= MAX_QUEUE_FIGURE:  # also refuses NaN
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _parse_ts(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


__all__ = [
    "MAX_QUEUE_FIGURE",
    "Ack",
    "ForeignAckHandler",
    "Handlers",
    "PayloadHandler",
    "QueueFigures",
    "json_object",
    "parse_ack",
    "parse_queue_figures",
    "parse_server_state",
]

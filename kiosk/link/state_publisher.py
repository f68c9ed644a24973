"""What the kiosk says about itself, retained: the Will, the birth, the health snapshot,
``config/reported`` and the goodbye (docs/mqtt-contract.md, "State and health").

On ``kiosk/v1/{id}/state`` the broker holds one of three: the birth (``online: true``,
published after each connection's SUBACK and for the ``state.republish`` command), the
goodbye (``online: false, reason: shutdown``, from ``stop()``) or the Will (``online:
false``, published by the broker when the kiosk vanished). Each carries this run's session
number and the database's incarnation. The health snapshot goes right after the birth, on
every change of a device's health, and at least every ``health_interval_s``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from kiosk.devices.health import HealthBoard
from kiosk.link.blob_sender import BlobSender
from kiosk.link.topics import Topics
from kiosk.link.tuning import LinkTuning
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


def read_boot_id(path: Path = BOOT_ID_PATH) -> str:
    """The operating system's boot id, or a fresh uuid7 when it cannot be read.

    The birth carries it so the server can tell a reboot of the kiosk from a restart of
    the program (the session number counts both).
    """
    try:
        return path.read_text(encoding="ascii").strip() or uuid7()
    except OSError as exc:
        log.info("no boot id at %s (%s); using a fresh uuid7", path, exc.strerror)
        return uuid7()


def compact_json(body: dict[str, Any]) -> bytes:
    """``body`` as UTF-8 JSON without spaces (what every payload of the kiosk looks like)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class StatePublisher:
    """Builds and publishes the kiosk's retained messages about itself.

    Args:
        topics: the kiosk's topics.
        session: this run's session number.
        office: the office id (in the birth).
        outbox: for the incarnation, the first seq and the backlog figures.
        health: the device health board.
        boot_id: the operating system's boot id (in the birth).
        version: the program's version (in the birth).
        tuning: the health interval and how long the goodbye waits for its PUBACK.
        blobs: the image sender (its backlog goes into the health snapshot), or None.
    """

    def __init__(
        self,
        *,
        topics: Topics,
        session: int,
        office: str,
        outbox: Outbox,
        health: HealthBoard,
        boot_id: str,
        version: str,
        tuning: LinkTuning,
        blobs: BlobSender | None,
    ):
        self._topics = topics
        self._session = session
        self._office = office
        self._outbox = outbox
        self._health = health
        self._boot_id = boot_id
        self._version = version
        self._t = tuning
        self._blobs = blobs
        self._lock = threading.Lock()
        self._config_reported: bytes | None = None  # retained config/reported, re-sent
        self.next_health_at: float | None = None  # monotonic; None: not on a connection

    def will(self) -> bytes:
        """The Will the broker publishes on ``state`` when the kiosk vanishes."""
        return compact_json(
            {"online": False, "session": self._session, "incarnation": self._outbox.incarnation}
        )

    def birth(self, client: mqtt.Client) -> None:
        """The retained birth, then the health snapshot and ``config/reported``."""
        birth = {
            "online": True,
            "session": self._session,
            "incarnation": self._outbox.incarnation,
            "first_seq": self._outbox.first_seq,
            "boot_id": self._boot_id,
            "version": self._version,
            "site": {"office": self._office},
        }
        client.publish(self._topics.state, compact_json(birth), qos=1, retain=True)
        self.health(client)
        self.config_reported(client)

    def health(self, client: mqtt.Client) -> None:
        """The retained health snapshot; the next is due ``health_interval_s`` later."""
        oldest = self._outbox.oldest_created()
        now = datetime.now(UTC)
        snapshot = {
            "v": PAYLOAD_VERSION,
            "ts": rfc3339(now),
            "session": self._session,
            "devices": {
                name: health.as_dict() for name, health in sorted(self._health.snapshot().items())
            },
            "outbox_depth": self._outbox.depth(),
            "oldest_unacked_age_s": (
                round(max((now - oldest).total_seconds(), 0.0), 3) if oldest else 0.0
            ),
            "dropped_telemetry": self._outbox.dropped_telemetry(),
        }
        if self._blobs is not None and self._blobs.sends_photos:
            snapshot["photo_transfer"] = self._blobs.backlog()
        client.publish(self._topics.health, compact_json(snapshot), qos=1, retain=True)
        self.next_health_at = time.monotonic() + self._t.health_interval_s

    def health_due(self, now: float) -> bool:
        """The periodic health snapshot is due (on a connection)."""
        return self.next_health_at is not None and now >= self.next_health_at

    def set_config_reported(self, body: dict[str, Any]) -> None:
        """Keep ``body`` as the ``config/reported`` to publish (thread-safe)."""
        with self._lock:
            self._config_reported = compact_json(body)

    def config_reported(self, client: mqtt.Client) -> None:
        """The retained ``config/reported``, if one was set."""
        with self._lock:
            body = self._config_reported
        if body is not None:
            client.publish(self._topics.config_reported, body, qos=1, retain=True)

    def goodbye(self, client: mqtt.Client) -> mqtt.MQTTMessageInfo:
        """The retained ``online: false, reason: shutdown``; waits up to ``stop_timeout_s``
        for its PUBACK (logged if it does not come; 0: not waited for, the connector waits
        for it before the DISCONNECT). Returns the publish, for the connector."""
        goodbye = {
            "online": False,
            "session": self._session,
            "incarnation": self._outbox.incarnation,
            "reason": "shutdown",
        }
        info = client.publish(self._topics.state, compact_json(goodbye), qos=1, retain=True)
        if self._t.stop_timeout_s <= 0:
            return info  # NOTE: a simulated fleet reads the PUBACK on this same thread, later
        try:
            info.wait_for_publish(self._t.stop_timeout_s)
        except (RuntimeError, ValueError) as exc:
            log.warning("shutdown state of %s not sent: %s", self._topics.kiosk_id, exc)
        if not info.is_published():
            log.warning(
                "no PUBACK for the shutdown state of %s within %.1f s",
                self._topics.kiosk_id,
                self._t.stop_timeout_s,
            )
        return info


__all__ = [
    "BOOT_ID_PATH",
    "PAYLOAD_VERSION",
    "StatePublisher",
    "compact_json",
    "read_boot_id",
]

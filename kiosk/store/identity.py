"""The identity marker: a small file next to the database that outlives it.

``<state_dir>/kiosk.identity`` (0600, JSON, replaced atomically)::

    {"v": 1, "kiosk": "chuo-lobby-1", "incarnation": "<uuid>", "session": 41,
     "numbering": {"business_day": "2026-11-27", "reserved": {"certificates": 100}}}

It answers three questions the database cannot answer once it is lost:

* *has this kiosk run here before?* A new database next to a marker is a replaced
  database (reported to the server), not a first start.
* *which session comes next?* Sessions keep counting up across a replaced database.
* *which ticket numbers may already have been printed today?* Before a ticket number
  beyond the reservation is committed, the reservation grows by ``RESERVE_BLOCK`` and is
  written here first (one small durable write every 50 tickets of a service). A replaced
  database continues after the reservation: no number of the day is ever handed out
  twice, offline included, and without a limit on how fast tickets may be taken.
  (A series derived from the time of day would need such a limit to be collision-free.)
"""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.errors import StoreError, StoreFullError
from kiosk.store.files import write_private

log = logging.getLogger(__name__)

MARKER_NAME = "kiosk.identity"
MARKER_VERSION = 1
RESERVE_BLOCK = 50
"""Ticket numbers reserved per write of the marker."""


class MarkerError(StoreError):
    """Raised when the identity marker cannot be read (damaged) or written."""


class MarkerFullError(MarkerError, StoreFullError):
    """Raised when the identity marker cannot be written because the disk is full."""


@dataclass(frozen=True)
class Identity:
    """What the marker holds.

    Attributes:
        kiosk: the kiosk id that wrote it.
        incarnation: the incarnation of the database it last saw.
        session: the last session number handed out.
        business_day: the day of ``reserved`` (``YYYY-MM-DD``), empty when none.
        reserved: per service, the highest ticket number that may have been handed out.
    """

    kiosk: str
    incarnation: str
    session: int = 0
    business_day: str = ""
    reserved: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The marker file's bytes."""
        body: dict[str, Any] = {
            "v": MARKER_VERSION,
            "kiosk": self.kiosk,
            "incarnation": self.incarnation,
            "session": self.session,
            "numbering": {"business_day": self.business_day, "reserved": dict(self.reserved)},
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Identity:
        """Parse the marker file.

        Raises:
            MarkerError: not a marker (damaged, truncated, another format).
        """
        try:
            body = json.loads(data.decode("utf-8"))
            numbering = body.get("numbering") or {}
            reserved = numbering.get("reserved") or {}
            identity = cls(
                kiosk=str(body["kiosk"]),
                incarnation=str(body["incarnation"]),
                session=int(body.get("session", 0)),
                business_day=str(numbering.get("business_day", "")),
                reserved={str(k): int(v) for k, v in dict(reserved).items()},
            )
        except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise MarkerError(f"the identity marker is damaged: {exc}") from exc
        if body.get("v") != MARKER_VERSION or not identity.incarnation:
            raise MarkerError(f"the identity marker has an unknown form: {body!r:.200}")
        return identity


class IdentityMarker:
    """The marker file of one state folder; thread-safe.

    Args:
        folder: the state folder.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / MARKER_NAME
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._failure_listeners: list[Callable[[StoreError], None]] = []

    def add_failure_listener(self, listener: Callable[[StoreError], None]) -> None:
        """Call ``listener(error)`` when the marker could not be written; must only signal."""
        self._failure_listeners.append(listener)

    def read(self) -> Identity | None:
        """The marker as on disk (and kept), or None when there is none.

        Raises:
            MarkerError: the file is there but damaged.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise MarkerError(f"cannot read {self.path}: {exc}") from exc
        identity = Identity.from_json(data)
        with self._lock:
            self._identity = identity
        return identity

    @property
    def identity(self) -> Identity | None:
        """The marker as last read or written."""
        with self._lock:
            return self._identity

    def write(self, identity: Identity) -> None:
        """Replace the marker (atomically, durably).

        Raises:
            MarkerError: it could not be written (a full disk).
        """
        with self._lock:
            self._write(identity)

    def _write(self, identity: Identity) -> None:
        try:
            write_private(self.folder, MARKER_NAME, identity.to_json())
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
            error = (MarkerFullError if full else MarkerError)(f"cannot write {self.path}: {exc}")
            for listener in self._failure_listeners:
                listener(error)
            raise error from exc
        self._identity = identity

    def reserve(self, business_day: str, service: str, number: int) -> None:
        """Make sure ``number`` of ``service`` on ``business_day`` is reserved in the file.

        Call before the ticket number is committed. Writes only when ``number`` goes past
        the reservation (then ``RESERVE_BLOCK`` numbers at once); a new business day starts
        a new reservation.

        Raises:
            MarkerError: the reservation could not be written: the number must not be used.
        """
        with self._lock:
            current = self._identity
            if current is None:
                raise MarkerError("the identity marker was never written in this run")
            reserved = dict(current.reserved) if current.business_day == business_day else {}
            if number <= reserved.get(service, 0):
                return
            reserved[service] = number + RESERVE_BLOCK - 1
            self._write(replace(current, business_day=business_day, reserved=reserved))
            log.info("ticket numbers of %s reserved up to %d", service, reserved[service])


__all__ = [
    "MARKER_NAME",
    "RESERVE_BLOCK",
    "Identity",
    "IdentityMarker",
    "MarkerError",
]

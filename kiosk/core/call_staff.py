"""The call-staff button: a call raises an event for the server and lights the lamp until staff
acknowledge it (issue 13).

A call is ``assist.staff_called`` in the outbox (a person waits for it, so it is never
dropped as telemetry); pressing again while a call is open adds nothing (someone pressing
twice, or a child pressing ten times, is still one person waiting). Staff acknowledge from
the server (the signed command ``assist.acknowledge``: the lead's staff app sends it) or
from the kiosk itself; ``assist.staff_call_acknowledged`` says how long the person waited.
The lamp follows :attr:`CallStaffService.open_call` through :meth:`subscribe`.

The open call is kept in the store (:mod:`kiosk.store.staff_calls`, written with its events):
a restart with the lamp lit restores it, same ``call_id`` and time, and lights the lamp again.
An acknowledgement takes only the call it names (the command must name one): a late one for
a call already taken at the kiosk never puts out the lamp of the next person's call.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.core import events
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.commands import CommandError
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.staff_calls import (
    OpenCallRecord,
    clear_open_call,
    load_open_call,
    save_open_call,
)
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

ACKNOWLEDGE_COMMAND = "assist.acknowledge"
"""The server command that acknowledges the open call (``args.call_id``: that call, required;
``args.by``: who, optional)."""
MAX_BY = 64
"""Characters of ``by`` (who acknowledged) kept in the event."""
_CALL_ID_RE = re.compile(r"[0-9a-f-]{1,64}")  # a uuid7 as this kiosk writes it


@dataclass(frozen=True)
class StaffCall:
    """An open call: its id, when and how it was made."""

    call_id: str
    at: datetime
    via: str


CallListener = Callable[[StaffCall | None], None]
"""Gets the open call, or None once it is acknowledged (the lamp, the screen)."""


class CallStaffService:
    """Raises and acknowledges staff calls (thread-safe; see the module docstring).

    The call left open by the previous run is read from ``db`` here.

    Raises (from the constructor, ``call`` and ``acknowledge``):
        StoreError: the store could not be read, or the event could not be committed
            (nothing changed).
    """

    def __init__(
        self, db: Database, outbox: Outbox, kiosk_id: str, clock: Clock | None = None
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._kiosk_id = kiosk_id
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._open: StaffCall | None = None
        stored = load_open_call(db)
        if stored is not None:
            self._open = StaffCall(stored.call_id, stored.at, stored.via)
            log.warning(
                "staff call %s (%s, %s) is still open from before the restart",
                stored.call_id,
                stored.via,
                rfc3339(stored.at),
            )
        self._listeners: list[CallListener] = []

    def subscribe(self, listener: CallListener) -> None:
        """Tell ``listener`` now and on every change (from the caller's thread)."""
        with self._lock:
            self._listeners.append(listener)
            current = self._open
        listener(current)

    @property
    def open_call(self) -> StaffCall | None:
        """The call waiting for staff, if any."""
        with self._lock:
            return self._open

    def call(self, via: str = "button") -> StaffCall | None:
        """Call staff; returns the new call, or None when one is already open."""
        with self._lock:
            if self._open is not None:
                log.info(
                    "call-staff pressed again (%s): call %s still open", via, self._open.call_id
                )
                return None
            call = StaffCall(str(uuid7()), self._clock.now(), via)
            with self._db.transaction() as tx:
                self._outbox.append(
                    tx,
                    events.ASSIST,
                    events.ASSIST_STAFF_CALLED,
                    {"call_id": call.call_id, "at": rfc3339(call.at), "via": via},
                )
                save_open_call(tx, OpenCallRecord(call.call_id, call.at, call.via))
            self._open = call
            listeners = list(self._listeners)
        log.warning("staff called at the kiosk (%s, call %s)", via, call.call_id)
        self._notify(listeners, call)
        return call

    def acknowledge(self, via: str, by: str = "", call_id: str | None = None) -> StaffCall | None:
        """Staff took the call: the lamp goes out.

        Args:
            via: how (``command``: the server's; ``diagnostics``: the technicians' screen).
            by: who (a staff id; may be empty).
            call_id: take only this call (None: whichever is open).

        Returns:
            The call, or None if none was open (or the open one is not ``call_id``).
        """
        with self._lock:
            call = self._open
            if call is None:
                return None
            if call_id is not None and call_id != call.call_id:
                log.info(
                    "acknowledgement of call %s ignored: call %s is the open one",
                    call_id,
                    call.call_id,
                )
                return None
            now = self._clock.now()
            waited = max(0.0, (now - call.at).total_seconds())
            with self._db.transaction() as tx:
                self._outbox.append(
                    tx,
                    events.ASSIST,
                    events.ASSIST_STAFF_CALL_ACKNOWLEDGED,
                    {
                        "call_id": call.call_id,
                        "via": via,
                        "by": by,
                        "waited_s": round(waited, 1),
                    },
                )
                clear_open_call(tx)
            self._open = None
            listeners = list(self._listeners)
        log.info(
            "staff call %s acknowledged (%s%s) after %.0f s",
            call.call_id,
            via,
            f" by {by}" if by else "",
            waited,
        )
        self._notify(listeners, None)
        return call

    def handle_command(self, args: Mapping[str, Any]) -> Mapping[str, Any]:
        """``assist.acknowledge``: acknowledge the call ``args.call_id`` if it is the open one
        (``args.by``: who); the result says whether it was.

        Raises:
            CommandError: ``bad_args`` without a ``call_id`` (or with one that is no call id).
        """
        by = args.get("by", "")
        wanted = args.get("call_id")
        # NOTE: the command names the call it answers. One that named none took whichever
        # call was open: a late acknowledgement of an earlier call (taken at the kiosk
        # meanwhile) put out the lamp of the next person, who then waited unseen.
        if not isinstance(wanted, str) or not _CALL_ID_RE.fullmatch(wanted):
            raise CommandError("bad_args", f"assist.acknowledge needs a call_id: {wanted!r:.60}")
        if isinstance(by, int) and not isinstance(by, bool):
            by = str(by)
        call = self.acknowledge(
            "command", by[:MAX_BY] if isinstance(by, str) else "", call_id=wanted
        )
        return {"acknowledged": call is not None, "call_id": call.call_id if call else None}

    @staticmethod
    def _notify(listeners: list[CallListener], call: StaffCall | None) -> None:
        for listener in listeners:
            try:
                listener(call)
            except Exception:  # NOTE: a failing lamp must not undo a committed call
                log.exception("a staff-call listener failed")

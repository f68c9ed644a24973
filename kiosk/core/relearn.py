"""Re-learning after a replaced state database (issue 10, item 5).

A kiosk whose database was lost, emptied or damaged (see :mod:`kiosk.store.opening`) must
not act as if it were new: it would print numbers of the day again, accept a used booking
again, and forget the passports in its compartments. So, before the journeys open:

* **reported**: a ``store.replaced`` event (reason, previous incarnation, files moved
  aside) goes to the server, and the ``store`` health is ``degraded/relearning`` until the
  server has answered;
* **ticket numbers** go on after the identity marker's reservation (already in the new
  database when it was made: exact, offline too). The server's answer can only raise them:
  without a marker (the whole state folder was lost) its last known number of each service
  plus a tail of ``TAIL_TICKETS_PER_MINUTE`` for each minute between the last event it
  holds and the replacement is taken as used. That tail is an assumption (no kiosk issues
  more than one ticket a second per service), the only one in this design, and only for a
  lost marker;
* **used bookings** come back from the server (the signed ``store.relearn`` command, in
  answer to ``store.replaced``) and are stored as used (outcome ``relearned``);
* **the locker** reads its doors and item sensors and marks every compartment it cannot
  vouch for ``unknown`` (:func:`kiosk.core.handover.recovery.relearn_occupancy`) until
  staff check it.

The screen says "getting ready" (``relearning``) until the server answers or
``RELEARN_WAIT_S`` pass (an offline kiosk then opens: its numbers are safe, used bookings
are not known until the server answers, and check-ins stay reported to the server).

A kiosk without a marker finds out from the server: a retained ack of another incarnation
of its id reaches a database that was never acknowledged. It then reports the replacement
(``server_knew_previous``) and re-learns the same way, late.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.commands import CommandError
from kiosk.core.numbering import business_day
from kiosk.errors import StoreError
from kiosk.store.database import Database
from kiosk.store.health import StoreHealthMonitor
from kiosk.store.kv import kv_get, kv_set
from kiosk.store.opening import RELEARN, REPLACED, Replacement
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.tickets import TicketRepository
from kiosk.store.used_bookings import UsedBookingRepository

if TYPE_CHECKING:
    # NOTE: a type only: importing the hand-over package would load all of it at start-up,
    # also on a kiosk without a locker (issue 14, cold start).
    from kiosk.core.handover.recovery import CompartmentCheck

log = logging.getLogger(__name__)

RELEARN_ACTION = "store.relearn"
"""The server's signed command with what a replaced database must know again."""

RELEARN_WAIT_S = 30.0
"""How long the screen waits for the server's answer before the journeys open anyway."""

TAIL_TICKETS_PER_MINUTE = 60
"""Without a marker: tickets a service may have issued per minute after the server's last
event (the assumption of this design; see the module docs)."""

LOCKER_DONE = "store.relearn.locker"  # kv: the compartments were checked
MAX_ENTRIES = 2000  # per command, per list: a larger answer is refused, not half-applied

RelearnListener = Callable[[bool], object]
"""``listener(pending)``: called when re-learning starts (late) or ends; must only signal."""


class StoreRelearn:
    """What a replaced database does until it knows again what the lost one knew.

    Args:
        db: the new database.
        outbox: events go here.
        clock: the time source.
        office: this kiosk's office (stored with re-learned bookings).
        timezone: for the business day.
        reset_time: when ticket numbering restarts.
        service_ids: the configured services (the tail applies to each).
        replacement: what the opener found (None: a database that simply went on).
        monitor: the store's health (``degraded/relearning`` while pending).
    """

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        clock: Clock,
        *,
        office: str,
        timezone: ZoneInfo,
        reset_time: time,
        service_ids: Sequence[str],
        replacement: Replacement | None,
        monitor: StoreHealthMonitor | None = None,
    ):
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._office = office
        self._timezone = timezone
        self._reset_time = reset_time
        self._service_ids = tuple(service_ids)
        self._monitor = monitor
        self._lock = threading.Lock()
        self._listeners: list[RelearnListener] = []
        self._replacement = replacement
        self._pending = replacement is not None
        if self._pending and monitor is not None:
            monitor.set_relearning(True)

    @property
    def pending(self) -> bool:
        """True until the server's answer was applied."""
        with self._lock:
            return self._pending

    @property
    def replacement(self) -> Replacement | None:
        """Why this database is new (None: it is not)."""
        with self._lock:
            return self._replacement

    def add_listener(self, listener: RelearnListener) -> None:
        """Call ``listener(pending)`` when re-learning starts late or ends."""
        with self._lock:
            self._listeners.append(listener)

    # -- at start -------------------------------------------------------------------------------

    def report(self) -> None:
        """Put ``store.replaced`` into the outbox (again at each start while pending: the
        server's answer may have expired while the kiosk was offline).

        Raises:
            StoreError: the event could not be stored.
        """
        replacement = self.replacement
        if replacement is None or not self.pending:
            return
        with self._db.transaction() as tx:
            self._outbox.append(
                tx,
                events.DEVICE,
                events.STORE_REPLACED,
                {
                    **replacement.as_event(),
                    "incarnation": self._outbox.incarnation,
                    "repeat": replacement.reported,
                },
            )
            kv_set(
                tx,
                REPLACED,
                dataclasses.replace(replacement, reported=True).to_json(),
            )
        with self._lock:
            self._replacement = dataclasses.replace(replacement, reported=True)
        log.warning(
            "store.replaced reported (%s, previous incarnation %s)",
            replacement.reason,
            replacement.previous_incarnation or "unknown",
        )

    def relearn_locker(
        self, occupancy: Callable[[], list[CompartmentCheck]]
    ) -> list[CompartmentCheck]:
        """Mark the compartments the kiosk cannot vouch for (once per replacement).

        Args:
            occupancy: reads the sensors and marks them
                (``HandoverService.relearn_occupancy``, under the hand-over's lock).

        Raises:
            StoreError: nothing was marked.
        """
        if not self.pending:
            return []
        with self._db.reading() as conn:
            if kv_get(conn, LOCKER_DONE) == "1":
                return []
        checks = occupancy()
        with self._db.transaction() as tx:
            kv_set(tx, LOCKER_DONE, "1")
        return checks

    # -- the server's side ----------------------------------------------------------------------

    def on_foreign_ack(self, incarnation: str, acked: int) -> None:
        """The link got a retained ack of another incarnation of this kiosk id.

        A database that was never acknowledged and knows of no replacement learns this
        way that the server knew an earlier one (the marker was lost too): it reports
        the replacement and re-learns (late: the journeys are already open).
        """
        with self._lock:
            if self._replacement is not None:
                return
        try:
            if self._outbox.acked_seq() > 0:
                return  # our own acks came before: a stray ack, not a lost database
            now = self._clock.now()
            replacement = Replacement(
                "server_knew_previous",
                incarnation,
                detail=f"the server's retained ack covers seq {acked} of {incarnation}",
                detected_at=rfc3339(now),
            )
            with self._db.transaction() as tx:
                if kv_get(tx, REPLACED) is not None:
                    return
                kv_set(tx, REPLACED, replacement.to_json())
                kv_set(tx, RELEARN, "pending")
        except StoreError:
            log.exception("a replacement the server told of could not be stored")
            return
        log.error(
            "the server knew incarnation %s of this kiosk; this database (%s) replaces it",
            incarnation,
            self._outbox.incarnation,
        )
        with self._lock:
            self._replacement = replacement
            self._pending = True
            listeners = list(self._listeners)
        if self._monitor is not None:
            self._monitor.set_relearning(True)
        try:
            self.report()
        except StoreError:
            log.exception("store.replaced could not be stored")
        for listener in listeners:
            listener(True)

    def handle_command(self, args: Mapping[str, Any]) -> Mapping[str, Any]:
        """``store.relearn``: apply what the server knew of the previous incarnation.

        Args (see docs/mqtt-contract.md): ``incarnation`` (must be ours),
        ``previous_incarnation``, ``tickets`` ``[{business_day, service, last_number}]``,
        ``events_until`` (RFC 3339 of the last event the server holds of the previous
        incarnation, or ""), ``used_bookings`` ``[{booking_id, code, used_at}]``, ``final``.

        Raises:
            CommandError: ``bad_args``, ``wrong_incarnation`` or ``store_unavailable``.
        """
        if args.get("incarnation") != self._outbox.incarnation:
            raise CommandError(
                "wrong_incarnation",
                f"relearn for {args.get('incarnation')!r}, this database is "
                f"{self._outbox.incarnation}",
            )
        tickets = _entries(args, "tickets")
        bookings = _entries(args, "used_bookings")
        final = args.get("final", True)
        if not isinstance(final, bool):
            raise CommandError("bad_args", "final must be true or false")
        now = self._clock.now()
        try:
            numbers, possible_duplicates = self._apply_numbers(tickets, args, now)
            learned = self._apply_bookings(bookings, str(args.get("previous_incarnation", "")))
            if final:
                self._finish(numbers, learned, possible_duplicates, args)
        except StoreError as exc:
            raise CommandError("store_unavailable", str(exc)) from exc
        return {
            "next_numbers": numbers,
            "used_bookings_learned": learned,
            "possible_duplicate_numbers": possible_duplicates,
            "done": final,
        }

    def _apply_numbers(
        self, tickets: list[Mapping[str, Any]], args: Mapping[str, Any], now: datetime
    ) -> tuple[dict[str, int], int]:
        day = business_day(now, self._timezone, self._reset_time)
        known: dict[str, int] = {}
        for entry in tickets:
            if entry.get("business_day") != day.isoformat():
                continue
            service, number = entry.get("service"), entry.get("last_number")
            if not isinstance(service, str) or not isinstance(number, int) or not _count(number):
                raise CommandError("bad_args", f"bad ticket entry {entry!r:.200}")
            known[service] = max(known.get(service, 0), number)
        with self._lock:
            replacement = self._replacement
        marker_numbering = replacement is not None and replacement.marker
        tail = 0
        if not marker_numbering:
            tail = self._tail(day, args, replacement)
        numbers: dict[str, int] = {}
        possible_duplicates = 0
        with self._db.transaction() as tx:
            for service in sorted(set(self._service_ids) | set(known)):
                floor = known.get(service, 0) + tail
                if floor <= 0:
                    numbers[service] = (
                        TicketRepository.last_number(tx, day.isoformat(), service) + 1
                    )
                    continue
                if not marker_numbering:
                    # NOTE: only without a marker can this database have printed numbers the
                    # old one printed too (before the server's ack told it); say how many.
                    possible_duplicates += TicketRepository.issued_up_to(
                        tx, day.isoformat(), service, floor
                    )
                last = TicketRepository.raise_counter(tx, day.isoformat(), service, floor)
                numbers[service] = last + 1
        return numbers, possible_duplicates

    def _tail(self, day: date, args: Mapping[str, Any], replacement: Replacement | None) -> int:
        """Numbers a service may have issued after the server's last event (no marker)."""
        day_start = datetime.combine(day, self._reset_time, tzinfo=self._timezone)
        since = day_start
        until_text = args.get("events_until")
        if isinstance(until_text, str) and until_text:
            until = _parse_time(until_text)
            if until is not None:
                since = max(since, until)
        detected = _parse_time(replacement.detected_at) if replacement is not None else None
        end = detected or self._clock.now()
        minutes = max(0.0, (end - since).total_seconds() / 60.0)
        return TAIL_TICKETS_PER_MINUTE * (math.ceil(minutes) + 1)

    def _apply_bookings(self, bookings: list[Mapping[str, Any]], previous: str) -> int:
        learned = 0
        with self._db.transaction() as tx:
            for entry in bookings:
                booking_id = entry.get("booking_id")
                if not isinstance(booking_id, str) or not booking_id or len(booking_id) > 200:
                    raise CommandError("bad_args", f"bad booking entry {entry!r:.200}")
                code = entry.get("code", "")
                used_at = entry.get("used_at", "")
                detail = {"relearned_from": previous}
                if isinstance(code, str) and code:
                    detail["code"] = code
                if UsedBookingRepository.insert_relearned(
                    tx, booking_id, self._office, str(used_at), detail
                ):
                    learned += 1
        return learned

    def _finish(
        self,
        numbers: dict[str, int],
        learned: int,
        possible_duplicates: int,
        args: Mapping[str, Any],
    ) -> None:
        with self._db.transaction() as tx:
            kv_set(tx, RELEARN, "done")
            self._outbox.append(
                tx,
                events.DEVICE,
                events.STORE_RELEARNED,
                {
                    "previous_incarnation": str(args.get("previous_incarnation", "")),
                    "next_numbers": numbers,
                    "used_bookings_learned": learned,
                    "possible_duplicate_numbers": possible_duplicates,
                },
            )
        log.warning(
            "re-learned from the server: next numbers %s, %d used bookings", numbers, learned
        )
        with self._lock:
            self._pending = False
            listeners = list(self._listeners)
        if self._monitor is not None:
            self._monitor.set_relearning(False)
        for listener in listeners:
            listener(False)


def _entries(args: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = args.get(name, [])
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise CommandError("bad_args", f"{name} must be a list of at most {MAX_ENTRIES}")
    if not all(isinstance(entry, dict) for entry in value):
        raise CommandError("bad_args", f"{name} must hold objects")
    return value


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


__all__ = [
    "RELEARN_ACTION",
    "RELEARN_WAIT_S",
    "TAIL_TICKETS_PER_MINUTE",
    "StoreRelearn",
]

"""The hand-over's desk: what the server and staff do besides a journey.

The server assigns and cancels cases; staff review returned passports and clear
compartments; a technician opens a door for maintenance (never one that may hold a
document). The configured compartments are written to the store at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.core import events
from kiosk.core.handover.engine import HandoverEngine
from kiosk.core.handover.outcome import CaseListing, MaintenanceOpen, StaffLists
from kiosk.core.handover.pins import PinVerifier
from kiosk.core.handover.settings import SIZES
from kiosk.devices.locker.protocol import DoorState, LockerError
from kiosk.errors import StoreError
from kiosk.store.handover import CaseRow, CompartmentRow
from kiosk.store.outbox import rfc3339

log = logging.getLogger(__name__)


class HandoverDesk:
    """Cases, compartments and maintenance opens.

    Args:
        engine: the hand-over's shared inside.
    """

    def __init__(self, engine: HandoverEngine):
        self._engine = engine

    def sync_compartments(self) -> None:
        """Store the configured compartments (a store failure refuses hand-overs later)."""
        engine = self._engine
        at = rfc3339(engine.clock.now())
        try:
            with engine.journal.transaction() as tx:
                for door, size in sorted(engine.settings.compartments.items()):
                    engine.repo.ensure_compartment(tx, door, size, "case", at)
                for door in engine.settings.return_doors:
                    engine.repo.ensure_compartment(tx, door, "M", "return", at)
        except StoreError:
            log.exception("compartments could not be stored; hand-overs will be refused")

    def assign_case(
        self, case_id: str, size: str, *, has_old_passport: bool, pin_verifier: str = ""
    ) -> bool:
        """The server assigned a case to this kiosk (see ``HandoverService.assign_case``).

        Raises:
            PinVerifierError: a malformed verifier.
            ValueError: an unknown size.
            StoreError: nothing was stored.
        """
        if size not in SIZES:
            raise ValueError(f"case {case_id}: size {size!r} not one of {SIZES}")
        if pin_verifier:
            PinVerifier.parse(pin_verifier)
        engine = self._engine
        now = engine.clock.now()
        at = rfc3339(now)
        with engine.lock, engine.journal.transaction() as tx:
            existing = engine.repo.case(tx, case_id)
            if existing is not None and existing.state != "assigned":
                log.warning(
                    "assignment of case %s refused: it is %s (door %s); cancel it first",
                    case_id,
                    existing.state,
                    existing.door,
                )
                return False
            if existing is not None and (
                existing.size,
                existing.has_old_passport,
                existing.pin_verifier,
            ) == (size, has_old_passport, pin_verifier):
                return True  # the same assignment again: nothing changes
            engine.repo.upsert_case(
                tx,
                CaseRow(
                    case_id=case_id,
                    office=engine.settings.office,
                    size=size,
                    has_old_passport=has_old_passport,
                    pin_verifier=pin_verifier,
                    state="assigned",
                    door=None,
                    pin_failures=0,
                    returned="",
                    return_reviewed=False,
                    assigned_at=at,
                    updated_at=at,
                ),
            )
            engine.journal.event(
                tx,
                events.HANDOVER_CASE_ASSIGNED,
                {"case_id": case_id, "size": size, "has_old_passport": has_old_passport},
                now,
            )
        return True

    def cancel_case(self, case_id: str) -> bool:
        """The server cancelled a case (see ``HandoverService.cancel_case``).

        Raises:
            StoreError: nothing was stored.
        """
        engine = self._engine
        now = engine.clock.now()
        with engine.lock, engine.journal.transaction() as tx:
            case = engine.repo.case(tx, case_id)
            if case is None or case.state in ("loading", "collecting", "collected"):
                return False
            engine.repo.update_case(tx, case_id, rfc3339(now), state="cancelled")
            engine.journal.event(
                tx, events.HANDOVER_CASE_CANCELLED, {"case_id": case_id, "door": case.door}, now
            )
        return True

    def compartments(self) -> list[CompartmentRow]:
        """Every compartment and what it holds."""
        engine = self._engine
        with engine.journal.db.reading() as conn:
            return engine.repo.compartments(conn)

    def case(self, case_id: str) -> CaseRow | None:
        """One case."""
        engine = self._engine
        with engine.journal.db.reading() as conn:
            return engine.repo.case(conn, case_id)

    def returned_passports(self) -> list[CaseRow]:
        """Cases whose old passport came back and waits for staff review."""
        engine = self._engine
        with engine.journal.db.reading() as conn:
            return [c for c in engine.repo.cases(conn) if c.returned and not c.return_reviewed]

    def staff_lists(self) -> StaffLists:
        """The staff screens' lists: cases to load and returned passports to review."""
        engine = self._engine
        with engine.journal.db.reading() as conn:
            cases = engine.repo.cases(conn)
            to_load = engine.repo.cases(conn, "assigned")
        returned = [c for c in cases if c.returned and not c.return_reviewed]
        return StaffLists(
            tuple(CaseListing.of(c) for c in to_load),
            tuple(CaseListing.of(c) for c in returned),
        )

    def mark_return_reviewed(self, case_id: str, staff_id: str) -> bool:
        """Staff took the old passport of ``case_id`` out and cancelled it.

        Frees its return compartment. Returns False when there is nothing to review.

        Raises:
            StoreError: nothing was stored.
        """
        engine = self._engine
        now = engine.clock.now()
        at = rfc3339(now)
        with engine.lock, engine.journal.transaction() as tx:
            case = engine.repo.case(tx, case_id)
            if case is None or not case.returned or case.return_reviewed:
                return False
            engine.repo.update_case(tx, case_id, at, return_reviewed=1)
            if case.returned.startswith("door:"):
                door = int(case.returned.split(":", 1)[1])
                compartment = engine.repo.compartment(tx, door)
                if compartment is not None and compartment.case_id == case_id:
                    engine.repo.set_compartment(tx, door, "free", "", at)
            engine.journal.event(
                tx,
                events.HANDOVER_RETURN_REVIEWED,
                {"case_id": case_id, "staff_id": staff_id, "where": case.returned},
                now,
            )
        return True

    def open_for_maintenance(self, door: int, fire: Callable[[], str]) -> MaintenanceOpen:
        """Fire ``door`` unless it may hold a document (see
        ``HandoverService.open_for_maintenance``).

        Raises:
            StoreError: the state could not be read (nothing fired).
        """
        with self._engine.lock:
            refusal = self._maintenance_refusal(door)
            if refusal is not None:
                reason, detail = refusal
                log.warning("maintenance open of door %d refused (%s): %s", door, reason, detail)
                return MaintenanceOpen(False, reason, detail)
            return MaintenanceOpen(True, "", fire())

    def _maintenance_refusal(self, door: int) -> tuple[str, str] | None:
        engine = self._engine
        if any(door in r.allowed_doors() for r in engine.journal.live()):
            return "door_in_use", f"door {door} is in a hand-over right now"
        with engine.journal.db.reading() as conn:
            compartment = engine.repo.compartment(conn, door)
            holders = [
                c.case_id
                for c in engine.repo.cases(conn)
                if c.door == door and c.state not in ("collected", "withdrawn")
            ]
        if compartment is not None and compartment.case_id:
            return "door_has_case", (
                f"door {door} is {compartment.state} with case {compartment.case_id}"
            )
        if holders:
            return "door_has_case", f"door {door} is the compartment of case {holders[0]}"
        if compartment is not None and compartment.state not in ("free", "fault"):
            return "door_not_free", f"door {door} is {compartment.state}"
        try:
            status = engine.read_doors().get(door)
        except LockerError as exc:
            return "content_unknown", f"the locker cannot be read: {exc}"
        if status is None or status.state is DoorState.UNKNOWN:
            return "content_unknown", f"door {door}'s sensors cannot be read"
        if status.item_present is True:
            return "item_present", f"the item sensor of door {door} sees something inside"
        return None

    def clear_compartment(self, door: int, staff_id: str) -> bool:
        """Staff emptied and checked a compartment (see ``HandoverService.clear_compartment``).

        Raises:
            StoreError: nothing was stored.
        """
        engine = self._engine
        now = engine.clock.now()
        at = rfc3339(now)
        with engine.lock:
            if any(door in r.allowed_doors() for r in engine.journal.live()):
                return False
            with engine.journal.transaction() as tx:
                compartment = engine.repo.compartment(tx, door)
                if compartment is None:
                    return False
                case = engine.repo.case(tx, compartment.case_id) if compartment.case_id else None
                if case is not None and compartment.role == "case" and case.door == door:
                    engine.repo.update_case(tx, case.case_id, at, state="withdrawn")
                if case is not None and compartment.role == "return":
                    engine.repo.update_case(tx, case.case_id, at, return_reviewed=1)
                engine.repo.set_compartment(tx, door, "free", "", at)
                engine.journal.event(
                    tx,
                    events.HANDOVER_COMPARTMENT_CLEARED,
                    {
                        "door": door,
                        "staff_id": staff_id,
                        "was": compartment.state,
                        "case_id": compartment.case_id,
                    },
                    now,
                )
        return True


__all__ = ["HandoverDesk"]

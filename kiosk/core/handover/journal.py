"""The hand-over journal: each step committed, with its outbox event, before the next.

One transaction per step writes the hand-over row, appends the step to ``handover_step``,
appends the ``handover.<step>`` event (category ``handover``) to the outbox and applies the
step's effect on the case and the compartments. A crash leaves either all of it or none.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kiosk.core import events
from kiosk.core.handover.machine import (
    HandoverRecord,
    HandoverState,
    Kind,
    Step,
    Target,
)
from kiosk.errors import StoreError
from kiosk.store.database import Database, Transaction
from kiosk.store.handover import HandoverRepository, HandoverRow
from kiosk.store.outbox import Outbox, rfc3339

log = logging.getLogger(__name__)

StepListener = Callable[[Step], None]

_STAFF_ALERT_STATES = frozenset(
    {
        HandoverState.DOOR_DID_NOT_OPEN,
        HandoverState.LOCKER_FAILED,
        HandoverState.NOT_COLLECTED,
        HandoverState.STAFF_CHECK,
        HandoverState.CASE_LOCKED,
    }
)
_RETURN_REASONS = {"return_held", "return_in_slot_unpunched"}


class HandoverJournal:
    """Durable record of every hand-over step (DESIGN §6).

    Args:
        db: the kiosk database.
        outbox: where the ``handover`` events go.
        listeners: called after each committed step (tests stop a process there; the UI may
            refresh). They run on the committing thread and must not call back.
    """

    def __init__(self, db: Database, outbox: Outbox, listeners: list[StepListener] | None = None):
        self.db = db
        self._outbox = outbox
        self._listeners = list(listeners or [])
        self.repo = HandoverRepository()

    def add_listener(self, listener: StepListener) -> None:
        """Call ``listener(step)`` after every committed step."""
        self._listeners.append(listener)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction whose SQLite errors (disk full, read-only) are StoreErrors."""
        try:
            with self.db.transaction() as tx:
                yield tx
        except sqlite3.Error as exc:
            raise StoreError(f"{self.db.path}: hand-over journal write failed: {exc}") from exc

    def event(self, tx: Transaction, event_type: str, data: dict[str, Any], now: datetime) -> int:
        """Append a ``handover`` event inside ``tx``; returns its seq."""
        appended = self._outbox.append(tx, events.HANDOVER, event_type, data, now=now)
        return 0 if appended is None else appended.seq

    def start(self, step: Step, *, extra: Callable[[Transaction], None] | None = None) -> None:
        """Store a new hand-over with its first step.

        Raises:
            StoreError: nothing was stored.
        """
        self._write(step, new=True, extra=extra)

    def commit(self, step: Step, *, extra: Callable[[Transaction], None] | None = None) -> None:
        """Store one step of a hand-over (and its effects), durably, before anything else.

        Raises:
            StoreError: nothing was stored; the hand-over is as it was.
        """
        self._write(step, new=False, extra=extra)

    def _write(self, step: Step, *, new: bool, extra: Callable[[Transaction], None] | None) -> None:
        record = step.record
        now = record.state_since if new else _step_time(step)
        at = rfc3339(now)
        row = to_row(record, ended_at=at if record.state.terminal else None)
        data: dict[str, Any] = {
            "handover_id": record.id,
            "kind": record.kind.value,
            "case_id": record.case_id,
            "state": record.state.value,
            **step.data,
        }
        with self.transaction() as tx:
            if new:
                self.repo.insert_handover(tx, row)
            else:
                self.repo.update_handover(tx, row)
            seq = self.event(tx, f"handover.{step.name}", data, now)
            self.repo.append_step(
                tx, record.id, step.name, record.state.value, at, dict(step.data), seq
            )
            self._apply_effects(tx, step, at)
            if record.state in _STAFF_ALERT_STATES:
                self.event(
                    tx,
                    events.HANDOVER_STAFF_ALERT,
                    {**data, "reason": record.reason or record.state.value},
                    now,
                )
            if extra is not None:
                extra(tx)
        log.info(
            "hand-over %s (%s, case %s): %s -> %s",
            record.id,
            record.kind.value,
            record.case_id or "-",
            step.name,
            record.state.value,
        )
        for listener in list(self._listeners):
            listener(step)

    def _apply_effects(self, tx: Transaction, step: Step, at: str) -> None:
        """What a step means for the case and the compartments."""
        r = step.record
        repo = self.repo
        state = r.state
        if state is HandoverState.TOKEN_VERIFIED and step.name == "token_verified":
            repo.update_case(tx, r.case_id, at, state="collecting")
            if r.return_door is not None:
                repo.set_compartment(tx, r.return_door, "reserved", r.case_id, at)
            return
        if state is HandoverState.COMPARTMENT_CHOSEN and r.door is not None:
            repo.set_compartment(tx, r.door, "reserved", r.case_id, at)
            repo.update_case(tx, r.case_id, at, state="loading")
            return
        if state is HandoverState.RETURN_CLOSED and r.return_door is not None:
            self._record_return(tx, r, f"door:{r.return_door}", at)
            return
        if state is HandoverState.RETURN_PUNCHED:
            self._record_return(tx, r, "slot", at)
            return
        if not state.terminal or not r.case_id:
            return
        if r.reason in _RETURN_REASONS:
            if r.return_mode == "hold" and r.return_door is not None:
                self._record_return(tx, r, f"door:{r.return_door}", at)
            elif r.reason == "return_in_slot_unpunched":
                self._record_return(tx, r, "slot-unpunched", at)
            else:
                self._record_return(tx, r, "slot", at)
        if r.kind is Kind.LOADING:
            self._end_loading(tx, r, at)
        else:
            self._end_pickup(tx, r, at)

    def _record_return(self, tx: Transaction, r: HandoverRecord, where: str, at: str) -> None:
        self.repo.update_case(tx, r.case_id, at, returned=where, return_reviewed=0)
        if where.startswith("door:") and r.return_door is not None:
            self.repo.set_compartment(tx, r.return_door, "returned", r.case_id, at)

    def _end_loading(self, tx: Transaction, r: HandoverRecord, at: str) -> None:
        repo, state = self.repo, r.state
        if r.door is None:
            return
        if state is HandoverState.LOADED:
            repo.set_compartment(tx, r.door, "loaded", r.case_id, at)
            repo.update_case(tx, r.case_id, at, state="loaded", door=r.door)
        elif state in (HandoverState.LOAD_ABORTED, HandoverState.ABANDONED):
            repo.set_compartment(tx, r.door, "free", "", at)
            repo.update_case(tx, r.case_id, at, state="assigned", door=None)
        elif state is HandoverState.DOOR_DID_NOT_OPEN:
            repo.set_compartment(tx, r.door, "fault", "", at)
            repo.update_case(tx, r.case_id, at, state="assigned", door=None)
        else:  # staff_check, locker_failed: the document may be inside; staff look
            repo.set_compartment(tx, r.door, "fault", r.case_id, at)
            repo.update_case(tx, r.case_id, at, state="staff_check", door=r.door)

    def _end_pickup(self, tx: Transaction, r: HandoverRecord, at: str) -> None:
        repo, state = self.repo, r.state
        if state is HandoverState.COLLECTED and r.door is not None:
            repo.set_compartment(tx, r.door, "free", "", at)
            repo.update_case(tx, r.case_id, at, state="collected")
        elif state is HandoverState.ABANDONED:
            repo.update_case(tx, r.case_id, at, state="loaded")
        elif state is HandoverState.CASE_LOCKED:
            repo.update_case(tx, r.case_id, at, state="locked")
        else:
            repo.update_case(tx, r.case_id, at, state="staff_check")
        if r.return_door is not None:
            compartment = repo.compartment(tx, r.return_door)
            if compartment is not None and compartment.state == "reserved":
                jammed = state is HandoverState.DOOR_DID_NOT_OPEN and r.target is Target.RETURN
                unsure = r.reason == "return_unconfirmed"
                if jammed:
                    repo.set_compartment(tx, r.return_door, "fault", "", at)
                elif unsure:
                    repo.set_compartment(tx, r.return_door, "returned", r.case_id, at)
                else:
                    repo.set_compartment(tx, r.return_door, "free", "", at)

    # -- reading ------------------------------------------------------------------------------

    def get(self, handover_id: str) -> HandoverRecord | None:
        """A hand-over by id."""
        with self.db.reading() as conn:
            row = self.repo.handover(conn, handover_id)
        return None if row is None else from_row(row)

    def live(self) -> list[HandoverRecord]:
        """Every hand-over that has not ended."""
        with self.db.reading() as conn:
            return [from_row(r) for r in self.repo.live_handovers(conn)]


def _step_time(step: Step) -> datetime:
    return step.record.state_since


def to_row(record: HandoverRecord, *, ended_at: str | None) -> HandoverRow:
    """The store row of a record."""
    return HandoverRow(
        id=record.id,
        kind=record.kind.value,
        case_id=record.case_id,
        door=record.door,
        return_door=record.return_door,
        return_mode=record.return_mode,
        state=record.state.value,
        target=record.target.value,
        state_since=rfc3339(record.state_since),
        started_at=rfc3339(record.started_at),
        fires=record.fires,
        opened_at=None if record.opened_at is None else rfc3339(record.opened_at),
        reminded=record.reminded,
        alarmed=record.alarmed,
        recovered=record.recovered,
        actor=record.actor,
        reason=record.reason,
        ended_at=ended_at,
    )


def from_row(row: HandoverRow) -> HandoverRecord:
    """The record of a store row."""
    return HandoverRecord(
        id=row.id,
        kind=Kind(row.kind),
        case_id=row.case_id,
        door=row.door,
        return_door=row.return_door,
        return_mode=row.return_mode,
        state=HandoverState(row.state),
        target=Target(row.target),
        state_since=parse_time(row.state_since),
        started_at=parse_time(row.started_at),
        fires=row.fires,
        opened_at=None if row.opened_at is None else parse_time(row.opened_at),
        reminded=row.reminded,
        alarmed=row.alarmed,
        recovered=row.recovered,
        actor=row.actor,
        reason=row.reason,
    )


def parse_time(text: str) -> datetime:
    """An RFC 3339 time written by ``rfc3339``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))

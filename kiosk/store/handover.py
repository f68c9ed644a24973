"""SQL for the passport hand-over: compartments, cases, the hand-over journal, PIN failures.

Tables of migration 3. The core (:mod:`kiosk.core.handover.journal`) calls these inside
its own transactions, together with the outbox append of the same step.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Transaction

_HANDOVER_COLUMNS = (
    "id, kind, case_id, door, return_door, return_mode, state, target, state_since, "
    "started_at, fires, opened_at, reminded, alarmed, recovered, actor, reason, ended_at"
)
_CASE_COLUMNS = (
    "case_id, office, size, has_old_passport, pin_verifier, state, door, pin_failures, "
    "returned, return_reviewed, assigned_at, updated_at"
)


@dataclass(frozen=True)
class CompartmentRow:
    """A compartment as stored.

    Attributes:
        door: door number.
        size: ``S``/``M``/``L``.
        role: ``case`` or ``return``.
        state: ``free``, ``reserved`` (a hand-over chose it), ``loaded``, ``returned`` (an old
            passport is held), ``fault`` (did not open: out of service until staff clear it),
            ``unknown`` (a replaced database cannot vouch for what it holds: never chosen,
            never opened for a pickup, until staff check and clear it).
        case_id: the case whose document is (or will be) in it.
        door_seen: the door state last seen by the watch (``open``/``closed``/``unknown``).
        updated_at: RFC 3339.
    """

    door: int
    size: str
    role: str
    state: str
    case_id: str
    door_seen: str
    updated_at: str


@dataclass(frozen=True)
class CaseRow:
    """A case (a finished passport waiting for its owner) as stored.

    ``state``: ``assigned`` (the server assigned it here), ``loading``, ``loaded``,
    ``collecting``, ``collected``, ``locked`` (too many wrong PINs), ``staff_check``,
    ``cancelled``, ``withdrawn`` (staff took the document out). ``returned`` says where the
    old passport went (``door:N``, ``slot``, ``slot-unpunched`` or empty).
    """

    case_id: str
    office: str
    size: str
    has_old_passport: bool
    pin_verifier: str
    state: str
    door: int | None
    pin_failures: int
    returned: str
    return_reviewed: bool
    assigned_at: str
    updated_at: str


@dataclass(frozen=True)
class HandoverRow:
    """One hand-over row (see ``kiosk.core.handover.machine.HandoverRecord``)."""

    id: str
    kind: str
    case_id: str
    door: int | None
    return_door: int | None
    return_mode: str
    state: str
    target: str
    state_since: str
    started_at: str
    fires: int
    opened_at: str | None
    reminded: bool
    alarmed: bool
    recovered: bool
    actor: str
    reason: str
    ended_at: str | None


@dataclass(frozen=True)
class StepRow:
    """One journal entry."""

    handover_id: str
    n: int
    step: str
    state: str
    at: str
    data: dict[str, Any]
    event_seq: int | None


class HandoverRepository:
    """SQL for the hand-over tables; every method takes the caller's connection."""

    # -- compartments ---------------------------------------------------------------------------

    @staticmethod
    def ensure_compartment(tx: Transaction, door: int, size: str, role: str, now: str) -> None:
        """Add a configured compartment as free, or update its size and role."""
        tx.execute(
            "INSERT INTO compartment (door, size, role, state, case_id, door_seen, updated_at) "
            "VALUES (?, ?, ?, 'free', '', 'unknown', ?) "
            "ON CONFLICT (door) DO UPDATE SET size = excluded.size, role = excluded.role",
            (door, size, role, now),
        )

    @staticmethod
    def compartments(conn: sqlite3.Connection) -> list[CompartmentRow]:
        """Every compartment, by door."""
        rows = conn.execute(
            "SELECT door, size, role, state, case_id, door_seen, updated_at FROM compartment "
            "ORDER BY door"
        ).fetchall()
        return [CompartmentRow(int(r[0]), *map(str, r[1:])) for r in rows]

    @staticmethod
    def compartment(conn: sqlite3.Connection, door: int) -> CompartmentRow | None:
        """One compartment."""
        r = conn.execute(
            "SELECT door, size, role, state, case_id, door_seen, updated_at FROM compartment "
            "WHERE door = ?",
            (door,),
        ).fetchone()
        return None if r is None else CompartmentRow(int(r[0]), *map(str, r[1:]))

    @staticmethod
    def set_compartment(tx: Transaction, door: int, state: str, case_id: str, now: str) -> None:
        """Set a compartment's state and the case in it."""
        tx.execute(
            "UPDATE compartment SET state = ?, case_id = ?, updated_at = ? WHERE door = ?",
            (state, case_id, now, door),
        )

    @staticmethod
    def mark_unknown_if_free(tx: Transaction, door: int, now: str) -> bool:
        """A compartment the kiosk cannot vouch for: ``unknown`` content, if it is ``free``.

        Conditional in SQL: a compartment a hand-over took meanwhile is left alone.
        Returns True when it was marked.
        """
        cur = tx.execute(
            "UPDATE compartment SET state = 'unknown', case_id = '', updated_at = ? "
            "WHERE door = ? AND state = 'free'",
            (now, door),
        )
        return cur.rowcount > 0

    @staticmethod
    def set_door_seen(tx: Transaction, door: int, seen: str) -> None:
        """Remember the door state the watch last saw."""
        tx.execute("UPDATE compartment SET door_seen = ? WHERE door = ?", (seen, door))

    # -- cases ----------------------------------------------------------------------------------

    @staticmethod
    def upsert_case(tx: Transaction, case: CaseRow) -> None:
        """Insert a case or replace its assignment fields."""
        tx.execute(
            f"INSERT INTO handover_case ({_CASE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (case_id) DO UPDATE SET office = excluded.office, size = excluded.size, "
            "has_old_passport = excluded.has_old_passport, "
            "pin_verifier = excluded.pin_verifier, updated_at = excluded.updated_at",
            (
                case.case_id,
                case.office,
                case.size,
                int(case.has_old_passport),
                case.pin_verifier,
                case.state,
                case.door,
                case.pin_failures,
                case.returned,
                int(case.return_reviewed),
                case.assigned_at,
                case.updated_at,
            ),
        )

    @staticmethod
    def case(conn: sqlite3.Connection, case_id: str) -> CaseRow | None:
        """One case."""
        r = conn.execute(
            f"SELECT {_CASE_COLUMNS} FROM handover_case WHERE case_id = ?", (case_id,)
        ).fetchone()
        return None if r is None else _case(r)

    @staticmethod
    def cases(conn: sqlite3.Connection, state: str | None = None) -> list[CaseRow]:
        """Every case (in one state), oldest assignment first."""
        if state is None:
            rows = conn.execute(
                f"SELECT {_CASE_COLUMNS} FROM handover_case ORDER BY assigned_at, case_id"
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT {_CASE_COLUMNS} FROM handover_case WHERE state = ? "
                "ORDER BY assigned_at, case_id",
                (state,),
            ).fetchall()
        return [_case(r) for r in rows]

    @staticmethod
    def update_case(tx: Transaction, case_id: str, now: str, **fields: Any) -> None:
        """Set some of a case's columns (``state``, ``door``, ``pin_failures``, ``returned``…)."""
        allowed = {"state", "door", "pin_failures", "returned", "return_reviewed"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not case columns: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        tx.execute(
            f"UPDATE handover_case SET {assignments}, updated_at = ? WHERE case_id = ?",
            (*fields.values(), now, case_id),
        )

    # -- hand-overs and their journal -----------------------------------------------------------

    @staticmethod
    def insert_handover(tx: Transaction, row: HandoverRow) -> None:
        """Store a new hand-over."""
        tx.execute(
            f"INSERT INTO handover ({_HANDOVER_COLUMNS}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _handover_values(row),
        )

    @staticmethod
    def update_handover(tx: Transaction, row: HandoverRow) -> None:
        """Write a hand-over's current fields."""
        values = _handover_values(row)
        columns = [c.strip() for c in _HANDOVER_COLUMNS.split(",")][1:]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(f"UPDATE handover SET {assignments} WHERE id = ?", (*values[1:], values[0]))

    @staticmethod
    def handover(conn: sqlite3.Connection, handover_id: str) -> HandoverRow | None:
        """One hand-over."""
        r = conn.execute(
            f"SELECT {_HANDOVER_COLUMNS} FROM handover WHERE id = ?", (handover_id,)
        ).fetchone()
        return None if r is None else _handover(r)

    @staticmethod
    def live_handovers(conn: sqlite3.Connection) -> list[HandoverRow]:
        """Hand-overs not yet ended, oldest first."""
        rows = conn.execute(
            f"SELECT {_HANDOVER_COLUMNS} FROM handover WHERE ended_at IS NULL "
            "ORDER BY started_at, id"
        ).fetchall()
        return [_handover(r) for r in rows]

    @staticmethod
    def all_handovers(conn: sqlite3.Connection) -> list[HandoverRow]:
        """Every hand-over, oldest first."""
        rows = conn.execute(
            f"SELECT {_HANDOVER_COLUMNS} FROM handover ORDER BY started_at, id"
        ).fetchall()
        return [_handover(r) for r in rows]

    @staticmethod
    def append_step(
        tx: Transaction,
        handover_id: str,
        step: str,
        state: str,
        at: str,
        data: dict[str, Any],
        event_seq: int | None,
    ) -> int:
        """Append a journal entry; returns its number (from 1)."""
        n = int(
            tx.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM handover_step WHERE handover_id = ?",
                (handover_id,),
            ).fetchone()[0]
        )
        tx.execute(
            "INSERT INTO handover_step (handover_id, n, step, state, at, data, event_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (handover_id, n, step, state, at, _json(data), event_seq),
        )
        return n

    @staticmethod
    def steps(conn: sqlite3.Connection, handover_id: str) -> list[StepRow]:
        """A hand-over's journal in order."""
        rows = conn.execute(
            "SELECT handover_id, n, step, state, at, data, event_seq FROM handover_step "
            "WHERE handover_id = ? ORDER BY n",
            (handover_id,),
        ).fetchall()
        return [
            StepRow(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), json.loads(r[5]), r[6])
            for r in rows
        ]

    # -- PIN failures ---------------------------------------------------------------------------

    @staticmethod
    def add_pin_failure(tx: Transaction, case_id: str, at: str) -> None:
        """Record one wrong PIN (a staff PIN's ``case_id`` is ``staff_failure_key(id)``)."""
        tx.execute("INSERT INTO pin_failure (case_id, at) VALUES (?, ?)", (case_id, at))

    @staticmethod
    def pin_failures_since(conn: sqlite3.Connection, since: str) -> int:
        """Wrong PINs on this kiosk since ``since`` (RFC 3339 UTC), all cases and staff."""
        return int(
            conn.execute("SELECT COUNT(*) FROM pin_failure WHERE at >= ?", (since,)).fetchone()[0]
        )

    @staticmethod
    def pin_failures_in_window(
        conn: sqlite3.Connection, since: str, *, staff: bool, technician: bool = False
    ) -> list[tuple[int, str]]:
        """``(id, at)`` of the wrong PINs since ``since``, newest first.

        Args:
            conn: the connection.
            since: RFC 3339 UTC.
            staff: True for the staff keypad's failures, False for the citizens'.
            technician: True for the diagnostics keypad's failures (``staff`` is then ignored).
        """
        match = "(case_id LIKE '#staff:%' OR case_id LIKE 'staff:%')"
        tech = "case_id LIKE '#tech:%'"
        # NOTE: a technician's wrong PIN must never count against the citizens' budget.
        where = tech if technician else match if staff else f"NOT {match} AND NOT {tech}"
        rows = conn.execute(
            f"SELECT id, at FROM pin_failure WHERE at >= ? AND {where} ORDER BY at DESC, id DESC",
            (since,),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    @staticmethod
    def restamp_pin_failures(tx: Transaction, ids: list[int], at: str) -> None:
        """Give the wrong PINs ``ids`` the time ``at`` (clock-jump bounds of the PIN budgets)."""
        tx.executemany("UPDATE pin_failure SET at = ? WHERE id = ?", [(at, i) for i in ids])


def staff_failure_key(staff_id: str) -> str:
    """The ``pin_failure.case_id`` of a staff member's wrong PIN.

    NOTE: ``#`` never starts a case id (a pickup token's ``cid`` starts with a letter or
    digit), so a case can never be counted against the staff keypad or the other way round.
    Rows written as ``staff:<id>`` by earlier versions are counted as staff too.
    """
    return f"#staff:{staff_id}"


def technician_failure_key(technician_id: str) -> str:
    """The ``pin_failure.case_id`` of a technician's wrong PIN (the diagnostics keypad)."""
    return f"#tech:{technician_id}"


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _case(r: tuple[Any, ...]) -> CaseRow:
    return CaseRow(
        case_id=str(r[0]),
        office=str(r[1]),
        size=str(r[2]),
        has_old_passport=bool(r[3]),
        pin_verifier=str(r[4]),
        state=str(r[5]),
        door=None if r[6] is None else int(r[6]),
        pin_failures=int(r[7]),
        returned=str(r[8]),
        return_reviewed=bool(r[9]),
        assigned_at=str(r[10]),
        updated_at=str(r[11]),
    )


def _handover(r: tuple[Any, ...]) -> HandoverRow:
    return HandoverRow(
        id=str(r[0]),
        kind=str(r[1]),
        case_id=str(r[2]),
        door=None if r[3] is None else int(r[3]),
        return_door=None if r[4] is None else int(r[4]),
        return_mode=str(r[5]),
        state=str(r[6]),
        target=str(r[7]),
        state_since=str(r[8]),
        started_at=str(r[9]),
        fires=int(r[10]),
        opened_at=None if r[11] is None else str(r[11]),
        reminded=bool(r[12]),
        alarmed=bool(r[13]),
        recovered=bool(r[14]),
        actor=str(r[15]),
        reason=str(r[16]),
        ended_at=None if r[17] is None else str(r[17]),
    )


def _handover_values(row: HandoverRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.kind,
        row.case_id,
        row.door,
        row.return_door,
        row.return_mode,
        row.state,
        row.target,
        row.state_since,
        row.started_at,
        row.fires,
        row.opened_at,
        int(row.reminded),
        int(row.alarmed),
        int(row.recovered),
        row.actor,
        row.reason,
        row.ended_at,
    )

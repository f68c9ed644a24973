"""Server commands on disk: at most once (``cmd_id`` remembered), ``ctr`` only going up.

The table ``command`` (migration 2) holds one row per ``cmd_id`` whose signature verified:
``started`` is committed before the command acts, then ``done`` / ``failed`` with the
result; ``refused`` for verified commands that were not run; ``interrupted`` for those a
crash cut off. The highest accepted ``ctr`` is kept under ``kv`` ``command.last_ctr``.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Database, Transaction
from kiosk.store.kv import kv_get, kv_set

LAST_CTR_KEY = "command.last_ctr"


class CommandState(enum.StrEnum):
    """Where a command is in its life."""

    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class CommandRow:
    """One remembered command."""

    cmd_id: str
    action: str
    ctr: int
    received_at: str
    state: CommandState
    result: dict[str, Any]


class CommandRepository:
    """SQL for the ``command`` table and the last accepted counter."""

    def __init__(self, db: Database):
        self._db = db

    def get(self, cmd_id: str) -> CommandRow | None:
        """The command with this id, or None if it was never seen."""
        with self._db.reading() as conn:
            return _get(conn, cmd_id)

    @staticmethod
    def get_in(tx: Transaction, cmd_id: str) -> CommandRow | None:
        """Like ``get`` inside the caller's transaction."""
        return _get(tx, cmd_id)

    @staticmethod
    def last_ctr(conn: sqlite3.Connection) -> int:
        """The highest ``ctr`` of an accepted command (0 before the first)."""
        return int(kv_get(conn, LAST_CTR_KEY, "0") or "0")

    @staticmethod
    def insert(
        tx: Transaction,
        cmd_id: str,
        action: str,
        ctr: int,
        received_at: str,
        state: CommandState,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Remember a command; ``STARTED`` also raises the last accepted ``ctr``."""
        tx.execute(
            "INSERT INTO command (cmd_id, action, ctr, received_at, state, result) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (cmd_id, action, ctr, received_at, state.value, _dump(result or {})),
        )
        if state is CommandState.STARTED and ctr > CommandRepository.last_ctr(tx):
            kv_set(tx, LAST_CTR_KEY, str(ctr))

    @staticmethod
    def finish(tx: Transaction, cmd_id: str, state: CommandState, result: dict[str, Any]) -> None:
        """Record the end of a started command."""
        tx.execute(
            "UPDATE command SET state = ?, result = ? WHERE cmd_id = ?",
            (state.value, _dump(result), cmd_id),
        )

    def in_state(self, state: CommandState) -> list[CommandRow]:
        """Every command in ``state``, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT cmd_id, action, ctr, received_at, state, result FROM command "
                "WHERE state = ? ORDER BY received_at, ctr",
                (state.value,),
            ).fetchall()
        return [_row(r) for r in rows]

    def all(self) -> list[CommandRow]:
        """Every remembered command, oldest first (for tests and diagnostics)."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT cmd_id, action, ctr, received_at, state, result FROM command "
                "ORDER BY received_at, ctr"
            ).fetchall()
        return [_row(r) for r in rows]


def _get(conn: sqlite3.Connection, cmd_id: str) -> CommandRow | None:
    row = conn.execute(
        "SELECT cmd_id, action, ctr, received_at, state, result FROM command WHERE cmd_id = ?",
        (cmd_id,),
    ).fetchone()
    return _row(row) if row else None


def _row(row: tuple[Any, ...]) -> CommandRow:
    result = json.loads(row[5]) if row[5] else {}
    return CommandRow(
        cmd_id=str(row[0]),
        action=str(row[1]),
        ctr=int(row[2]),
        received_at=str(row[3]),
        state=CommandState(row[4]),
        result=result if isinstance(result, dict) else {},
    )


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


__all__ = ["LAST_CTR_KEY", "CommandRepository", "CommandRow", "CommandState"]

"""Desired configuration versions on disk: each version is applied (or rejected) once.

The table ``config_version`` (migration 2) keeps every version received with its outcome
and the document as received, so that after a restart the last applied document is merged
into the file's configuration again.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from kiosk.store.database import Database, Transaction


class ConfigVersionState(enum.StrEnum):
    """The outcome of a desired configuration version."""

    APPLIED = "applied"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ConfigVersionRow:
    """One desired configuration version as recorded."""

    version: int
    received_at: str
    state: ConfigVersionState
    detail: str
    document: dict[str, Any]


class ConfigVersionRepository:
    """SQL for the ``config_version`` table."""

    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def record(
        tx: Transaction,
        version: int,
        received_at: str,
        state: ConfigVersionState,
        detail: str,
        document: dict[str, Any],
    ) -> None:
        """Record the outcome of a version (inside the caller's transaction)."""
        tx.execute(
            "INSERT INTO config_version (version, received_at, state, detail, document) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                version,
                received_at,
                state.value,
                detail,
                json.dumps(document, ensure_ascii=False, separators=(",", ":")),
            ),
        )

    def get(self, version: int) -> ConfigVersionRow | None:
        """The record of one version, or None if it never arrived."""
        return self._one("WHERE version = ?", (version,))

    def latest(self) -> ConfigVersionRow | None:
        """The highest version received, whatever its outcome."""
        return self._one("ORDER BY version DESC LIMIT 1", ())

    def latest_applied(self) -> ConfigVersionRow | None:
        """The highest version that was applied (the one in force), or None."""
        return self._one("WHERE state = 'applied' ORDER BY version DESC LIMIT 1", ())

    def _one(self, clause: str, args: tuple[Any, ...]) -> ConfigVersionRow | None:
        with self._db.reading() as conn:
            row = conn.execute(
                f"SELECT version, received_at, state, detail, document FROM config_version "
                f"{clause}",
                args,
            ).fetchone()
        if row is None:
            return None
        document = json.loads(row[4]) if row[4] else {}
        return ConfigVersionRow(
            version=int(row[0]),
            received_at=str(row[1]),
            state=ConfigVersionState(row[2]),
            detail=str(row[3]),
            document=document if isinstance(document, dict) else {},
        )


__all__ = ["ConfigVersionRepository", "ConfigVersionRow", "ConfigVersionState"]

"""What the hand-over screens show besides the texts: which screen, the tone of an outcome,
where a door is on the locker map, and the staff's case lists."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from PySide6.QtCore import QObject

from kiosk.core.handover.machine import HandoverState, OutcomeCode
from kiosk.core.handover.outcome import CaseListing
from kiosk.ui.row_model import RowListModel

LOCKS_PER_BOARD = 16
"""Doors per lock board (one column of the locker map)."""


class HandoverScreen(enum.StrEnum):
    """The hand-over screens (``HandoverViewModel.screen``); NONE shows the other journeys."""

    NONE = ""
    SCAN = "handover_scan"
    PIN = "handover_pin"
    DOOR = "handover_door"
    RESULT = "handover_result"
    STAFF = "handover_staff"
    CASES = "handover_cases"
    REVIEW = "handover_review"


DOOR_CODES = frozenset(
    {
        OutcomeCode.OPENING,
        OutcomeCode.PUT_DOCUMENT,
        OutcomeCode.PUT_OLD_PASSPORT,
        OutcomeCode.INSERT_OLD_PASSPORT,
        OutcomeCode.TAKE_PASSPORT,
        OutcomeCode.CLOSE_DOOR,
        OutcomeCode.DOOR_ALARM,
    }
)
SUCCESS_CODES = frozenset({OutcomeCode.COLLECTED, OutcomeCode.LOADED})
WARNING_CODES = frozenset({OutcomeCode.CLOSE_DOOR, OutcomeCode.DOOR_ALARM})
WAITING_STATES = frozenset({HandoverState.TOKEN_VERIFIED, HandoverState.STAFF_IDENTIFIED})
"""States a person may walk away from: inactivity cancels them."""


class CaseListModel(RowListModel):
    """Cases for a staff list (to load, or returned passports to review).

    Roles: ``caseId``, ``size``, ``returnDoor`` (0 when not in a return compartment).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("caseId", "size", "returnDoor"), parent)

    def set_cases(self, cases: Sequence[CaseListing]) -> None:
        """Replace the list."""
        self.set_rows(
            [{"caseId": c.case_id, "size": c.size, "returnDoor": c.return_door} for c in cases]
        )

    def case_ids(self) -> list[str]:
        """The listed case ids (tests)."""
        return self.column("caseId")


def tone_of(code: OutcomeCode) -> str:
    """``success``, ``warning``, ``info`` (a step under way) or ``problem``."""
    if code in SUCCESS_CODES:
        return "success"
    if code in WARNING_CODES:
        return "warning"
    if code in DOOR_CODES or code in (OutcomeCode.ENTER_PIN, OutcomeCode.STAFF_IDENTIFIED):
        return "info"
    return "problem"


def door_place(door: int) -> tuple[int, int]:
    """A door's column (its lock board) and row on the locker map, from 1; (0, 0): none."""
    if door <= 0:
        return 0, 0
    return (door - 1) // LOCKS_PER_BOARD + 1, (door - 1) % LOCKS_PER_BOARD + 1


__all__ = [
    "DOOR_CODES",
    "LOCKS_PER_BOARD",
    "SUCCESS_CODES",
    "WAITING_STATES",
    "WARNING_CODES",
    "CaseListModel",
    "HandoverScreen",
    "door_place",
    "tone_of",
]

"""What the hand-over journeys answer: an outcome for the screen, a maintenance open's
result, and the case lists the staff screens show (core types: the UI never reads the store).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.handover.machine import HandoverRecord, HandoverState, OutcomeCode, outcome_for
from kiosk.store.handover import CaseRow


@dataclass(frozen=True)
class HandoverOutcome:
    """What the screen shows after a call.

    Attributes:
        code: the outcome code; ``code.title_id`` / ``code.body_id`` are the message ids.
        handover_id: the hand-over it belongs to (empty for a refusal before one began).
        state: the hand-over's state after the call.
        door: the door the screen names (to open, to close), when there is one.
        args: the values for the texts' ``%1``…: the door, or the PIN attempts left.
        case_id: the case, when known.
    """

    code: OutcomeCode
    handover_id: str = ""
    state: HandoverState | None = None
    door: int | None = None
    args: tuple[int | str, ...] = ()
    case_id: str = ""

    @property
    def title_id(self) -> str:
        """Message id of the screen title."""
        return self.code.title_id

    @property
    def body_id(self) -> str:
        """Message id of the screen body."""
        return self.code.body_id


def outcome_of(
    record: HandoverRecord, code: OutcomeCode | None = None, *, case_id: str = ""
) -> HandoverOutcome:
    """The outcome of ``record`` as it stands (``code`` overrides the state's own code).

    The door named is the one the hand-over waits on, or for an ended one its compartment.
    """
    code = code or outcome_for(record)
    door = record.target_door()
    if door is None and record.state.terminal:
        door = record.door
    args: tuple[int | str, ...] = (door,) if door is not None else ()
    return HandoverOutcome(code, record.id, record.state, door, args, case_id or record.case_id)


@dataclass(frozen=True)
class MaintenanceOpen:
    """What :meth:`HandoverService.open_for_maintenance` did.

    Attributes:
        opened: the door was fired.
        reason: why not (``door_in_use``, ``door_has_case``, ``door_not_free``,
            ``content_unknown``, ``item_present``); empty when fired.
        detail: a line for the log and the command result (the fire's own line when fired).
    """

    opened: bool
    reason: str
    detail: str


@dataclass(frozen=True)
class CaseListing:
    """One case as a staff list shows it.

    Attributes:
        case_id: the case.
        size: its compartment size (``S``, ``M``, ``L``).
        return_door: the return compartment holding its old passport (0: none).
    """

    case_id: str
    size: str
    return_door: int = 0

    @classmethod
    def of(cls, case: CaseRow) -> CaseListing:
        """The listing of a stored case (``returned`` = ``door:N`` names a return door)."""
        where, _, door = case.returned.partition(":")
        return cls(case.case_id, case.size, int(door) if where == "door" and door else 0)


@dataclass(frozen=True)
class StaffLists:
    """The staff screens' two lists: cases waiting to be loaded, old passports to review."""

    to_load: tuple[CaseListing, ...]
    returned: tuple[CaseListing, ...]


__all__ = ["CaseListing", "HandoverOutcome", "MaintenanceOpen", "StaffLists", "outcome_of"]

"""The technician's locker console: ``kiosk diag locker status`` and ``kiosk diag locker open``.

Both take any :class:`~kiosk.devices.locker.protocol.Locker`; the CLI builds it with
:func:`~kiosk.devices.locker.factory.open_locker` from ``--locker URL`` or the config. Output is
English text for a terminal (technicians, not citizens).

A technician open is audited *before* the relay fires (``stage: requested``; if recording the
audit fails, nothing fires) and again with the outcome (``stage: unlock_sent`` or ``failed``).
After ``unlock_sent``, ``result`` is ``ok`` or ``still_locked`` (the board answered and the door
still reads locked) and ``confirmed`` says how: ``reply``, ``sensor``, ``not_confirmed``, or
empty for a locker that cannot tell. The door is fired exactly once; nothing here retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kiosk.devices.locker.protocol import DoorState, Locker, LockerError, UnlockConfirmation

logger = logging.getLogger(__name__)

AUDIT_TYPE = "locker.technician_open"

_STATE_WORDS = {DoorState.CLOSED: "locked", DoorState.OPEN: "open", DoorState.UNKNOWN: "unknown"}
_CONFIRMED_BY = {
    UnlockConfirmation.REPLY: "confirmed by the board's reply",
    UnlockConfirmation.SENSOR: "confirmed by the door's sensor",
}


def status_table(locker: Locker) -> str:
    """Every door (locked / open / unknown, item present or not), then the locker's health.

    Example::

        door  state    item
           1  locked   yes
           2  open     no
          17  unknown  ?
        health: fault (board_silent) board 1 (doors 17-32) does not answer on …
    """
    doors = locker.read_doors()
    lines = ["door  state    item"]
    for door in locker.doors:
        status = doors.get(door)
        if status is None:
            lines.append(f"{door:4d}  unknown  ?")
            continue
        item = {True: "yes", False: "no", None: "?" if status.state is DoorState.UNKNOWN else "-"}
        lines.append(f"{door:4d}  {_STATE_WORDS[status.state]:<7}  {item[status.item_present]}")
    health = locker.health()
    reason = f" ({health.reason})" if health.reason else ""
    detail = f" {health.detail}" if health.detail else ""
    lines.append(f"health: {health.state.value}{reason}{detail}")
    return "\n".join(lines)


def open_door(
    locker: Locker,
    door: int,
    audit: Callable[[dict[str, Any]], None],
    *,
    actor: str = "technician",
    via: str = "console",
) -> str:
    """Fire one door's lock once for a technician, audited before and after.

    Args:
        locker: the locker.
        door: the door number (from 1).
        audit: records an audit event (the lead wires it to the outbox's ``audit`` category).
            Called with ``{"type", "stage", "door", "locker", "actor", "via", "at"}`` and, after
            the attempt, ``"result"`` and ``"detail"``.
        actor: who asked (a technician id when known).
        via: ``console`` (SSH ``kiosk diag``), ``screen`` or ``server``.

    Returns:
        A line for the terminal saying what happened and what to check next.

    Raises:
        ValueError: no such door (nothing audited, nothing fired).
    """
    if door not in locker.doors:
        raise ValueError(f"{locker.name}: no door {door}; doors are 1-{max(locker.doors)}")
    event: dict[str, Any] = {
        "type": AUDIT_TYPE,
        "stage": "requested",
        "door": door,
        "locker": locker.name,
        "actor": actor,
        "via": via,
        "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    audit(dict(event))
    logger.warning("%s: door %d opened by %s via %s", locker.name, door, actor, via)
    try:
        result = locker.unlock(door)
    except LockerError as exc:
        audit(
            {
                **event,
                "stage": "failed",
                "result": exc.health.reason or "failed",
                "detail": str(exc),
            }
        )
        logger.warning("%s: technician open of door %d failed: %s", locker.name, door, exc)
        return (
            f"door {door}: unlock NOT confirmed ({exc.health.reason}): {exc}. Check the door "
            "by hand and run 'kiosk diag locker status' before trying again."
        )
    if result is not None and not result.confirmed:
        audit(
            {
                **event,
                "stage": "unlock_sent",
                "result": "still_locked",
                "confirmed": result.confirmation.value,
                "detail": result.detail,
            }
        )
        logger.warning("%s: technician open of door %d: %s", locker.name, door, result.detail)
        return (
            f"door {door}: unlock sent once, NOT confirmed: the door still reads locked "
            f"({result.detail}). Check the latch by hand and run 'kiosk diag locker status' "
            "before trying again."
        )
    confirmed = "" if result is None else result.confirmation.value
    how = "" if result is None else f" ({_CONFIRMED_BY[result.confirmation]})"
    audit(
        {
            **event,
            "stage": "unlock_sent",
            "result": "ok",
            "confirmed": confirmed,
            "detail": "" if result is None else result.detail,
        }
    )
    return f"door {door}: unlock sent once{how}; pull the door now, then push it shut."

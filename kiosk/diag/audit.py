"""Where a door fired from a shell is audited, and which doors a door test may open.

On a kiosk (its database exists) every door fired from the console is an ``audit.locker_open``
event in the outbox, reaching the server with the kiosk's next connection like every other
event; on a bench (no config file) the audit goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from kiosk.diag.context import DB_NAME, Setup

if TYPE_CHECKING:
    from kiosk.store.database import Database

log = logging.getLogger(__name__)


Audit = Callable[[dict[str, Any]], None]
"""Records one stage of a door fired from the shell (its data as ``audit.locker_open``)."""


def _log_audit(data: dict[str, Any]) -> None:
    log.warning("audit (bench, not stored): %s", data)


def _outbox_audit(setup: Setup, stack: ExitStack) -> tuple[Database, Audit]:
    """Open the kiosk's database (closed with ``stack``); audits go to its outbox."""
    from kiosk.core import events
    from kiosk.store.database import Database
    from kiosk.store.kv import begin_session
    from kiosk.store.outbox import Outbox

    db = Database(setup.state_dir / DB_NAME)
    stack.callback(db.close)
    outbox = Outbox(db, kiosk_id=setup.config.kiosk_id, session=begin_session(db))

    def audit(data: dict[str, Any]) -> None:
        with db.transaction() as tx:
            outbox.append(tx, events.AUDIT, "audit.locker_open", dict(data))

    return db, audit


def door_audit(setup: Setup, stack: ExitStack) -> tuple[Audit, Any]:
    """Where a door test's audit goes, and which doors it may open.

    On a kiosk (its database exists): the audit is an ``audit.locker_open`` event in the
    outbox, and a door whose compartment has a case is refused. On a bench: the log.
    """
    if setup.bench or not (setup.state_dir / DB_NAME).is_file():
        return _log_audit, None
    from kiosk.store.handover import HandoverRepository

    db, audit = _outbox_audit(setup, stack)

    def gate(door: int, fire: Callable[[], str]) -> tuple[bool, str, str]:
        with db.reading() as conn:
            compartment = HandoverRepository.compartment(conn, door)
            holders = [
                c.case_id
                for c in HandoverRepository.cases(conn)
                if c.door == door and c.state not in ("collected", "withdrawn")
            ]
        if compartment is not None and compartment.case_id:
            return False, "door_has_case", f"door {door} holds case {compartment.case_id}"
        if holders:
            return False, "door_has_case", f"door {door} is the compartment of case {holders[0]}"
        return True, "", fire()

    return audit, gate


def console_audit(setup: Setup, stack: ExitStack) -> Audit:
    """Where ``kiosk diag locker open`` audits: the outbox on a kiosk, the log on a bench."""
    if setup.bench:
        return _log_audit
    return _outbox_audit(setup, stack)[1]

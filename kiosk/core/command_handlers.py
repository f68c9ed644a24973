"""The command handlers for what the kiosk can do so far, for ``CommandProcessor.register``.

Actions: ``diag.print_test`` (a test ticket), ``config.reload`` (the app's reload
callback), ``state.republish`` (birth and health again), ``outbox.resend`` (resend from the
server's ``acked_seq``). There is deliberately no remote "open doors" action.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.core.checkin import CheckInService
from kiosk.core.commands import CommandError, CommandHandler, CommandProcessor
from kiosk.core.handover.service import HandoverService
from kiosk.core.tickets import TicketService
from kiosk.devices.locker.diag import open_door
from kiosk.devices.locker.protocol import Locker

log = logging.getLogger(__name__)

PRINT_TEST = "diag.print_test"
CONFIG_RELOAD = "config.reload"
STATE_REPUBLISH = "state.republish"
OUTBOX_RESEND = "outbox.resend"
CHECKIN_ANSWER = "checkin.answer"
HANDOVER_ASSIGN = "handover.assign"
HANDOVER_CANCEL = "handover.cancel"
MAINTENANCE_OPEN = "locker.maintenance_open"

Action = Callable[[], Mapping[str, Any] | None]
"""A callback without arguments; what it returns is the command's result."""


def print_test_handler(tickets: TicketService, languages: tuple[str, ...]) -> CommandHandler:
    """``diag.print_test``: print a test ticket; ``args.language`` picks the language.

    Fails with ``bad_args`` for a language the kiosk does not have and ``printer_fault``
    (with the printer's health reason) when the ticket did not come out.
    """

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        language = args.get("language", languages[0])
        if language not in languages:
            raise CommandError("bad_args", f"language {language!r} is not one of {languages}")
        outcome = tickets.print_test(str(language))
        if not outcome.printed:
            reason = outcome.problem.reason if outcome.problem else "unknown"
            raise CommandError("printer_fault", f"the test ticket was not printed: {reason}")
        printer = outcome.problem.as_dict() if outcome.problem else {"state": "ok"}
        return {"printed": True, "language": language, "printer": printer}

    return handle


def checkin_answer_handler(checkin: CheckInService) -> CommandHandler:
    """``checkin.answer``: the server's word on a check-in (queue position, expected wait).

    Args (of the command): ``ref`` (a booking id, or ``code:<digits>`` for a typed code),
    ``accepted`` (False: the server does not know the booking), ``position``,
    ``wait_minutes``, ``service``. The screen shows the position if the resident's result is
    still on it. Fails with ``bad_args`` or ``unknown_ref``.
    """

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = args.get("ref")
        accepted = args.get("accepted", True)
        position = args.get("position")
        wait = args.get("wait_minutes")
        if not isinstance(ref, str) or not ref or not isinstance(accepted, bool):
            raise CommandError("bad_args", "checkin.answer needs a text ref and a boolean")
        if position is not None and (not isinstance(position, int) or position < 0):
            raise CommandError("bad_args", f"position must be a whole number, got {position!r}")
        if wait is not None and (not isinstance(wait, int) or wait < 0):
            raise CommandError("bad_args", f"wait_minutes must be a whole number, got {wait!r}")
        outcome = checkin.apply_server_answer(
            ref,
            accepted=accepted,
            position=position,
            wait_minutes=wait,
            service_id=str(args.get("service", "")),
        )
        if outcome is None:
            raise CommandError("unknown_ref", f"no check-in {ref!r} on this kiosk")
        return {"ref": ref, "result": outcome.result.value}

    return handle


def callback_handler(action: Action, name: str) -> CommandHandler:
    """A handler that takes no arguments and calls ``action()``; ``name`` is for the log."""

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        if args:
            log.info("%s ignores its arguments %r", name, sorted(args))
        return dict(action() or {})

    return handle


def register_standard_handlers(
    processor: CommandProcessor,
    *,
    tickets: TicketService,
    languages: tuple[str, ...],
    reload_config: Action,
    republish_state: Action,
    resend_outbox: Action,
    checkin: CheckInService | None = None,
) -> None:
    """Register the four actions that exist so far.

    Args:
        processor: the kiosk's command processor.
        tickets: for the test print.
        languages: the UI languages (the first is the default for the test ticket).
        reload_config: the app's "read the configuration again" callback.
        republish_state: the link's ``republish_state``.
        resend_outbox: the link's ``resend_outbox``.
    """
    processor.register(PRINT_TEST, print_test_handler(tickets, languages))
    processor.register(CONFIG_RELOAD, callback_handler(reload_config, CONFIG_RELOAD))
    processor.register(STATE_REPUBLISH, callback_handler(republish_state, STATE_REPUBLISH))
    processor.register(OUTBOX_RESEND, callback_handler(resend_outbox, OUTBOX_RESEND))
    if checkin is not None:
        processor.register(CHECKIN_ANSWER, checkin_answer_handler(checkin))


def register_handover_handlers(processor: CommandProcessor, handover: HandoverService) -> None:
    """``handover.assign`` and ``handover.cancel``: the server assigns and cancels cases.

    There is no remote door command here: doors open only inside a hand-over (identity and
    PIN first) or for a technician at the console (audited).
    """

    def assign(args: Mapping[str, Any]) -> Mapping[str, Any]:
        case_id, size = args.get("case_id"), args.get("size", "M")
        old = args.get("has_old_passport", True)
        verifier = args.get("pin_verifier", "")
        if not isinstance(case_id, str) or not case_id or size not in ("S", "M", "L"):
            raise CommandError("bad_args", "handover.assign needs case_id and size S, M or L")
        if not isinstance(old, bool) or not isinstance(verifier, str):
            raise CommandError("bad_args", "has_old_passport is a boolean, pin_verifier a text")
        try:
            assigned = handover.assign_case(
                case_id, size, has_old_passport=old, pin_verifier=verifier
            )
        except ValueError as exc:  # PinVerifierError included
            raise CommandError("bad_args", str(exc)) from exc
        if not assigned:
            case = handover.case(case_id)
            state = case.state if case is not None else "unknown"
            raise CommandError(
                "not_assignable",
                f"case {case_id} is {state}: an assignment never changes a case past "
                "'assigned'; cancel it first (handover.cancel)",
            )
        return {"case_id": case_id}

    def cancel(args: Mapping[str, Any]) -> Mapping[str, Any]:
        case_id = args.get("case_id")
        if not isinstance(case_id, str) or not case_id:
            raise CommandError("bad_args", "handover.cancel needs case_id")
        if not handover.cancel_case(case_id):
            raise CommandError("not_cancellable", f"case {case_id} is unknown or in use")
        return {"case_id": case_id}

    processor.register(HANDOVER_ASSIGN, assign)
    processor.register(HANDOVER_CANCEL, cancel)


MAINTENANCE_OPENS_PER_MIN = 2


def register_maintenance_open(
    processor: CommandProcessor,
    locker: Locker,
    handover: HandoverService | None,
    audit: Callable[[dict[str, Any]], None],
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """``locker.maintenance_open``: staff maintenance opens one door from the server.

    Signed like every command, and on top: at most ``MAINTENANCE_OPENS_PER_MIN`` a minute
    (whatever the config allows other actions), never a door that has a case or may hold a
    document (any compartment with a case, whatever its state, a fault included; a door a
    hand-over uses; a door whose sensors cannot vouch that it is empty: see
    :meth:`HandoverService.open_for_maintenance`), one door per command (there is no "open
    all"), and audited before and after. A refusal is a failed result with the reason
    (``door_has_case``, ``door_in_use``, ``door_not_free``, ``content_unknown``,
    ``item_present``). Args: ``door``, ``staff_id``, ``reason``.
    """
    opened: deque[float] = deque()

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        door, staff = args.get("door"), args.get("staff_id")
        if not isinstance(door, int) or isinstance(door, bool) or not isinstance(staff, str):
            raise CommandError("bad_args", "locker.maintenance_open needs door and staff_id")
        if not staff:
            raise CommandError("bad_args", "a maintenance open names the staff member")
        if door not in locker.doors:
            raise CommandError("bad_args", f"door {door} is not one of the locker's doors")
        now = monotonic()
        while opened and now - opened[0] >= 60.0:
            opened.popleft()
        if len(opened) >= MAINTENANCE_OPENS_PER_MIN:
            raise CommandError("rate_limited", "too many maintenance opens in the last minute")

        def fire() -> str:
            opened.append(now)
            return open_door(locker, door, audit, actor=staff, via="remote")

        try:
            if handover is None:
                line = fire()
            else:
                result = handover.open_for_maintenance(door, fire)
                if not result.opened:
                    raise CommandError(result.reason, f"{result.detail}; not opened remotely")
                line = result.detail
        except ValueError as exc:
            raise CommandError("bad_args", str(exc)) from exc
        return {"door": door, "result": line}

    processor.register(MAINTENANCE_OPEN, handle)


__all__ = [
    "CONFIG_RELOAD",
    "OUTBOX_RESEND",
    "PRINT_TEST",
    "STATE_REPUBLISH",
    "Action",
    "callback_handler",
    "print_test_handler",
    "register_standard_handlers",
]

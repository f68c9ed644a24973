"""The command handlers for what the kiosk can do so far, for ``CommandProcessor.register``.

Actions: ``diag.print_test`` (a test ticket), ``config.reload`` (the app's reload
callback), ``state.republish`` (birth and health again), ``outbox.resend`` (resend from the
server's ``acked_seq``), ``diag.run`` (one self-test, its report as the result) and
``diag.bundle`` (the support bundle, sent like a photo's image). There is deliberately no
remote "open doors" action.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.checkin import CheckInService
from kiosk.core.commands import CommandError, CommandHandler, CommandProcessor
from kiosk.core.diagnostics.model import Diagnostics
from kiosk.core.diagnostics.self_tests import SelfTestRefusedError
from kiosk.core.diagnostics.service import DiagnosticsService
from kiosk.core.handover.service import HandoverService
from kiosk.core.tickets import TicketService
from kiosk.devices.locker.diag import open_door
from kiosk.devices.locker.protocol import Locker
from kiosk.errors import DiagnosticsError, StoreError, UnknownSelfTestError
from kiosk.store.diagnostics import BundleQueue, BundleRow
from kiosk.store.outbox import rfc3339

log = logging.getLogger(__name__)

PRINT_TEST = "diag.print_test"
CONFIG_RELOAD = "config.reload"
STATE_REPUBLISH = "state.republish"
OUTBOX_RESEND = "outbox.resend"
CHECKIN_ANSWER = "checkin.answer"
HANDOVER_ASSIGN = "handover.assign"
HANDOVER_CANCEL = "handover.cancel"
MAINTENANCE_OPEN = "locker.maintenance_open"
DIAG_RUN = "diag.run"
DIAG_BUNDLE = "diag.bundle"

MAX_ANSWER_POSITION = 9999
"""The most people ahead a ``checkin.answer`` may say (a lobby's queue, not a city's)."""
MAX_ANSWER_WAIT_MIN = 24 * 60
"""The longest wait a ``checkin.answer`` may say, in minutes (the same day)."""
_SERVICE_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")

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
    ``wait_minutes``, ``service``, ``host_notified`` (a meeting's host was told). The screen
    shows the position if the resident's result is still on it. Fails with ``bad_args`` or
    ``unknown_ref``.
    """

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = args.get("ref")
        accepted = args.get("accepted", True)
        position = args.get("position")
        wait = args.get("wait_minutes")
        if not isinstance(ref, str) or not ref or not isinstance(accepted, bool):
            raise CommandError("bad_args", "checkin.answer needs a text ref and a boolean")
        # NOTE: each figure is shown to the resident: bounded, so that 10**30 people ahead or
        # a wait past the year 9999 (an OverflowError after the answer was stored) cannot be.
        if position is not None and not _whole(position, MAX_ANSWER_POSITION):
            raise CommandError(
                "bad_args", f"position must be 0-{MAX_ANSWER_POSITION}, got {position!r:.40}"
            )
        if wait is not None and not _whole(wait, MAX_ANSWER_WAIT_MIN):
            raise CommandError(
                "bad_args", f"wait_minutes must be 0-{MAX_ANSWER_WAIT_MIN}, got {wait!r:.40}"
            )
        notified = args.get("host_notified", False)
        if not isinstance(notified, bool):
            raise CommandError("bad_args", f"host_notified must be true or false, got {notified!r}")
        service = args.get("service", "")
        if not isinstance(service, str) or not _SERVICE_ID_RE.fullmatch(service or "-"):
            # NOTE: an unnamed service is shown by its id: an id, never a sentence or markup.
            raise CommandError("bad_args", f"service must be a service id, got {service!r:.40}")
        outcome = checkin.apply_server_answer(
            ref,
            accepted=accepted,
            position=position,
            wait_minutes=wait,
            service_id=service,
            host_notified=notified,
        )
        if outcome is None:
            raise CommandError("unknown_ref", f"no check-in {ref!r} on this kiosk")
        return {"ref": ref, "result": outcome.result.value}

    return handle


def _whole(value: object, most: int) -> bool:
    """True for a whole number from 0 to ``most`` (a JSON ``true`` is not a number)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


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


def diag_run_handler(diagnostics: DiagnosticsService) -> CommandHandler:
    """``diag.run``: one self-test; the result is its report (``SelfTestResult.as_json()``).

    Args (of the command): ``device``; ``test`` (default: the device's first test);
    ``staff_present`` (a test that needs a person runs only with ``true``); ``staff_id``
    (who is there, for the audit). A test that ran answers ``ok: true`` whether it passed
    or not (``result.passed`` says). Fails with ``bad_args``, ``unknown_test``,
    ``needs_person`` (a person must act and ``staff_present`` is not true), ``busy``
    (another self-test runs), or the refusal's reason for a door that may hold a document
    (``door_has_case``, ``door_in_use``, ``door_not_free``, ``content_unknown``,
    ``item_present``: as ``locker.maintenance_open``). A test that waits for a person
    holds the command (and the link's worker) until it ends: at most its time-out
    (30 s to scan the echo code; 30 s to open plus 120 s to close a door).
    """

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        device, test = args.get("device"), args.get("test")
        staff_present, staff_id = args.get("staff_present", False), args.get("staff_id", "")
        if not isinstance(device, str) or not device:
            raise CommandError("bad_args", "diag.run needs a device (printer, scanner, …)")
        if test is not None and (not isinstance(test, str) or not test):
            raise CommandError("bad_args", "test is the name of a self-test (a text)")
        if not isinstance(staff_present, bool) or not isinstance(staff_id, str):
            raise CommandError("bad_args", "staff_present is a boolean, staff_id a text")
        try:
            info = diagnostics.find(device, test)
        except UnknownSelfTestError as exc:
            raise CommandError("unknown_test", str(exc)) from exc
        if info.needs_person and not staff_present:
            raise CommandError(
                "needs_person",
                f"{info.device}/{info.name} needs someone at the kiosk; send staff_present: "
                "true when staff are there",
            )
        try:
            result = diagnostics.run_self_test(
                info.device, info.name, via="remote", actor=staff_id or "server"
            )
        except SelfTestRefusedError as exc:
            raise CommandError(exc.reason, str(exc)) from exc
        except DiagnosticsError as exc:
            raise CommandError("busy", str(exc)) from exc
        return dict(result.as_json())

    return handle


def diag_bundle_handler(
    diagnostics: Diagnostics,
    bundles: BundleQueue,
    bundle_dir: Path,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CommandHandler:
    """``diag.bundle``: write the support bundle and queue it for the server.

    The bundle (``<state_dir>/diag/bundles/<sha256>.tar.gz``) travels like a photo's image
    on ``kiosk/v1/{id}/blob/{sha256}/{n}`` after the command's result; the server's
    ``blob-ack`` confirms it (``diag.bundle_transferred``) and its file is deleted then.
    One bundle waits at a time: a newer one replaces an unsent older one (``replaced``).
    Result: ``{"sha256", "size_bytes", "replaced"}``. Fails with ``bundle_failed`` when the
    file cannot be written or queued.
    """

    def handle(args: Mapping[str, Any]) -> Mapping[str, Any]:
        if args:
            log.info("%s ignores its arguments %r", DIAG_BUNDLE, sorted(args))
        taken = now()
        partial = bundle_dir / f"bundle-{taken.strftime('%Y%m%dT%H%M%S%fZ')}.tar.gz"
        try:
            bundle_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            diagnostics.write_bundle(partial)
            data = partial.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            final = bundle_dir / f"{sha256}.tar.gz"
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError("bundle_failed", f"the bundle could not be written: {exc}") from exc
        row = BundleRow(sha256, str(final), len(data), rfc3339(taken))
        try:
            replaced = bundles.enqueue(row)
        except StoreError as exc:
            final.unlink(missing_ok=True)
            raise CommandError("bundle_failed", f"the bundle could not be queued: {exc}") from exc
        if replaced is not None and replaced.file != str(final):
            Path(replaced.file).unlink(missing_ok=True)
            log.info("support bundle %s… replaced by %s…", replaced.sha256[:12], sha256[:12])
        return {
            "sha256": sha256,
            "size_bytes": len(data),
            "replaced": None if replaced is None else replaced.sha256,
        }

    return handle


def register_diag_handlers(
    processor: CommandProcessor,
    diagnostics: DiagnosticsService,
    bundles: BundleQueue,
    *,
    bundle_dir: Path,
) -> None:
    """``diag.run`` and ``diag.bundle`` (see their handlers).

    Args:
        processor: the kiosk's command processor.
        diagnostics: the kiosk's :class:`~kiosk.core.diagnostics.service.DiagnosticsService`.
        bundles: where the bundle waits for the link's blob sender.
        bundle_dir: where bundle files are written.
    """
    processor.register(DIAG_RUN, diag_run_handler(diagnostics))
    processor.register(DIAG_BUNDLE, diag_bundle_handler(diagnostics, bundles, bundle_dir))


__all__ = [
    "CONFIG_RELOAD",
    "DIAG_BUNDLE",
    "DIAG_RUN",
    "OUTBOX_RESEND",
    "PRINT_TEST",
    "STATE_REPUBLISH",
    "Action",
    "callback_handler",
    "diag_bundle_handler",
    "diag_run_handler",
    "print_test_handler",
    "register_diag_handlers",
    "register_standard_handlers",
]

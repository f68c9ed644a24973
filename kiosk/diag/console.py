"""The technician's commands of before, behaviour and exit statuses kept: ``print-test`` and
``locker status|open DOOR``."""

from __future__ import annotations

import argparse
import dataclasses
from contextlib import ExitStack

from kiosk.devices.health import HealthState
from kiosk.diag.audit import console_audit
from kiosk.diag.context import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Setup, err, out
from kiosk.diag.devices import open_locker, open_printer


def run_print_test(setup: Setup, args: argparse.Namespace) -> int:
    """``kiosk diag print-test``: the real ticket layout with sample values; only the
    printer is opened."""
    from kiosk.core.clock import SystemClock
    from kiosk.core.tickets import technician_test_ticket
    from kiosk.devices.printer.protocol import PrinterError, TextMode
    from kiosk.i18n.catalog import load_catalogs

    config = setup.config
    if args.text_mode:
        config = dataclasses.replace(
            config, printer=dataclasses.replace(config.printer, text_mode=TextMode(args.text_mode))
        )
    url = args.printer or config.printer.url
    if not url:
        err("kiosk: no printer configured and no --printer URL given")
        return EXIT_USAGE
    language = args.lang or config.ui.languages[0]
    catalogs = load_catalogs(config.ui.languages)
    _sample, layout = technician_test_ticket(config, catalogs, SystemClock().now(), language)
    printer = open_printer(config, url)
    try:
        before = printer.status().health()
        out(f"printer {url}")
        out(f"  health before: {before.state.value} {before.reason}".rstrip())
        try:
            after = printer.print_ticket(layout).health()
            printed = True
        except PrinterError as exc:
            after, printed = exc.health, False
        if printed:
            out(f"  test ticket printed ({config.printer.text_mode.value} mode)")
        else:
            out(f"  test ticket NOT printed: {after.reason or 'unknown'}")
        out(f"  health after:  {after.state.value} {after.reason}".rstrip())
        return EXIT_OK if printed else EXIT_FAILED
    finally:
        printer.close()


def run_locker(setup: Setup, args: argparse.Namespace) -> int:
    """``kiosk diag locker status|open DOOR``: a technician at the console."""
    from kiosk.devices.locker.diag import open_door, status_table

    config = setup.config
    url = args.locker or config.locker.url
    if not url:
        err("kiosk: no locker configured ([locker] url) and no --locker URL given")
        return EXIT_USAGE
    locker = open_locker(config, url)
    try:
        if args.locker_command == "status":
            out(status_table(locker))
            # NOTE: a board that does not answer makes the health a fault (its doors unknown).
            return EXIT_OK if locker.health().state is HealthState.OK else EXIT_FAILED
        with ExitStack() as stack:
            # NOTE: on a kiosk every console open is an audit event in the outbox: it
            # reaches the server with the next connection of the kiosk, like every other
            # event. On a bench (no config file) the audit goes to the log.
            audit = console_audit(setup, stack)
            stages: list[object] = []

            def record(data: dict[str, object]) -> None:
                audit(dict(data))
                # NOTE: "unlock_sent" with result "still_locked": the door still reads locked.
                stages.append((data.get("stage"), data.get("result", "ok")))

            try:
                out(open_door(locker, args.door, record, actor="technician", via="console"))
            except ValueError as exc:  # no such door: nothing audited, nothing fired
                err(f"kiosk: {exc}")
                return EXIT_USAGE
        return EXIT_OK if stages[-1:] == [("unlock_sent", "ok")] else EXIT_FAILED
    finally:
        locker.close()

"""``kiosk diag``: the technician's diagnostics in a shell (issue 11).

::

    kiosk diag status [--json] [--printer URL] [--scanner URL] [--locker URL] [--camera URL]
    kiosk diag test DEVICE [--name TEST] [--json] [--printer URL] … [--force]
    kiosk diag bundle OUT.tar.gz
    kiosk diag print-test [--printer URL] [--lang LANG] [--text-mode kanji|raster]
    kiosk diag locker status|open DOOR [--locker URL]

Every command works on a bench with nothing but a device URL: without ``--config`` and with
no ``/etc/kiosk/kiosk.toml`` the defaults below apply (a ``--config`` that does not exist is
still an error). A command opens only the device it tests (``status``: the devices named on
the line, else the configured ones); nothing else (no store is created, no broker, no other
port).

On a kiosk whose service runs, the kiosk holds the devices: ``status`` and ``bundle`` read
the running kiosk's status file (``<state_dir>/diag/status.json``) instead of opening them,
and ``test`` refuses a configured device (use the diagnostics screen or ``diag.run``, or
stop the kiosk first, or ``--force``).

Exit status: 0 ok (every device ok, the test passed, the bundle written); 1 a device is
degraded, at fault or unknown, or the test failed; 2 usage or config error.

The commands live in :mod:`kiosk.diag` (one module per group: status, self-tests, bundle, the
console's print-test and locker); this module builds the parser and dispatches.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import DEFAULT_CONFIG_PATH
from kiosk.devices.url import check_device_url, parse_device_url
from kiosk.diag import context
from kiosk.diag.context import (
    BENCH_DOCUMENT,
    DEVICES,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    URL_DEVICES,
    Seams,
    Setup,
)
from kiosk.diag.devices import open_scanner as _scanner

if TYPE_CHECKING:
    from kiosk.core.diagnostics.model import SelfTestResult
    from kiosk.core.diagnostics.self_tests import Prompt

# NOTE: the diagnostics core (OpenCV, numpy, the ticket layout) is imported inside the
# commands' functions: `kiosk run` builds this parser too, and its cold start must not pay
# for them.

STATUS_HELP = (
    "exit status: 0 every device ok; 1 a device degraded, at fault or unknown; "
    "2 usage or config error"
)
TEST_HELP = "exit status: 0 the test passed; 1 it failed or was refused; 2 usage or config error"


def load_setup(config_path: Path | None) -> Setup:
    """The config file given, else the default one if present, else the bench defaults.

    Raises:
        ConfigError: a file given with ``--config`` does not exist, or a file is not valid.
    """
    return context.load_setup(config_path, default_path=DEFAULT_CONFIG_PATH)


# NOTE: the three below stand in for the commands' own functions, imported when called, so
# that building the parser imports no command module (tests replace _print_prompt here).


def _print_prompt(prompt: Prompt | None, *, to_stderr: bool = False) -> None:
    """Tell the technician what to do for a running test (a QR code to scan, a door)."""
    from kiosk.diag.self_tests import print_prompt

    print_prompt(prompt, to_stderr=to_stderr)


def status_lines(status: Mapping[str, Any], note: str = "") -> list[str]:
    """The status as text for a terminal (:func:`kiosk.diag.status.status_lines`)."""
    from kiosk.diag import status as command

    return command.status_lines(status, note)


def result_lines(result: SelfTestResult) -> list[str]:
    """A self-test's result as text (:func:`kiosk.diag.self_tests.result_lines`)."""
    from kiosk.diag import self_tests as command

    return command.result_lines(result)


# ---- the parser ---------------------------------------------------------------------------


def add_diag_parser(
    sub: Any, with_config: Sequence[argparse.ArgumentParser], epilog: str
) -> argparse.ArgumentParser:
    """Add ``diag`` and its actions to the ``kiosk`` parser's subcommands."""
    diag: argparse.ArgumentParser = sub.add_parser(
        "diag", help="diagnostics for technicians", epilog=epilog
    )
    diag_sub = diag.add_subparsers(dest="diag_command", required=True, metavar="ACTION")

    def urls(parser: argparse.ArgumentParser, names: Sequence[str] = URL_DEVICES) -> None:
        for name in names:
            parser.add_argument(
                f"--{name}", help=f"{name} URL (default: the configured one, if any)"
            )

    status = diag_sub.add_parser(
        "status",
        parents=with_config,
        help="every device's health, the link, disk, clock, versions, counters",
        epilog=STATUS_HELP,
    )
    status.add_argument("--json", action="store_true", help="one JSON object")
    urls(status)

    test = diag_sub.add_parser(
        "test",
        parents=with_config,
        help="run a device's self-test",
        epilog=TEST_HELP,
        description="Self-tests: printer print; scanner echo (scan the code shown); camera "
        "frame (brightness, focus); locker status, door-N (unlock, open, close: someone "
        "pulls and pushes the door); camera_mount home.",
    )
    test.add_argument("device", help=f"one of {', '.join(DEVICES)}")
    test.add_argument("--name", help="the test (default: the device's first)")
    test.add_argument("--json", action="store_true", help="the result as one JSON object")
    test.add_argument("--timeout", type=float, help="seconds to wait for a person (echo, door)")
    test.add_argument(
        "--force", action="store_true", help="open the device even though the kiosk runs"
    )
    test.add_argument("--lang", help="test ticket language (default: the first)")
    urls(test)

    bundle = diag_sub.add_parser(
        "bundle",
        parents=with_config,
        help="write logs, health, counters, frames and the config (no secrets) to a .tar.gz",
        epilog="exit status: 0 written; 1 not written; 2 usage or config error",
    )
    bundle.add_argument("out", type=Path, metavar="OUT.tar.gz")

    print_test = diag_sub.add_parser(
        "print-test",
        parents=with_config,
        help="print a test ticket",
        epilog="exit status: 0 printed; 1 not printed; 2 usage or config error",
    )
    print_test.add_argument("--printer", help="printer URL (default: the configured one)")
    print_test.add_argument("--lang", default=None, help="ticket language (default: first)")
    print_test.add_argument(
        "--text-mode", choices=["kanji", "raster"], help="override the printer profile"
    )

    locker = diag_sub.add_parser("locker", help="the compartment locker", epilog=epilog)
    locker_sub = locker.add_subparsers(dest="locker_command", required=True, metavar="ACTION")
    locker_status = locker_sub.add_parser(
        "status",
        parents=with_config,
        help="every door: locked, open, item",
        epilog="exit status: 0 every door read and the locker ok; 1 a door unknown or the "
        "locker degraded, at fault or unknown; 2 usage or config error",
    )
    locker_status.add_argument("--locker", help="locker URL (default: the configured one)")
    locker_open = locker_sub.add_parser(
        "open",
        parents=with_config,
        help="fire one door's lock once (audited)",
        epilog="exit status: 0 unlock sent and confirmed; 1 unlock not confirmed (no answer, "
        "or the door still reads locked); 2 usage or config error",
    )
    locker_open.add_argument("door", type=int)
    locker_open.add_argument("--locker", help="locker URL (default: the configured one)")
    return diag


def run_diag(args: argparse.Namespace) -> int:
    """Run ``kiosk diag …`` (``args`` from the ``kiosk`` parser)."""
    for device in URL_DEVICES:
        url = getattr(args, device, None)
        if url:
            check_device_url(parse_device_url(url, default_port=9100), device)
    setup = load_setup(args.config)
    # NOTE: read at call time, so that a test replacing _scanner or _print_prompt here is heard.
    seams = Seams(open_scanner=_scanner, print_prompt=_print_prompt)
    command = args.diag_command
    if command == "status":
        from kiosk.diag.status import run_status

        return run_status(setup, args, seams)
    if command == "test":
        from kiosk.diag.self_tests import run_test

        return run_test(setup, args, seams)
    if command == "bundle":
        from kiosk.diag.bundle import run_bundle

        return run_bundle(setup, args.out)
    if command == "print-test":
        from kiosk.diag.console import run_print_test

        return run_print_test(setup, args)
    from kiosk.diag.console import run_locker

    return run_locker(setup, args)


__all__ = [
    "BENCH_DOCUMENT",
    "DEFAULT_CONFIG_PATH",
    "DEVICES",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "URL_DEVICES",
    "Setup",
    "add_diag_parser",
    "load_setup",
    "result_lines",
    "run_diag",
    "status_lines",
]

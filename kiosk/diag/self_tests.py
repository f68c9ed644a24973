"""``kiosk diag test DEVICE``: open the one device and run one of its self-tests.

The tests themselves live in :mod:`kiosk.core.diagnostics.self_tests`; this module opens the
device, offers its tests, shows their prompts in the terminal and prints the result. On a kiosk
whose service runs, a configured device is refused (the kiosk holds it) unless ``--force``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.diag.audit import door_audit
from kiosk.diag.context import (
    DEVICE_ALIASES,
    DEVICES,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    SCANNER_CONNECT_S,
    Seams,
    Setup,
    device_url,
    err,
    out,
)
from kiosk.diag.devices import open_camera, open_locker, open_mount, open_printer
from kiosk.errors import UnknownSelfTestError

if TYPE_CHECKING:
    from kiosk.core.diagnostics.model import SelfTestResult
    from kiosk.core.diagnostics.self_tests import PrinterPrintTest, Prompt, SelfTest
    from kiosk.core.diagnostics.service import DiagnosticsService

log = logging.getLogger(__name__)


def device_name(text: str) -> str:
    """The device a name on the line means (``mount`` is ``camera_mount``).

    Raises:
        UnknownSelfTestError: no such device.
    """
    name = DEVICE_ALIASES.get(text, text)
    if name not in DEVICES:
        raise UnknownSelfTestError(f"no device {text!r}; devices: {', '.join(DEVICES)}")
    return name


@contextmanager
def _device_tests(
    setup: Setup,
    args: argparse.Namespace,
    device: str,
    service: DiagnosticsService,
    seams: Seams,
) -> Iterator[None]:
    """Open the one device and offer its tests on ``service``."""
    from kiosk.core.diagnostics.self_tests import (
        CameraFrameTest,
        MountHomingTest,
        ScannerEchoTest,
    )

    config = setup.config
    timeout: float | None = args.timeout
    with ExitStack() as stack:
        tests: list[SelfTest] = []
        if device == "camera_mount":
            tests.append(MountHomingTest(open_mount(setup, service.parts.health, stack)))
        else:
            url = device_url(setup, args, device)
            if not url:
                raise UnknownSelfTestError(
                    f"no {device} configured here: name one with --{device} URL"
                )
            if device == "printer":
                tests.append(_printer_test(config, url, args.lang, stack, service))
            elif device == "scanner":
                _open_scanner_for_echo(config, url, stack, service, seams)
                tests.append(ScannerEchoTest(service.tap, timeout_s=timeout or 30.0))
            elif device == "camera":
                camera = open_camera(url, service.parts.health)
                stack.callback(camera.close)
                tests.append(CameraFrameTest(camera))
            else:
                locker = open_locker(config, url)
                stack.callback(locker.close)
                tests.extend(_locker_tests(setup, locker, timeout, stack))
        for test in tests:
            service.add_test(test)
        yield


def _open_scanner_for_echo(
    config: KioskConfig,
    url: str,
    stack: ExitStack,
    service: DiagnosticsService,
    seams: Seams,
) -> None:
    """Start the scanner behind ``service``'s tap and wait until its port is open.

    NOTE: the echo's code is shown only after the driver reports the port open. pyserial's
    open() (socket:// and serial ports alike) throws away every byte that arrived before it
    returned, so a code scanned while the port was still opening was lost and the test saw
    nothing (a scanner started a moment before the prompt; the cause of a flaky test).
    """
    opened = threading.Event()

    def on_health(name: str, health: Health) -> object:
        service.parts.health.report(name, health)
        if health.state is HealthState.OK:
            opened.set()
        return None

    scanner = seams.open_scanner(config, url)
    stack.callback(scanner.stop)
    scanner.start(service.tap_codes(lambda _code: None), on_health)
    if not opened.wait(SCANNER_CONNECT_S):
        # The driver keeps trying: a scanner plugged in while the code is shown still passes.
        log.warning(
            "scanner %s not open after %g s; showing the code anyway", url, SCANNER_CONNECT_S
        )


def _printer_test(
    config: KioskConfig, url: str, lang: str | None, stack: ExitStack, service: DiagnosticsService
) -> PrinterPrintTest:
    from kiosk.core.clock import SystemClock
    from kiosk.core.diagnostics.self_tests import PrinterPrintTest
    from kiosk.core.tickets import TicketOutcome, technician_test_ticket
    from kiosk.devices.printer.protocol import PrinterError
    from kiosk.i18n.catalog import load_catalogs

    printer = open_printer(config, url)
    stack.callback(printer.close)
    language = lang or config.ui.languages[0]
    if language not in config.ui.languages:
        raise UnknownSelfTestError(f"no language {language!r}; {config.ui.languages}")
    catalogs = load_catalogs(config.ui.languages)

    def print_test() -> TicketOutcome:
        sample, layout = technician_test_ticket(config, catalogs, SystemClock().now(), language)
        try:
            status = printer.print_ticket(layout)
        except PrinterError as exc:
            service.parts.health.report("printer", exc.health)
            return TicketOutcome(sample, printed=False, problem=exc.health)
        health = status.health()
        service.parts.health.report("printer", health)
        return TicketOutcome(sample, True, None if health.state is HealthState.OK else health)

    return PrinterPrintTest(printer.status, print_test)


def _locker_tests(
    setup: Setup, locker: Any, timeout: float | None, stack: ExitStack
) -> list[SelfTest]:
    from kiosk.core.diagnostics.self_tests import (
        DoorCycleTest,
        LockerStatusTest,
        door_firer,
    )

    audit, gate = door_audit(setup, stack)
    fire = door_firer(locker, audit, gate)
    waits = {} if timeout is None else {"open_timeout_s": timeout, "close_timeout_s": timeout}
    return [
        LockerStatusTest(locker),
        *(DoorCycleTest(locker, door, fire, **waits) for door in locker.doors),
    ]


def print_prompt(prompt: Prompt | None, *, to_stderr: bool = False) -> None:
    """Tell the technician what to do for a running test (a QR code to scan, a door)."""
    from kiosk.core.diagnostics.self_tests import (
        PROMPT_CLOSE_DOOR,
        PROMPT_OPEN_DOOR,
        PROMPT_SCAN,
    )

    if prompt is None:
        return
    say = err if to_stderr else out
    stream = sys.stderr if to_stderr else sys.stdout
    if prompt.kind == PROMPT_SCAN:
        import qrcode

        say(f"Scan this code with the scanner within {prompt.timeout_s:g} s:")
        qr = qrcode.QRCode(border=2)
        qr.add_data(prompt.payload)
        qr.print_ascii(out=stream, invert=True)
        say(f"  (its text: {prompt.payload})")
    elif prompt.kind == PROMPT_OPEN_DOOR:
        say(f"Door {prompt.door} is unlocked: pull it open now.")
    elif prompt.kind == PROMPT_CLOSE_DOOR:
        say(f"Door {prompt.door} reads open: push it shut now.")


def result_lines(result: SelfTestResult) -> list[str]:
    """A self-test's result as text for a terminal."""
    lines = [
        f"{result.device} {result.name}: {'PASSED' if result.passed else 'FAILED'} "
        f"({result.duration_s:.1f} s)",
        f"  {result.detail}",
    ]
    lines.extend(f"  {key}: {value}" for key, value in result.measured.items())
    return lines


def run_test(setup: Setup, args: argparse.Namespace, seams: Seams) -> int:
    """Run ``kiosk diag test DEVICE``; the exit status says whether the test passed."""
    from kiosk.core.diagnostics.self_tests import SelfTestRefusedError
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsParts,
        DiagnosticsService,
        read_running_kiosk,
    )

    device = device_name(args.device)
    if not setup.bench and not args.force and not getattr(args, device, None):
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            err(
                f"kiosk: the kiosk runs (pid {running.pid}) and holds the {device}: run the "
                "test from the diagnostics screen or with the diag.run command, or stop the "
                "kiosk first (sudo systemctl stop kiosk), or add --force"
            )
            return EXIT_USAGE
    board = HealthBoard()
    service = DiagnosticsService(
        DiagnosticsParts(kiosk_id=setup.config.kiosk_id, health=board, software_version=__version__)
    )
    # NOTE: with --json the instructions go to stderr: stdout holds the one JSON object.
    service.subscribe_prompts(lambda prompt: seams.print_prompt(prompt, to_stderr=args.json))
    with _device_tests(setup, args, device, service, seams):
        info = service.find(device, args.name)
        try:
            result = service.run_self_test(device, info.name, via="console")
        except SelfTestRefusedError as exc:
            err(f"kiosk: {exc} ({exc.reason})")
            return EXIT_FAILED
    if args.json:
        out(json.dumps(result.as_json(), ensure_ascii=False, sort_keys=True))
    else:
        out("\n".join(result_lines(result)))
    return EXIT_OK if result.passed else EXIT_FAILED

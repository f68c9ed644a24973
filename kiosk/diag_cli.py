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
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.config import DEFAULT_CONFIG_PATH, KioskConfig, parse_config, read_config_document
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.url import check_device_url, parse_device_url
from kiosk.errors import DeviceError, StoreError, UnknownSelfTestError

if TYPE_CHECKING:
    from kiosk.core.diagnostics.model import SelfTestResult
    from kiosk.core.diagnostics.self_tests import PrinterPrintTest, Prompt, SelfTest
    from kiosk.core.diagnostics.service import DiagnosticsParts, DiagnosticsService

# NOTE: the diagnostics core (OpenCV, numpy, the ticket layout) is imported inside the
# functions: `kiosk run` builds this parser too, and its cold start must not pay for them.

log = logging.getLogger(__name__)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DB_NAME = "kiosk.sqlite3"
DEVICES = ("printer", "scanner", "camera", "locker", "camera_mount")
DEVICE_ALIASES = {"mount": "camera_mount"}
URL_DEVICES = ("printer", "scanner", "locker", "camera")
SCANNER_CONNECT_S = 3.0
"""How long ``status`` (and the echo test, before it shows its code) waits for a scanner to
report that it is connected."""

BENCH_DOCUMENT: dict[str, Any] = {
    "kiosk": {
        "id": "bench",
        "office": "bench",
        "office_name": {"ja": "診断", "en": "Bench"},
        "timezone": "Asia/Tokyo",
    },
    "ui": {"languages": ["ja", "en"]},
    "tickets": {
        "reset_time": "03:00",
        "number_format": "{prefix}-{number:03d}",
        "status_url": "https://queue.example.jp/{office}/t/{ticket_id}",
    },
    "services": [
        {
            "id": "test",
            "prefix": "T",
            "name": {"ja": "テスト", "en": "Test"},
            "average_service_min": 5,
        }
    ],
    "printer": {"url": ""},
    "mqtt": {"broker": ""},
}
"""The configuration of a bench: no file, nothing fitted but what the line names."""

STATUS_HELP = (
    "exit status: 0 every device ok; 1 a device degraded, at fault or unknown; "
    "2 usage or config error"
)
TEST_HELP = "exit status: 0 the test passed; 1 it failed or was refused; 2 usage or config error"


@dataclasses.dataclass(frozen=True)
class Setup:
    """The configuration a ``diag`` command runs with.

    Attributes:
        config: the validated configuration (the bench defaults without a file).
        document: the file as read (None: defaults).
        path: the file (None: defaults).
    """

    config: KioskConfig
    document: dict[str, Any] | None
    path: Path | None

    @property
    def bench(self) -> bool:
        """True when no configuration file is used."""
        return self.path is None

    @property
    def state_dir(self) -> Path:
        """The state folder of the configured kiosk."""
        return Path(self.config.state_dir)


def load_setup(config_path: Path | None) -> Setup:
    """The config file given, else the default one if present, else the bench defaults.

    Raises:
        ConfigError: a file given with ``--config`` does not exist, or a file is not valid.
    """
    path = config_path
    if path is None and DEFAULT_CONFIG_PATH.is_file():
        path = DEFAULT_CONFIG_PATH
    if path is None:
        return Setup(parse_config(BENCH_DOCUMENT, source="kiosk diag defaults"), None, None)
    document = read_config_document(path)
    return Setup(parse_config(document, source=str(path), base_dir=path.parent), document, path)


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
    command = args.diag_command
    if command == "status":
        return _status(setup, args)
    if command == "test":
        return _test(setup, args)
    if command == "bundle":
        return _bundle(setup, args.out)
    if command == "print-test":
        return _print_test(setup, args)
    return _locker(setup, args)


# ---- devices, opened one by one -------------------------------------------------------------


def _printer(config: KioskConfig, url: str) -> Any:
    from kiosk.device_opening import open_configured_printer

    return open_configured_printer(config, url)


def _locker_device(config: KioskConfig, url: str) -> Any:
    from kiosk.device_opening import open_configured_locker

    return open_configured_locker(config, url)


def _scanner(config: KioskConfig, url: str) -> Any:
    from kiosk.devices.scanner.factory import ScannerSettings, open_scanner

    return open_scanner(
        url,
        ScannerSettings(
            suffix=config.scanner.suffix, repeat_window_s=config.scanner.repeat_window_s
        ),
    )


def _camera(url: str, board: HealthBoard) -> Any:
    from kiosk.devices.camera.factory import open_camera

    return open_camera(url, on_health=board.report)


def _url(setup: Setup, args: argparse.Namespace, device: str) -> str:
    """The device's URL: from the line, else the config (``sim://`` does not count)."""
    given = getattr(args, device, None)
    if given:
        return str(given)
    configured = {
        "printer": setup.config.printer.url,
        "scanner": setup.config.scanner.url,
        "locker": setup.config.locker.url,
        "camera": setup.config.photo.camera_url if setup.config.photo.enabled else "",
    }.get(device, "")
    if setup.bench or not configured or configured.startswith("sim:"):
        return ""
    return configured


def _clock_guard(board: HealthBoard) -> None:
    from kiosk.core.clock import SystemClock
    from kiosk.core.clock_guard import ClockGuard
    from kiosk.devices.clock.adjtimex import AdjtimexClockSync

    ClockGuard(AdjtimexClockSync(), SystemClock(), health=board).check()


# ---- status ------------------------------------------------------------------------------


def _offline_parts(setup: Setup, board: HealthBoard) -> DiagnosticsParts:
    """What a shell knows of a kiosk that is not running: its database, read-only."""
    from kiosk.core.diagnostics.bundle import read_journal
    from kiosk.core.diagnostics.model import LinkStatus
    from kiosk.core.diagnostics.service import DiagnosticsParts, fault_from_event
    from kiosk.store.diagnostics import read_summary

    config = setup.config
    counters: dict[str, int] = {}
    earlier = []
    link: LinkStatus | None = None
    db_path = setup.state_dir / DB_NAME
    if not setup.bench and db_path.is_file():
        try:
            summary = read_summary(db_path)
        except StoreError as exc:
            log.warning("state database not read: %s", exc)
        else:
            counters = summary.counters
            earlier = [f for d in summary.recent_health if (f := fault_from_event(d))]
            age = None
            if summary.oldest_created is not None:
                oldest = datetime.fromisoformat(summary.oldest_created.replace("Z", "+00:00"))
                age = round((datetime.now(UTC) - oldest).total_seconds(), 3)
            link = LinkStatus(config.mqtt.broker, False, None, summary.outbox_depth, age)
    return DiagnosticsParts(
        kiosk_id=config.kiosk_id,
        health=board,
        software_version=__version__,
        state_dir=None if setup.bench else setup.state_dir,
        link=lambda: link,
        counters=lambda: counters,
        earlier_faults=earlier,
        config_document=setup.document,
        log_files=lambda: [] if setup.bench else sorted(setup.state_dir.glob("*.log")),
        journal=None if setup.bench else read_journal,
    )


def _probe(
    setup: Setup, args: argparse.Namespace, board: HealthBoard, stack: ExitStack
) -> dict[str, Callable[[], Any]]:
    """Open each device to look at (the line's, else the configured ones) and read its
    health once; returns their flight recorders."""
    from kiosk.diag_wiring import recorder_of

    frames: dict[str, Callable[[], Any]] = {}
    given = [d for d in URL_DEVICES if getattr(args, d, None)]
    for device in given or URL_DEVICES:
        url = _url(setup, args, device)
        if not url:
            continue
        board.register(device)
        if device == "printer":
            printer = _printer(setup.config, url)
            stack.callback(printer.close)
            board.report(device, printer.status().health())
            frames[device] = recorder_of(printer) or list
        elif device == "locker":
            locker = _locker_device(setup.config, url)
            stack.callback(locker.close)
            try:
                locker.read_doors()
            except DeviceError as exc:
                log.warning("locker not read: %s", exc)
            board.report(device, locker.health())
            frames[device] = recorder_of(locker) or list
        elif device == "scanner":
            _probe_scanner(setup, url, board, stack)
        else:
            camera = _camera(url, board)
            stack.callback(camera.close)
            try:
                camera.still()
            except DeviceError as exc:
                log.warning("camera gave no frame: %s", exc)
            board.report(device, camera.health)
    return frames


def _probe_scanner(setup: Setup, url: str, board: HealthBoard, stack: ExitStack) -> None:
    reported = threading.Event()

    def on_health(name: str, health: Health) -> object:
        board.report(name, health)
        reported.set()
        return None

    scanner = _scanner(setup.config, url)
    stack.callback(scanner.stop)
    scanner.start(lambda _code: None, on_health)
    if not reported.wait(SCANNER_CONNECT_S):
        board.report(
            "scanner",
            Health(HealthState.UNKNOWN, "no_answer", f"no report within {SCANNER_CONNECT_S:g} s"),
        )


def _status(setup: Setup, args: argparse.Namespace) -> int:
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsService,
        read_running_kiosk,
    )

    given = any(getattr(args, d, None) for d in URL_DEVICES)
    if not setup.bench and not given:
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            status = running.status
            note = f"from the running kiosk (pid {running.pid}, {running.age_s:g} s ago)"
            return _show_status(status, args.json, note)
    board = HealthBoard()
    if not given:  # the whole kiosk; devices named on the line are looked at alone
        _clock_guard(board)
    with ExitStack() as stack:
        frames = _probe(setup, args, board, stack)
        parts = _offline_parts(setup, board)
        parts.frames = frames
        status = DiagnosticsService(parts).status().as_json()
    note = "bench: the devices named on the line" if setup.bench else "the kiosk is not running"
    return _show_status(status, args.json, note)


def _worst(status: Mapping[str, Any]) -> str:
    order = ("ok", "degraded", "unknown", "fault")
    states = [str(d.get("state")) for d in status.get("devices", {}).values()] or ["ok"]
    return max(states, key=lambda s: order.index(s) if s in order else len(order))


def _show_status(status: Mapping[str, Any], as_json: bool, note: str) -> int:
    worst = _worst(status)
    if as_json:
        _out(json.dumps({**status, "source": note}, ensure_ascii=False, sort_keys=True))
    else:
        _out("\n".join(status_lines(status, note)))
    return EXIT_OK if worst == "ok" else EXIT_FAILED


def status_lines(status: Mapping[str, Any], note: str = "") -> list[str]:
    """The status as text for a terminal."""
    lines = [
        f"kiosk {status.get('kiosk')}  software {status.get('software_version')}  "
        f"config version {status.get('config_version')}  ({note})".replace("  ()", ""),
        f"{'device':<14}{'state':<10}{'reason':<24}since",
    ]
    devices = status.get("devices", {})
    for name, d in sorted(devices.items()):
        lines.append(
            f"{name:<14}{d.get('state', ''):<10}{d.get('reason') or '-':<24}{d.get('since') or ''}"
        )
        if d.get("detail") and d.get("state") != "ok":
            lines.append(f"{'':<14}{d['detail']}")
    if not devices:
        lines.append("(no device: name one with --printer URL, --scanner URL, …)")
    link = status.get("link")
    if link:
        server = {True: "server online", False: "server offline", None: "server not heard"}[
            link.get("server_online")
        ]
        age = link.get("oldest_unsent_age_s")
        lines.append(
            f"link: {link.get('broker') or 'offline by configuration'}; "
            f"{'connected' if link.get('connected') else 'not connected'}, {server}; "
            f"outbox {link.get('outbox_depth')}"
            + (f" (oldest {age:.0f} s)" if isinstance(age, int | float) else "")
        )
    disk = status.get("disk")
    if disk:
        lines.append(
            f"disk: {disk['path']} {disk['free_bytes'] / 1e9:.1f} GB free of "
            f"{disk['total_bytes'] / 1e9:.1f} GB"
        )
    counters = status.get("counters") or {}
    if counters:
        lines.append("counters: " + ", ".join(f"{k} {v}" for k, v in sorted(counters.items())))
    faults = status.get("recent_faults") or []
    if faults:
        lines.append("recent faults:")
        lines.extend(
            f"  {f.get('since')}  {f.get('device')} {f.get('state')} {f.get('reason')}"
            for f in faults[:10]
        )
    for device, frames in sorted((status.get("frames") or {}).items()):
        if frames:
            lines.append(f"last frames of {device}:")
            lines.extend(
                f"  {f.get('at')} {f.get('direction'):<3} {f.get('hex')}" for f in frames[-8:]
            )
    return lines


# ---- self-tests --------------------------------------------------------------------------


def _device_name(text: str) -> str:
    name = DEVICE_ALIASES.get(text, text)
    if name not in DEVICES:
        raise UnknownSelfTestError(f"no device {text!r}; devices: {', '.join(DEVICES)}")
    return name


@contextmanager
def _device_tests(
    setup: Setup, args: argparse.Namespace, device: str, service: DiagnosticsService
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
            tests.append(MountHomingTest(_mount(setup, service.parts.health, stack)))
        else:
            url = _url(setup, args, device)
            if not url:
                raise UnknownSelfTestError(
                    f"no {device} configured here: name one with --{device} URL"
                )
            if device == "printer":
                tests.append(_printer_test(config, url, args.lang, stack, service))
            elif device == "scanner":
                _open_scanner_for_echo(config, url, stack, service)
                tests.append(ScannerEchoTest(service.tap, timeout_s=timeout or 30.0))
            elif device == "camera":
                camera = _camera(url, service.parts.health)
                stack.callback(camera.close)
                tests.append(CameraFrameTest(camera))
            else:
                locker = _locker_device(config, url)
                stack.callback(locker.close)
                tests.extend(_locker_tests(setup, locker, timeout, stack))
        for test in tests:
            service.add_test(test)
        yield


def _open_scanner_for_echo(
    config: KioskConfig, url: str, stack: ExitStack, service: DiagnosticsService
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

    scanner = _scanner(config, url)
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

    printer = _printer(config, url)
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

    audit, gate = _door_audit(setup, stack)
    fire = door_firer(locker, audit, gate)
    waits = {} if timeout is None else {"open_timeout_s": timeout, "close_timeout_s": timeout}
    return [
        LockerStatusTest(locker),
        *(DoorCycleTest(locker, door, fire, **waits) for door in locker.doors),
    ]


def _door_audit(setup: Setup, stack: ExitStack) -> tuple[Callable[[dict[str, Any]], None], Any]:
    """Where a door test's audit goes, and which doors it may open.

    On a kiosk (its database exists): the audit is an ``audit.locker_open`` event in the
    outbox, and a door whose compartment has a case is refused. On a bench: the log.
    """
    db_path = setup.state_dir / DB_NAME
    if setup.bench or not db_path.is_file():

        def log_audit(data: dict[str, Any]) -> None:
            log.warning("audit (bench, not stored): %s", data)

        return log_audit, None
    from kiosk.core import events
    from kiosk.store.database import Database
    from kiosk.store.handover import HandoverRepository
    from kiosk.store.kv import begin_session
    from kiosk.store.outbox import Outbox

    db = Database(db_path)
    stack.callback(db.close)
    outbox = Outbox(db, kiosk_id=setup.config.kiosk_id, session=begin_session(db))

    def audit(data: dict[str, Any]) -> None:
        with db.transaction() as tx:
            outbox.append(tx, events.AUDIT, "audit.locker_open", dict(data))

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


def _mount(setup: Setup, board: HealthBoard, stack: ExitStack) -> Any:
    mc = setup.config.photo.mount
    if not mc.enabled:
        raise UnknownSelfTestError("no camera mount configured ([photo.mount] enabled)")
    from kiosk.devices.camera_mount.factory import build_camera_mount

    settings = dataclasses.replace(mc.settings, home_at_start=False)
    mount = build_camera_mount(settings, None, on_health=board.report)
    stack.callback(mount.close)
    return mount


def _print_prompt(prompt: Prompt | None, *, to_stderr: bool = False) -> None:
    """Tell the technician what to do for a running test (a QR code to scan, a door)."""
    from kiosk.core.diagnostics.self_tests import (
        PROMPT_CLOSE_DOOR,
        PROMPT_OPEN_DOOR,
        PROMPT_SCAN,
    )

    if prompt is None:
        return
    say = _err if to_stderr else _out
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


def _test(setup: Setup, args: argparse.Namespace) -> int:
    from kiosk.core.diagnostics.self_tests import SelfTestRefusedError
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsParts,
        DiagnosticsService,
        read_running_kiosk,
    )

    device = _device_name(args.device)
    if not setup.bench and not args.force and not getattr(args, device, None):
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            _err(
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
    service.subscribe_prompts(lambda prompt: _print_prompt(prompt, to_stderr=args.json))
    with _device_tests(setup, args, device, service):
        info = service.find(device, args.name)
        try:
            result = service.run_self_test(device, info.name, via="console")
        except SelfTestRefusedError as exc:
            _err(f"kiosk: {exc} ({exc.reason})")
            return EXIT_FAILED
    if args.json:
        _out(json.dumps(result.as_json(), ensure_ascii=False, sort_keys=True))
    else:
        _out("\n".join(result_lines(result)))
    return EXIT_OK if result.passed else EXIT_FAILED


# ---- bundle ------------------------------------------------------------------------------


def _bundle(setup: Setup, out: Path) -> int:
    from kiosk.core.diagnostics.bundle import write_bundle
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsService,
        read_running_kiosk,
    )

    if out.is_dir():
        raise UnknownSelfTestError(f"{out} is a folder; name the bundle file (OUT.tar.gz)")
    status: Mapping[str, Any] | None = None
    if not setup.bench:
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            status = running.status
    board = HealthBoard()
    parts = _offline_parts(setup, board)
    if status is None:
        _clock_guard(board)
        status = DiagnosticsService(parts).status().as_json()
    try:
        write_bundle(
            out,
            status,
            config_document=setup.document,
            log_files=list(parts.log_files()),
            journal=parts.journal,
        )
    except OSError as exc:
        _err(f"kiosk: the bundle could not be written: {exc}")
        return EXIT_FAILED
    _out(f"{out}: written ({out.stat().st_size} bytes)")
    return EXIT_OK


# ---- the technician's commands of before (behaviour and exit statuses kept) ---------------


def _print_test(setup: Setup, args: argparse.Namespace) -> int:
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
        _err("kiosk: no printer configured and no --printer URL given")
        return EXIT_USAGE
    language = args.lang or config.ui.languages[0]
    catalogs = load_catalogs(config.ui.languages)
    _sample, layout = technician_test_ticket(config, catalogs, SystemClock().now(), language)
    printer = _printer(config, url)
    try:
        before = printer.status().health()
        _out(f"printer {url}")
        _out(f"  health before: {before.state.value} {before.reason}".rstrip())
        try:
            after = printer.print_ticket(layout).health()
            printed = True
        except PrinterError as exc:
            after, printed = exc.health, False
        if printed:
            _out(f"  test ticket printed ({config.printer.text_mode.value} mode)")
        else:
            _out(f"  test ticket NOT printed: {after.reason or 'unknown'}")
        _out(f"  health after:  {after.state.value} {after.reason}".rstrip())
        return EXIT_OK if printed else EXIT_FAILED
    finally:
        printer.close()


def _locker(setup: Setup, args: argparse.Namespace) -> int:
    """``kiosk diag locker status|open DOOR``: a technician at the console."""
    from kiosk.devices.locker.diag import open_door, status_table

    config = setup.config
    url = args.locker or config.locker.url
    if not url:
        _err("kiosk: no locker configured ([locker] url) and no --locker URL given")
        return EXIT_USAGE
    locker = _locker_device(config, url)
    try:
        if args.locker_command == "status":
            _out(status_table(locker))
            # NOTE: a board that does not answer makes the health a fault (its doors unknown).
            return EXIT_OK if locker.health().state is HealthState.OK else EXIT_FAILED
        with ExitStack() as stack:
            # NOTE: on a kiosk every console open is an audit event in the outbox: it
            # reaches the server with the next connection of the kiosk, like every other
            # event. On a bench (no config file) the audit goes to the log.
            audit = _console_audit(setup, stack)
            stages: list[object] = []

            def record(data: dict[str, object]) -> None:
                audit(dict(data))
                # NOTE: "unlock_sent" with result "still_locked": the door still reads locked.
                stages.append((data.get("stage"), data.get("result", "ok")))

            try:
                _out(open_door(locker, args.door, record, actor="technician", via="console"))
            except ValueError as exc:  # no such door: nothing audited, nothing fired
                _err(f"kiosk: {exc}")
                return EXIT_USAGE
        return EXIT_OK if stages[-1:] == [("unlock_sent", "ok")] else EXIT_FAILED
    finally:
        locker.close()


def _console_audit(setup: Setup, stack: ExitStack) -> Callable[[dict[str, Any]], None]:
    if setup.bench:

        def log_audit(data: dict[str, Any]) -> None:
            log.warning("audit (bench, not stored): %s", data)

        return log_audit
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

    return audit


__all__ = [
    "BENCH_DOCUMENT",
    "Setup",
    "add_diag_parser",
    "load_setup",
    "result_lines",
    "run_diag",
    "status_lines",
]

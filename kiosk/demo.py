"""``kiosk demo``: the kiosk on simulated devices, with a broker and a central server if it can.

Starts the ESC/POS printer simulator (unless ``--printer`` names another printer), a private
Mosquitto on a free loopback port plus the central-server simulator (unless ``--broker`` names
a broker; without Mosquitto installed the kiosk runs offline and says so), writes a demo
config and runs the kiosk window with a simulator panel beside it.
"""

from __future__ import annotations

import logging
import os
import signal
import tomllib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from kiosk.app import RunOptions, run_kiosk
from kiosk.config import KioskConfig, parse_config
from kiosk.link.broker_url import parse_broker_url
from kiosk.services import build_services

if TYPE_CHECKING:
    from simulators.booking_system.book import BookingBook
    from simulators.camera.simulator import CameraSimulator
    from simulators.central.notifications import HostNotification
    from simulators.locker.server import LockerSimulator
    from simulators.scanner.server import ScannerSimulator

log = logging.getLogger(__name__)

EXAMPLE_CONFIG = Path(__file__).resolve().parent / "demo_config.toml"
DEMO_LOG = "demo.log"
"""The demo's log, in its state folder: the terminal shows the summary and warnings only."""


@dataclass
class DemoOptions:
    """What ``kiosk demo`` was asked to use instead of its own simulators."""

    state_dir: Path
    broker: str | None = None
    printer: str | None = None
    scanner: str | None = None
    locker: str | None = None
    windowed: bool = True
    quit_after_s: float | None = None


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/kiosk-demo`` (``~/.local/state/kiosk-demo``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kiosk-demo"


def demo_document(state_dir: Path, broker: str) -> dict[str, Any]:
    """The bundled demo config with this run's state folder, broker and DEMO keys."""
    from simulators.demo_keys import demo_trust_table

    data: dict[str, Any] = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["kiosk"]["state_dir"] = str(state_dir)
    mqtt = data.setdefault("mqtt", {})
    mqtt["broker"] = broker
    # NOTE: the demo's keys are public (simulators/demo_keys.py): only a config parsed
    # with demo=True (this one) accepts them.
    data["trust"] = demo_trust_table(datetime.now(UTC).isoformat(timespec="seconds"))
    data.setdefault("ui", {})["fullscreen"] = False
    data.setdefault("diagnostics", {})["technician_pins"] = {
        DEMO_TECHNICIAN: DEMO_TECHNICIAN_VERIFIER
    }
    return data


def demo_config(state_dir: Path, broker: str) -> KioskConfig:
    """The demo configuration, validated."""
    return parse_config(
        demo_document(state_dir, broker), source=f"{EXAMPLE_CONFIG} (demo)", demo=True
    )


DEMO_PIN = "1234"  # DEMO ONLY: the PIN of every demo pickup case
DEMO_TECHNICIAN, DEMO_TECHNICIAN_PIN = "7001", "2468"  # DEMO ONLY: the diagnostics screen
DEMO_TECHNICIAN_VERIFIER = (
    "scrypt$17$8$1$ZGVtby10ZWNobmljaWFuIQ$f9f3VuIpMdsJWVWMdYvjn6pQ5l9ZENMJFs_oWiC4R0c"
)
"""``make_pin_verifier(DEMO_TECHNICIAN_PIN, salt=b"demo-technician!")``, made once: scrypt at
the default cost takes a quarter of a second, which the demo's start need not spend."""
DEMO_CASES = (
    {"case_id": "P-2026-0001", "size": "M", "has_old_passport": True},
    {"case_id": "P-2026-0002", "size": "M", "has_old_passport": False},
    {"case_id": "P-2026-0003", "size": "L", "has_old_passport": True},
)


def _demo_case_assignments() -> list[dict[str, Any]]:
    """``handover.assign`` arguments the central simulator sends: PIN verifiers, not PINs."""
    from kiosk.core.handover.pins import make_pin_verifier

    return [{**case, "pin_verifier": make_pin_verifier(DEMO_PIN)} for case in DEMO_CASES]


def _demo_camera(sim: CameraSimulator) -> Callable[[str], None]:
    """The demo panel's camera buttons: scenes in front of the booth's camera simulator."""
    from dataclasses import replace

    from simulators.camera.simulator import SESSION, Shot

    shots = {s.name: s for s in SESSION}
    good = shots["good"]
    # A child, or someone in a wheelchair: the face fits the frame but sits low in it.
    seated = Shot("seated", 1, tuple(replace(p, cy=500.0) for p in good.people))

    def play(kind: str) -> None:
        if kind == "script":
            sim.follow_script()
        elif kind == "good":
            sim.hold(good)
        elif kind == "seated":
            sim.hold(seated)
        elif kind == "blink":
            sim.hold(good)
            sim.at_next_still(shots["eyes_closed"])
        elif kind == "unplug":
            sim.unplug()
        elif kind == "plug":
            sim.plug()

    return play


def _demo_scanner(
    sim: ScannerSimulator,
    config: KioskConfig,
    locker: LockerSimulator | None,
    book: BookingBook,
) -> Callable[[str], None]:
    """The demo panel's buttons: QR codes signed with the DEMO key, noise, the person's hands.

    Bookings and meetings are written into the booking book, as ``kiosk token``'s are.
    """
    from kiosk.core.handover.tokens import issue_pickup_token, issue_staff_card
    from kiosk.core.trust import KeyPurpose
    from simulators.booking_system.tokens import issue_booking, issue_meeting_token
    from simulators.demo_keys import demo_key

    service = config.services[1].id if len(config.services) > 1 else config.services[0].id
    pickups = iter(range(10**6))

    def scan(kind: str) -> None:
        now = datetime.now(UTC)
        if kind == "garbage":
            sim.garbage(4096)
            return
        if kind == "staff":
            kid, key = demo_key(KeyPurpose.STAFF)
            card = issue_staff_card(
                "demo-staff", config.office, now + timedelta(hours=8), key=key, kid=kid
            )
            sim.scan(card)
            return
        if kind == "pickup":
            case = DEMO_CASES[next(pickups) % len(DEMO_CASES)]["case_id"]
            kid, key = demo_key(KeyPurpose.PICKUP)
            sim.scan(
                issue_pickup_token(
                    str(case), config.office, now + timedelta(days=14), key=key, kid=kid
                )
            )
            return
        if kind in ("door_put", "door_take") and locker is not None:
            for door in locker.door_numbers:
                if locker.door(door).open:
                    if kind == "door_put":
                        locker.put_item(door)
                    else:
                        locker.take_item(door)
                    locker.push(door)
            return
        slot = now + (timedelta(hours=3) if kind == "too_early" else timedelta(minutes=10))
        if kind == "meeting":
            sim.scan(
                issue_meeting_token(
                    config.office, DEMO_HOST, DEMO_HOST_NAME, slot, wait=DEMO_PLACE, book=book
                )
            )
            return
        office = "shisui" if kind == "wrong_office" else config.office
        sim.scan(issue_booking(office, service, slot, book=book))

    return scan


DEMO_HOST = "s-042"
DEMO_HOST_NAME = "山田 花子"
DEMO_PLACE = {"ja": "2階 相談室前のいす", "en": "the seats outside room 2-3 (2nd floor)"}
"""The demo's meeting: with Hanako Yamada (staff s-042), waiting outside room 2-3."""


def _host_log(notices: list[HostNotification]) -> Callable[[], list[str]]:
    """The demo panel's view of the central simulator's host notifications (last five)."""

    def lines() -> list[str]:
        return [
            f"{datetime.fromtimestamp(n.at).strftime('%H:%M:%S')} → {n.host_name or n.host} "
            f"({n.host}) {n.booking_id}"
            for n in list(notices)[-5:]
        ]

    return lines


def _demo_camera_mount(config: KioskConfig, camera: CameraSimulator) -> Any:
    """A ``MockFactory`` whose ``[photo.mount]`` pins are the mount mechanism simulator's.

    The carriage starts half-way to its default height (homing is seen), and every move pans
    the camera simulator; None when the booth or its mount is off.
    """
    if not (config.photo.enabled and config.photo.mount.enabled):
        return None
    from gpiozero.pins.mock import MockFactory

    from simulators.camera_mount.mechanism import MountMechanism

    mc = config.photo.mount.settings
    factory = MockFactory()
    # NOTE: the pins keep the mechanism alive; the factory lives as long as the mount.
    MountMechanism(
        factory,
        step_pin=mc.step_pin,
        dir_pin=mc.dir_pin,
        enable_pin=mc.enable_pin,
        limit_pin=mc.limit_pin,
        stall_pin=mc.stall_pin,
        steps_per_mm=mc.steps_per_mm,
        travel_mm=mc.travel_mm,
        start_mm=mc.default_mm / 2,
        reference_mm=mc.default_mm,
        camera=camera,
    )
    return factory


def run_demo(options: DemoOptions) -> int:
    """Start the simulators, print where everything is, run the kiosk; returns the exit code.

    SIGTERM and Ctrl-C stop the demo at any moment with exit status 0: before the window is
    up they unwind what was started so far; once it is up, the kiosk's own handlers close
    the window and the same unwinding follows.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, interrupt)
    try:
        return _run_demo(options)
    except KeyboardInterrupt:
        log.info("demo stopped before its window was up")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_demo(options: DemoOptions) -> int:
    from simulators.central.server import CentralSimulator
    from simulators.locker.server import LockerSimulator
    from simulators.mosquitto import BrokerError, MosquittoProcess
    from simulators.printer.server import PrinterSimulator
    from simulators.scanner.server import ScannerSimulator

    state_dir = options.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    lines = ["kiosk demo", f"  state:        {state_dir} (log: {state_dir / DEMO_LOG})"]
    with ExitStack() as stack:
        simulator: PrinterSimulator | None = None
        if options.printer:
            printer_url = options.printer
            lines.append(f"  printer:      {printer_url}")
        else:
            out_dir = state_dir / "printed"
            simulator = PrinterSimulator(port=0, out_dir=out_dir)
            simulator.start()
            stack.callback(simulator.stop)
            printer_url = f"tcp://127.0.0.1:{simulator.port}"
            lines.append(f"  printer:      simulator on {printer_url}, tickets in {out_dir}")

        scanner_sim: ScannerSimulator | None = None
        if options.scanner:
            scanner_url = options.scanner
            lines.append(f"  scanner:      {scanner_url}")
        else:
            scanner_sim = ScannerSimulator(port=0, suffix="cr").start()
            stack.callback(scanner_sim.stop)
            scanner_url = scanner_sim.url
            lines.append(
                f"  scanner:      simulator on {scanner_url}; scan from the panel, "
                "or `kiosk token` for a booking code"
            )

        locker_sim: LockerSimulator | None = None
        if options.locker:
            locker_url = options.locker
            lines.append(f"  locker:       {locker_url}")
        else:
            # NOTE: a person pulls a released door about a second after its unlock; the
            # panel's door buttons play the rest (put or take the passport, push it shut).
            locker_sim = LockerSimulator(port=0, boards=3, auto_pull_s=1.0).start()
            stack.callback(locker_sim.stop)
            locker_url = locker_sim.url
            lines.append(f"  locker:       simulator on {locker_url} (3 boards, 48 doors)")
        lines.append(
            f"  pickup:       demo cases {', '.join(str(c['case_id']) for c in DEMO_CASES)}, "
            f"PIN {DEMO_PIN}; the panel scans the staff card and pickup notices"
        )
        lines.append(
            f"  diagnostics:  hold the clock on the status bar 5 s; technician {DEMO_TECHNICIAN}, "
            f"PIN {DEMO_TECHNICIAN_PIN}"
        )

        broker = options.broker or ""
        if not broker:
            try:
                # NOTE: owned: stopped by us in order on Ctrl-C, killed with us on SIGKILL.
                mosquitto = MosquittoProcess(state_dir / "broker", owned=True)
                mosquitto.start()
                stack.callback(mosquitto.stop)
                broker = mosquitto.url
                lines.append(
                    f"  broker:       mosquitto (pid {mosquitto.pid}) on {broker} "
                    f"(log {mosquitto.log_path})"
                )
            except BrokerError as exc:
                lines.append(f"  broker:       none ({exc}); the kiosk runs offline")
        else:
            lines.append(f"  broker:       {broker}")
        from simulators.booking_system.book import BOOK_NAME, BookingBook

        # The booking system's book: `kiosk token` (another process) writes to the same file.
        book = BookingBook(state_dir / BOOK_NAME)
        host_notices: list[HostNotification] = []
        if broker:
            parsed = parse_broker_url(broker)
            central = CentralSimulator(
                parsed.host,
                parsed.port,
                store_path=state_dir / "central.sqlite3",
                demo_cases=_demo_case_assignments(),
                booking_book=book,
                on_host_notified=host_notices.append,
            )
            central.start()
            stack.callback(central.stop)
            lines.append("  central:      central-server simulator (acks, queue figures)")

        document = demo_document(state_dir, broker)
        # The camera mount runs on mock GPIO pins with its mechanism simulator (below).
        document.setdefault("photo", {}).setdefault("mount", {}).setdefault("enabled", True)
        config = parse_config(document, source=f"{EXAMPLE_CONFIG} (demo)", demo=True)
        from simulators.camera.simulator import CameraSimulator
        from simulators.clock.sync import SimulatedClockSync

        camera_sim = CameraSimulator()
        lines.append("  camera:       simulator (a scripted photo-booth session)")
        mount_pins = _demo_camera_mount(config, camera_sim)
        if mount_pins is not None:
            lines.append("  camera mount: mechanism simulator on mock GPIO, panning the camera")
        services = build_services(
            config,
            printer_url=printer_url,
            scanner_url=scanner_url,
            camera_capture=camera_sim.open_capture,
            locker_url=locker_url,
            printer_poll_s=5.0,
            document=document,
            mount_pin_factory=mount_pins,
            # NOTE: the demo runs on laptops and containers whose clocks may not be
            # synchronised; it shows a synchronised kiosk (the bundled SimulatedClockSync).
            clock_sync=SimulatedClockSync(),
        )
        config = services.config
        panel = None
        if simulator is not None:
            from kiosk.ui.demo_panel import build_demo_panel
            from simulators.printer.demo_faults import SimulatorFaults

            faults = SimulatorFaults(simulator)
            scan = (
                _demo_scanner(scanner_sim, config, locker_sim, book)
                if scanner_sim is not None
                else None
            )
            camera = _demo_camera(camera_sim)
            panel = lambda ui: build_demo_panel(  # noqa: E731
                ui,
                faults,
                faults.recent_tickets,
                scan=scan,
                camera=camera,
                server_log=_host_log(host_notices),
            )

        def ready() -> None:
            for line in lines:
                print(line, flush=True)  # noqa: T201 - the demo tells the person where things are
            print("  the kiosk window is up; close it or press Ctrl-C to stop", flush=True)  # noqa: T201

        return run_kiosk(
            config,
            services,
            RunOptions(
                windowed=options.windowed,
                on_ready=ready,
                quit_after_s=options.quit_after_s,
                demo_panel=panel,
            ),
        )
    return 1  # pragma: no cover - ExitStack does not swallow exceptions

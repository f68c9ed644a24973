"""Fixtures for the screen: real SQLite, the real printer driver on the printer simulator."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.config import CheckInConfig, KioskConfig, LocalText, parse_config
from kiosk.core.checkin import CheckInService
from kiosk.core.clock import SystemClock
from kiosk.core.handover import (
    HandoverJournal,
    HandoverService,
    HandoverSettings,
    issue_pickup_token,
    issue_staff_card,
    make_pin_verifier,
)
from kiosk.core.handover.tokens import HandoverTrust
from kiosk.core.health_events import HealthEventRecorder
from kiosk.core.photo.landmarks import default_detector
from kiosk.core.photo.session import PhotoBoothService, PhotoSettings
from kiosk.core.tickets import TicketService
from kiosk.core.trust import KeyPurpose, TrustList
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.camera.opencv_camera import OpenCvCamera
from kiosk.devices.camera_mount.factory import CameraMountSettings, build_camera_mount
from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.health import HealthBoard
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.protocol import Locker
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.protocol import TextMode, TicketPrinter
from kiosk.i18n.catalog import Catalog, load_catalogs
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository
from kiosk.ui.checkin_view_model import CheckInViewModel
from kiosk.ui.handover_view_model import HandoverViewModel
from kiosk.ui.photo_view_model import PhotoViewModel
from kiosk.ui.window import KioskUi, build_ui
from simulators.camera.simulator import CameraSimulator, Shot
from simulators.camera_mount.mechanism import MountMechanism
from simulators.demo_keys import demo_key, demo_public_keys
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import config_data
from tests.ui.diagnostics_support import make_diagnostics_ui  # noqa: F401 - a fixture

PHOTO_DETECTOR = default_detector()  # loading the model once keeps the tests short
TAKE_TICKET_S = 2.0  # the shortest the config allows: tests wait for the screen to go home


def demo_trust(purpose: KeyPurpose) -> TrustList:
    """The demo's key list of one purpose (the screens are tested as the demo shows them)."""
    return TrustList(demo_public_keys(purpose), purpose=purpose, allow_demo=True)


def ui_config_data(state_dir: Path) -> dict[str, Any]:
    """The kiosk config of the screen tests, as the parsed TOML document: the tests' own
    (``tests/kiosk_config.py``) with the screens' timings, a broker named (the status bar
    shows the link) and the service names the screenshots show."""
    data = config_data(state_dir)
    data["kiosk"]["id"] = "ui-test-kiosk"
    data["ui"].update(take_ticket_s=TAKE_TICKET_S, inactivity_s=30)
    # NOTE: the numbering resets at midnight (the default), not at 03:00.
    data["tickets"] = {"status_url": "https://queue.example.jp/{office}/t/{ticket_id}?n={number}"}
    certificates, insurance, _childcare = data["services"]
    certificates.update(name={"ja": "住民票・証明書", "en": "Certificates"}, average_service_min=5)
    insurance["id"] = "pension"
    data["mqtt"]["broker"] = "mqtt://127.0.0.1:1883"
    return data


@dataclass
class KioskParts:
    """The real parts under the screen, for assertions."""

    config: KioskConfig
    db: Database
    outbox: Outbox
    health: HealthBoard
    repo: TicketRepository
    waiting: WaitingBoard
    printer: TicketPrinter
    tickets: TicketService
    catalogs: dict[str, Catalog]
    printer_sim: PrinterSimulator


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """The ESC/POS printer simulator on a free TCP port."""
    sim = PrinterSimulator(port=0, out_dir=tmp_path / "printed")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    """The validated screen-test config."""
    return parse_config(ui_config_data(tmp_path / "state"), source="tests/ui/conftest.py")


@pytest.fixture
def parts(
    config: KioskConfig, printer_sim: PrinterSimulator, tmp_path: Path
) -> Iterator[KioskParts]:
    """Store, health, waiting board, the printer driver on the simulator, the ticket service."""
    db = Database(tmp_path / "state" / "kiosk.sqlite3")
    session = begin_session(db)
    outbox = Outbox(db, kiosk_id=config.kiosk_id, session=session)
    health = HealthBoard()
    HealthEventRecorder(health, db, outbox)
    repo = TicketRepository(db)
    clock = SystemClock()
    waiting = WaitingBoard(config, repo, clock)
    catalogs = load_catalogs(config.ui.languages)
    printer = open_printer(
        PrinterSettings(
            url=f"tcp://127.0.0.1:{printer_sim.port}",
            text_mode=TextMode.KANJI,
            status_timeout_s=config.printer.status_timeout_s,
        )
    )
    tickets = TicketService(config, db, outbox, printer, health, waiting, catalogs, clock)
    yield KioskParts(
        config, db, outbox, health, repo, waiting, printer, tickets, catalogs, printer_sim
    )
    printer.close()
    db.close()


UiFactory = Callable[..., KioskUi]


@pytest.fixture
def make_ui(qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts) -> Iterator[UiFactory]:
    """Builds the kiosk screen on the real parts; ``ui_overrides`` replace ``config.ui`` values."""
    built: list[KioskUi] = []

    def factory(**ui_overrides: Any) -> KioskUi:
        config = parts.config
        if ui_overrides:
            # NOTE: bypasses validation on purpose, for timings shorter than a person needs.
            config = replace(config, ui=replace(config.ui, **ui_overrides))
        ui = build_ui(
            qapp, config, parts.tickets, parts.waiting, parts.health, parts.catalogs, show=True
        )
        built.append(ui)
        qtbot.waitExposed(ui.window)
        return ui

    yield factory
    for ui in built:
        assert ui.view_model.wait_idle(10), "a ticket worker was still running at the end"
        ui.close()
    built.clear()
    gc.collect()  # here, on the GUI thread, not later on a simulator or worker thread


@pytest.fixture
def ui(make_ui: UiFactory) -> KioskUi:
    """The kiosk screen with the test config."""
    return make_ui()


# ---- check-in screens (booking QR scans and the keypad) ------------------------------------

CHECKIN_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
"""The check-in service's fixed time in the screen tests (tokens are issued around it)."""


class FixedCheckInClock:
    """The check-in service's clock in the screen tests: 10:00 in Tokyo, whatever the day."""

    def now(self) -> datetime:
        return CHECKIN_NOW


@dataclass
class CheckInUi:
    """The kiosk screen with check-in, and the service behind it."""

    ui: KioskUi
    service: CheckInService

    @property
    def vm(self) -> CheckInViewModel:
        assert self.ui.checkin is not None
        return self.ui.checkin


CheckInUiFactory = Callable[..., CheckInUi]


def build_checkin(parts: KioskParts, config: KioskConfig) -> CheckInService:
    """A real check-in service on the parts, at the tests' fixed time, trusting the demo's
    public booking key (the screens are shown as the demo shows them)."""
    return CheckInService(
        config,
        parts.db,
        parts.outbox,
        parts.catalogs,
        FixedCheckInClock(),
        trust=TrustList(demo_public_keys(KeyPurpose.BOOKING), issued=CHECKIN_NOW, allow_demo=True),
        health=parts.health,
        slip_printer=parts.tickets,
    )


@pytest.fixture
def make_checkin_ui(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> Iterator[CheckInUiFactory]:
    """Builds the screen with a real CheckInService trusting the demo key (``demo-1``)."""
    built: list[KioskUi] = []

    def factory(**checkin_overrides: Any) -> CheckInUi:
        checkin = CheckInConfig(
            office_names={"shisui": LocalText({"ja": "四街道支所", "en": "Shisui branch"})},
        )
        config = replace(parts.config, checkin=replace(checkin, **checkin_overrides))
        service = build_checkin(parts, config)
        ui = build_ui(
            qapp,
            config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            checkin_service=service,
        )
        built.append(ui)
        qtbot.waitExposed(ui.window)
        return CheckInUi(ui, service)

    yield factory
    for ui in built:
        assert ui.view_model.wait_idle(10), "a ticket worker was still running at the end"
        assert ui.checkin is None or ui.checkin.wait_idle(10), "a check-in was still running"
        ui.close()
    built.clear()
    gc.collect()


# ---- ID photo screens (the camera simulator behind the real OpenCV driver) -----------------

PHOTO_STILL_SIZE = (1920, 1080)


@dataclass
class PhotoUi:
    """The kiosk screen with the photo booth, the service and the camera simulator behind it."""

    ui: KioskUi
    service: PhotoBoothService
    camera_sim: CameraSimulator

    @property
    def vm(self) -> PhotoViewModel:
        assert self.ui.photo is not None
        return self.ui.photo


PhotoUiFactory = Callable[..., PhotoUi]


def build_photo_booth(
    parts: KioskParts,
    tmp_path: Path,
    camera_sim: CameraSimulator,
    settings: Mapping[str, Any],
    *,
    mount: CameraMount | None = None,
    booth_class: type[PhotoBoothService] = PhotoBoothService,
) -> PhotoBoothService:
    """A real photo booth service on the camera simulator with the tests' short timings;
    ``settings`` replace :class:`PhotoSettings` values."""
    camera = OpenCvCamera(
        0,
        name="camera",
        still_size=PHOTO_STILL_SIZE,
        capture_factory=camera_sim.open_capture,
        reopen_backoff_s=(0.05, 0.2),
        on_health=parts.health.report,
    )
    defaults: dict[str, Any] = {
        "office_name": {"ja": "中央区役所", "en": "Chuo City Office"},
        "timezone": parts.config.timezone,
        "preview_fps": 30.0,
        "hold_ok_s": 0.2,
        "countdown_step_s": 0.1,
        "no_face_timeout_s": 30.0,
        "receipt_screen_s": 30.0,
    }
    return booth_class(
        PhotoSettings(**{**defaults, **settings}),
        parts.db,
        parts.outbox,
        SystemClock(),
        tmp_path / "state" / "photos",
        printer=parts.printer,
        catalogs=parts.catalogs,
        camera=camera,
        health=parts.health,
        detector=PHOTO_DETECTOR,
        mount=mount,
    )


@pytest.fixture
def make_photo_ui(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts, tmp_path: Path
) -> Iterator[PhotoUiFactory]:
    """Builds the screen with a real PhotoBoothService on the camera simulator.

    ``settings`` replace :class:`PhotoSettings` values (short timings for the tests);
    ``mount=True`` adds the motorised camera mount (the real stepper driver on mock GPIO pins
    moved by its mechanism simulator, which pans the camera simulator).
    """
    built: list[PhotoUi] = []
    pin_factories: list[MockFactory] = []

    def factory(*, mount: bool = False, **settings: Any) -> PhotoUi:
        camera_sim = CameraSimulator()
        camera_sim.hold(Shot("empty", 1))
        camera_mount = None
        if mount:
            pins = MockFactory()
            pin_factories.append(pins)
            MountMechanism(pins, start_mm=20.0, reference_mm=250.0, camera=camera_sim)
            camera_mount = build_camera_mount(
                CameraMountSettings(default_mm=250.0),
                pins,
                on_health=parts.health.report,
                sleep=lambda _s: None,  # the carriage moves at once: no real motor time
            )
            assert camera_mount.wait_idle(20.0), "the mount did not home"
        service = build_photo_booth(parts, tmp_path, camera_sim, settings, mount=camera_mount)
        ui = build_ui(
            qapp,
            parts.config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            photo_service=service,
        )
        built.append(PhotoUi(ui, service, camera_sim))
        qtbot.waitExposed(ui.window)
        return built[-1]

    yield factory
    for photo_ui in built:
        photo_ui.service.close()  # the camera first: the preview thread leaves its frames
        assert photo_ui.vm.wait_idle(10), "a photo check was still running at the end"
        photo_ui.ui.close()
    built.clear()
    for pins in pin_factories:
        pins.reset()
    gc.collect()


# ---- passport hand-over screens (the real Kerong driver on the locker simulator) -----------

HANDOVER_PIN = "482913"
HANDOVER_STAFF_ID = "1234"
HANDOVER_STAFF_PIN = "7777"
HANDOVER_CHEAP_LOG2N = 10  # cheap scrypt for the tests: the format and code path are real


@dataclass
class HandoverUi:
    """The kiosk screen with the hand-over, the service and the locker simulator behind it."""

    ui: KioskUi
    service: HandoverService
    sim: LockerSimulator

    @property
    def vm(self) -> HandoverViewModel:
        assert self.ui.handover is not None
        return self.ui.handover

    def assign(self, case_id: str, size: str = "M", *, old: bool = True) -> None:
        """The server assigns a case with the test PIN."""
        verifier = make_pin_verifier(HANDOVER_PIN, log2n=HANDOVER_CHEAP_LOG2N)
        assert self.service.assign_case(case_id, size, has_old_passport=old, pin_verifier=verifier)

    def pickup_token(self, case_id: str, *, office: str = "chuo") -> str:
        """A demo-signed pickup QR for ``case_id``."""
        expires = datetime.now(UTC) + timedelta(days=14)
        kid, key = demo_key(KeyPurpose.PICKUP)
        return issue_pickup_token(case_id, office, expires, key=key, kid=kid)

    def staff_card(self, staff_id: str = "s-12") -> str:
        """A demo-signed staff card."""
        expires = datetime.now(UTC) + timedelta(hours=8)
        kid, key = demo_key(KeyPurpose.STAFF)
        return issue_staff_card(staff_id, "chuo", expires, key=key, kid=kid)


HandoverUiFactory = Callable[..., HandoverUi]


@pytest.fixture
def make_handover_ui(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> Iterator[HandoverUiFactory]:
    """Builds the screen with a real HandoverService on the locker simulator (3 boards).

    Doors 1-40 hold cases (1-16 S, 17-32 M, 33-40 L), 41-44 take old passports. The
    simulator's "person" pulls a released door after ``auto_pull_s``; ``inactivity_s``
    replaces ``[ui] inactivity_s``; ``settings`` replace :class:`HandoverSettings` values.
    """
    built: list[HandoverUi] = []
    sims: list[LockerSimulator] = []
    lockers: list[Locker] = []

    def factory(
        auto_pull_s: float | None = 0.05, inactivity_s: float | None = None, **settings: Any
    ) -> HandoverUi:
        sim = LockerSimulator(port=0, boards=3, auto_pull_s=auto_pull_s).start()
        sims.append(sim)
        locker = open_locker(sim.url, LockerSettings(boards=3))
        lockers.append(locker)
        values: dict[str, Any] = {
            "office": "chuo",
            "compartments": {
                d: ("S" if d <= 16 else "M" if d <= 32 else "L") for d in range(1, 41)
            },
            "return_doors": (41, 42, 43, 44),
            "staff_pins": {
                HANDOVER_STAFF_ID: make_pin_verifier(HANDOVER_STAFF_PIN, log2n=HANDOVER_CHEAP_LOG2N)
            },
        }
        values.update(settings)
        service = HandoverService(
            HandoverSettings(**values),
            HandoverJournal(parts.db, parts.outbox),
            locker,
            HandoverTrust(pickup=demo_trust(KeyPurpose.PICKUP), staff=demo_trust(KeyPurpose.STAFF)),
            SystemClock(),
            health=parts.health,
        )
        service.recover()
        config = parts.config
        if inactivity_s is not None:
            # NOTE: bypasses validation on purpose, for a timeout shorter than a person needs.
            config = replace(config, ui=replace(config.ui, inactivity_s=inactivity_s))
        ui = build_ui(
            qapp,
            config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            handover_service=service,
        )
        built.append(HandoverUi(ui, service, sim))
        qtbot.waitExposed(ui.window)
        return built[-1]

    yield factory
    for handover_ui in built:
        assert handover_ui.vm.wait_idle(10), "a hand-over call was still running at the end"
        handover_ui.ui.close()
    for locker in lockers:
        locker.close()
    for sim in sims:
        sim.stop()
    built.clear()
    gc.collect()

"""The kiosk's non-visual parts, wired together from the config (used by app.py and the CLI)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.core.call_staff import ACKNOWLEDGE_COMMAND, CallStaffService
from kiosk.core.checkin import CheckInService
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.commands import CommandError
from kiosk.core.desired_config import DesiredConfigService
from kiosk.core.health_events import HealthEventRecorder
from kiosk.core.paper import FAST_POLL_S, MeteredPrinter, PaperForecast, PaperSettings
from kiosk.core.relearn import RELEARN_ACTION, StoreRelearn
from kiosk.core.service_modes import CAMERA, Journeys, ServiceModeBoard
from kiosk.core.tickets import PRINTER, TicketService
from kiosk.core.trust import KeyPurpose, TrustError, TrustLists
from kiosk.core.waiting import WaitingBoard
from kiosk.device_opening import open_configured_locker, open_configured_printer
from kiosk.devices.clock.adjtimex import AdjtimexClockSync
from kiosk.devices.clock.protocol import ClockSync
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.protocol import TicketPrinter
from kiosk.devices.scanner.protocol import CodeListener, CodeScanner
from kiosk.errors import ConfigError, StoreError
from kiosk.i18n.catalog import Catalog, load_catalogs
from kiosk.store.database import Database
from kiosk.store.health import StoreHealthMonitor
from kiosk.store.opening import DB_NAME as DB_NAME
from kiosk.store.opening import open_state
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository

if TYPE_CHECKING:
    from kiosk.core.diagnostics.service import DiagnosticsService
    from kiosk.core.handover.service import HandoverService
    from kiosk.core.photo.session import PhotoBoothService
    from kiosk.devices.camera.opencv_camera import CaptureFactory
    from kiosk.devices.camera.protocol import Camera
    from kiosk.devices.locker.protocol import Locker
    from kiosk.link.blob_sender import BlobSender
    from kiosk.link.mqtt_link import MqttLink
    from kiosk.store.diagnostics import DiagnosticsRepository

log = logging.getLogger(__name__)

RECONNECT_POLL_S = 1.0
"""How often a disconnected printer is asked for (its transport spaces the real attempts)."""


@dataclass
class KioskServices:
    """Everything below the UI: store, devices, core services and the link."""

    config: KioskConfig
    db: Database
    session: int
    outbox: Outbox
    health: HealthBoard
    printer: TicketPrinter
    waiting: WaitingBoard
    tickets: TicketService
    catalogs: dict[str, Catalog]
    trust: TrustLists
    clock_guard: ClockGuard
    printer_poll_s: float = 30.0
    link: MqttLink | None = None
    checkin: CheckInService | None = None
    photo: PhotoBoothService | None = None
    handover: HandoverService | None = None
    locker: Locker | None = None
    scanner_url: str = ""
    scanner: CodeScanner | None = None
    clock: Clock = field(default_factory=SystemClock)
    desired: DesiredConfigService | None = None
    store_health: StoreHealthMonitor | None = None
    relearn: StoreRelearn | None = None
    paper: PaperForecast | None = None
    modes: ServiceModeBoard | None = None
    diagnostics: DiagnosticsService | None = None
    call_staff: CallStaffService | None = None  # [accessibility.buttons] call_staff
    config_listeners: list[Callable[[KioskConfig], None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _poller: threading.Thread | None = None

    def start(
        self,
        on_link_status: Callable[[bool, str], None] | None = None,
        on_code: CodeListener | None = None,
    ) -> None:
        """Start the link (when a broker is configured), the scanner and the printer poll.

        Args:
            on_link_status: gets ``(online, reason)`` on every change of the link.
            on_code: gets every code the scanner reads (on the scanner's thread).
        """
        if self.scanner_url and on_code is not None:
            # The diagnostics' scanner echo takes the codes while it waits; all are counted.
            tapped = on_code if self.diagnostics is None else self.diagnostics.tap_codes(on_code)
            self._start_scanner(tapped)
        if self.config.mqtt.broker:
            # NOTE: built here, not in build_services: paho and the network are not needed
            # for the first screen, and the kiosk starts faster without them.
            from kiosk.link.mqtt_link import MqttLink

            self.link = MqttLink(
                self.config.mqtt,
                kiosk_id=self.config.kiosk_id,
                office=self.config.office,
                session=self.session,
                outbox=self.outbox,
                health=self.health,
                waiting=self.waiting,
                version=__version__,
                blobs=self._photo_blobs(),
            )
            self.db.add_commit_listener(self.link.notify_outbox)
            if on_link_status is not None:
                self.link.subscribe_status(on_link_status)
            if self.checkin is not None:
                checkin = self.checkin
                self.link.subscribe_status(lambda online, _reason: checkin.set_link_online(online))
            self._wire_commands(self.link)
            self.link.start()
        self._poller = threading.Thread(target=self._poll_status, name="status-poll", daemon=True)
        self._poller.start()
        if self.diagnostics is not None:
            from kiosk.core.diagnostics.service import SNAPSHOT_NAME

            # `kiosk diag status` in a shell reads this instead of opening our devices.
            self.diagnostics.start_snapshots(
                Path(self.config.state_dir) / SNAPSHOT_NAME, self.printer_poll_s
            )

    def _photo_blobs(self) -> BlobSender | None:
        """The sender of ID photo images (with the booth on) and of support bundles
        (``diag.bundle``) (docs/mqtt-contract.md)."""
        from kiosk.link.blob_sender import BlobSender
        from kiosk.store.diagnostics import BundleQueue

        photos = self.photo.storage_dir if self.photo is not None else None
        return BlobSender(
            self.db,
            self.outbox,
            photos or Path(self.config.state_dir) / "photos",
            keep_days=self.config.photo.keep_days,
            bundles=BundleQueue(self.db),
            sends_photos=photos is not None,
        )

    def _start_scanner(self, on_code: CodeListener) -> None:
        from kiosk.devices.scanner.factory import ScannerSettings, open_scanner

        settings = ScannerSettings(
            suffix=self.config.scanner.suffix,
            repeat_window_s=self.config.scanner.repeat_window_s,
        )
        self.health.register(settings.name)
        self.scanner = open_scanner(self.scanner_url, settings)
        self.scanner.start(on_code, self.health.report)

    def _wire_commands(self, link: MqttLink) -> None:
        """Signed server commands and the desired configuration (DESIGN §5)."""
        # NOTE: imported here, once the first screen is up: the handlers reach into every
        # journey's service and the diagnostics (issue 14, cold start).
        from kiosk.core.command_handlers import (
            register_handover_handlers,
            register_maintenance_open,
            register_standard_handlers,
        )
        from kiosk.core.commands import CommandProcessor

        processor = CommandProcessor.from_config(
            self.config.mqtt,
            self.trust[KeyPurpose.COMMANDS],
            kiosk_id=self.config.kiosk_id,
            db=self.db,
            outbox=self.outbox,
            clock=self.clock,
        )
        # NOTE: before the link starts: a command cut off by a crash is reported as
        # interrupted, never run again, and its redelivery is refused as a duplicate.
        processor.settle_interrupted()
        register_standard_handlers(
            processor,
            tickets=self.tickets,
            languages=self.config.ui.languages,
            reload_config=self._reload_config,
            republish_state=link.republish_state,
            resend_outbox=link.resend_outbox,
            checkin=self.checkin,
        )
        if self.handover is not None:
            register_handover_handlers(processor, self.handover)
        if self.locker is not None:
            register_maintenance_open(processor, self.locker, self.handover, self._audit)
        if self.relearn is not None:
            processor.register(RELEARN_ACTION, self.relearn.handle_command)
            link.on_foreign_ack(self.relearn.on_foreign_ack)
        if self.diagnostics is not None:
            from kiosk.core.command_handlers import register_diag_handlers
            from kiosk.store.diagnostics import BundleQueue

            register_diag_handlers(
                processor,
                self.diagnostics,
                BundleQueue(self.db),
                bundle_dir=Path(self.config.state_dir) / "diag" / "bundles",
            )
        if self.call_staff is not None:
            processor.register(ACKNOWLEDGE_COMMAND, self.call_staff.handle_command)
        link.on_command(processor.handle_payload)
        if self.desired is not None:
            self.desired.set_applier(self.apply_config)
            self.desired.set_reporter(link.report_config)
            link.on_config_desired(self.desired.handle_payload)

    def _audit(self, data: dict[str, Any]) -> None:
        """An audit event (a door opened by hand or remotely) in the outbox."""
        with self.db.transaction() as tx:
            self.outbox.append(tx, "audit", "audit.locker_open", dict(data))

    def _reload_config(self) -> None:
        """``config.reload``: the file is read again by a restart (systemd restarts us)."""
        raise CommandError(
            "restart_required", "the configuration file is read at start; restart the kiosk"
        )

    def apply_config(self, new: KioskConfig, changed: Collection[str]) -> None:
        """Put a desired configuration in force (on the link's worker thread).

        Services, ticket numbering and the QR address change at once; screen timings and
        languages are read when the screens are built, so those are refused (not faked).

        Raises:
            ConfigError: a change this kiosk cannot apply while running.
        """
        if "ui" in changed and new.ui != self.config.ui:
            raise ConfigError("ui", "…", "screen settings are changed in the file, not remotely")
        if "trust" in changed:
            try:
                self.trust.replace(new.trust)
            except TrustError as exc:
                raise ConfigError("trust", "…", str(exc)) from exc
        if self.checkin is not None:
            self.checkin.set_config(new)
        self.config = new
        self.tickets.set_config(new)
        self.waiting.set_config(new)
        for listener in list(self.config_listeners):
            listener(new)
        log.info("desired configuration applied: %s", ", ".join(sorted(changed)) or "nothing")

    def _poll_status(self) -> None:
        """Poll the printer's status and the clock's synchronisation every poll interval;
        every second while the printer is disconnected."""
        # NOTE: one poll at a time by construction (one thread); a poll never overlaps a
        # ticket (TicketService holds the printer lock). Waits on an Event: no busy polling.
        # NOTE: a printer found gone (by a poll or a ticket) is asked for every second; its
        # transport spaces the real attempts (0.5 s doubling to 10 s), so a printer plugged
        # back in prints again within seconds, not at the next regular poll.
        last_poll: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            lost = self.health.get(PRINTER).reason == "disconnected"
            # NOTE: while a roll change is expected (cover seen open, paper near end or out,
            # the count says low) every FAST_POLL_S: a roll changed between two regular
            # polls would go unseen and the count would go on with the old roll.
            interval = self.printer_poll_s
            if self.paper is not None and self.paper.watching:
                interval = min(interval, FAST_POLL_S)
            if last_poll is None or lost or now - last_poll >= interval:
                last_poll = now
                try:
                    self.tickets.poll_printer()
                except Exception:
                    log.exception("printer status poll failed")
                if self.modes is not None:
                    self.modes.probe()  # a device out that nobody else tries (the camera)
                self.clock_guard.check()  # its health follows a time service coming and going
            self._stop.wait(min(RECONNECT_POLL_S, self.printer_poll_s))

    def stop(self) -> None:
        """Stop cleanly: the link says ``online:false, reason: shutdown`` first."""
        self._stop.set()
        if self.diagnostics is not None:
            self.diagnostics.stop()
        if self.photo is not None:
            self.photo.close()  # the preview thread leaves the camera first
        if self.locker is not None:
            self.locker.close()
        if self.scanner is not None:
            self.scanner.stop()
        if self.link is not None:
            self.link.stop()
        if self._poller is not None:
            self._poller.join(timeout=5)
        self.printer.close()
        if self.store_health is not None:
            self.store_health.stop()
        self.db.close()


def build_services(
    config: KioskConfig,
    *,
    printer_url: str | None = None,
    clock: Clock | None = None,
    printer_poll_s: float = 30.0,
    scanner_url: str | None = None,
    camera_capture: CaptureFactory | None = None,
    locker_url: str | None = None,
    document: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
    mount_pin_factory: Any = None,
    clock_sync: ClockSync | None = None,
) -> KioskServices:
    """Wire the kiosk's services from a validated config.

    Args:
        config: the validated configuration (from the file).
        document: the config file as read; with it the server's desired configuration
            (``config/desired``) is applied on top, and the last applied version is in
            force from the start.
        base_dir: the config file's folder (relative paths in it start there).
        printer_url: overrides ``config.printer.url`` (the demo resolves ``sim://`` to the
            simulator it started; a technician names a real printer).
        scanner_url: overrides ``config.scanner.url`` likewise.
        camera_capture: stands in for ``cv2.VideoCapture`` (the demo's camera simulator).
        locker_url: overrides ``config.locker.url`` (the demo's board-chain simulator).
        mount_pin_factory: gpiozero pin factory of the camera mount (the demo's MockFactory
            with the mechanism simulator); None = gpiozero's default.
        clock: the time source (tests cross midnight with their own).
        clock_sync: reads whether the system clock is synchronised (default: the kernel,
            ``adjtimex``); the demo and tests pass a simulated one.
        printer_poll_s: seconds between printer status polls.
    """
    clock = clock or SystemClock()
    # NOTE: a missing or damaged database is moved aside and replaced, and re-learned;
    # one that cannot be opened (permissions, I/O) raises StoreError (kiosk.store.opening).
    opened = open_state(Path(config.state_dir), config.kiosk_id)
    db, session = opened.db, opened.session
    outbox = Outbox(db, kiosk_id=config.kiosk_id, session=session)
    desired = None
    if document is not None:
        desired = DesiredConfigService(
            file_document=document,
            db=db,
            outbox=outbox,
            clock=clock,
            source=config.source,
            base_dir=base_dir,
            demo=config.demo,
        )
        config = desired.config
    health = HealthBoard()
    HealthEventRecorder(health, db, outbox)
    store_health = StoreHealthMonitor(db, health, marker=opened.marker)
    relearn = StoreRelearn(
        db,
        outbox,
        clock,
        office=config.office,
        timezone=config.timezone,
        reset_time=config.tickets.reset_time,
        service_ids=[service.id for service in config.services],
        replacement=opened.replacement,
        monitor=store_health,
    )
    try:
        relearn.report()
    except StoreError:
        log.exception("store.replaced could not be stored; it is reported at the next start")
    printer = open_configured_printer(config, printer_url or config.printer.url)
    catalogs = load_catalogs(config.ui.languages)
    waiting = WaitingBoard(config, TicketRepository(db), clock)
    paper = PaperForecast(
        db,
        outbox,
        PaperSettings(
            roll_length_m=config.printer.roll_length_m,
            low_m=config.printer.paper_low_m,
            low_tickets=config.printer.paper_low_tickets,
        ),
        clock=clock,
    )
    tickets = TicketService(
        config,
        db,
        outbox,
        MeteredPrinter(printer, paper),  # every ticket, slip and receipt has its paper counted
        health,
        waiting,
        catalogs,
        clock,
        marker=opened.marker,
    )
    tickets.settle_interrupted()
    trust = TrustLists(config.trust, allow_demo=config.demo)
    clock_guard = ClockGuard(clock_sync or AdjtimexClockSync(), clock, health=health)
    clock_guard.check()
    checkin = CheckInService(
        config,
        db,
        outbox,
        catalogs,
        clock,
        trust=trust[KeyPurpose.BOOKING],
        health=health,
        slip_printer=tickets,
        clock_guard=clock_guard,
    )
    photo = _photo_booth(
        config, db, outbox, clock, tickets, catalogs, health, camera_capture, mount_pin_factory
    )
    from kiosk.store.diagnostics import DiagnosticsRepository

    counters = DiagnosticsRepository(db)
    locker, handover = _handover(
        config,
        db,
        outbox,
        clock,
        trust,
        health,
        locker_url or config.locker.url,
        clock_guard,
        counters,
    )
    if handover is not None:
        relearn.relearn_locker(handover.relearn_occupancy)
        # A replacement learned late (the server knew an earlier database): check then.
        relearn.add_listener(
            lambda pending: relearn.relearn_locker(handover.relearn_occupancy) if pending else None
        )
    scanner_url = scanner_url if scanner_url is not None else config.scanner.url
    modes = ServiceModeBoard(
        health,
        Journeys(
            checkin=checkin is not None,
            scanner=bool(scanner_url),
            photo=photo is not None,
            pickup=handover is not None,
        ),
        db=db,
        outbox=outbox,
    )
    if photo is not None and photo.camera is not None:
        modes.add_probe(CAMERA, _camera_probe(photo.camera))
    log.info("kiosk %s session %d, state in %s", config.kiosk_id, session, config.state_dir)
    services = KioskServices(
        config=config,
        db=db,
        session=session,
        outbox=outbox,
        health=health,
        printer=printer,
        paper=paper,
        waiting=waiting,
        tickets=tickets,
        catalogs=catalogs,
        trust=trust,
        clock=clock,
        clock_guard=clock_guard,
        desired=desired,
        store_health=store_health,
        relearn=relearn,
        checkin=checkin,
        photo=photo,
        handover=handover,
        locker=locker,
        scanner_url=scanner_url,
        modes=modes,
        printer_poll_s=printer_poll_s,
    )
    if config.accessibility.call_staff_pin is not None:
        services.call_staff = CallStaffService(db, outbox, config.kiosk_id, clock)
    from kiosk.diag_wiring import kiosk_diagnostics

    services.diagnostics = kiosk_diagnostics(services, counters, document)
    return services


def _camera_probe(camera: Camera) -> Callable[[], None]:
    """Try a camera that is out once (its driver reports the health it finds).

    NOTE: while the camera is out its booth is hidden, so no one opens it: without this a
    camera plugged back in would never be seen again. One still is taken and dropped.
    """

    def probe() -> None:
        camera.still()

    return probe


def _photo_booth(
    config: KioskConfig,
    db: Database,
    outbox: Outbox,
    clock: Clock,
    tickets: TicketService,
    catalogs: dict[str, Catalog],
    health: HealthBoard,
    camera_capture: CaptureFactory | None,
    mount_pin_factory: Any = None,
) -> PhotoBoothService | None:
    """The ID photo booth when ``[photo] enabled``; the camera opens on the first frame."""
    if not config.photo.enabled:
        return None
    from kiosk.core.photo.session import PhotoBoothService, PhotoSettings
    from kiosk.devices.camera.factory import open_camera

    url = config.photo.camera_url
    if url.startswith("sim://"):
        url = "camera://0"  # the capture factory (the demo's simulator) stands behind it
    camera = open_camera(url, capture_factory=camera_capture, on_health=health.report)
    settings = PhotoSettings(
        office_name=dict(config.office_name.values),
        timezone=config.timezone,
        rules=config.photo.rules,
        receipt_qr=config.photo.receipt_qr,
        preview_fps=config.photo.preview_fps,
        hold_ok_s=config.photo.hold_ok_s,
        countdown_from=config.photo.countdown_from,
        no_face_timeout_s=config.photo.no_face_timeout_s,
    )
    return PhotoBoothService(
        settings,
        db,
        outbox,
        clock,
        Path(config.state_dir) / "photos",
        printer=tickets.shared_printer(),
        catalogs=catalogs,
        camera=camera,
        health=health,
        **_camera_mount(config, health, mount_pin_factory),
    )


def _camera_mount(config: KioskConfig, health: HealthBoard, pin_factory: Any) -> dict[str, Any]:
    """The photo booth's camera mount and how it follows the eyes (``[photo.mount]``).

    A mount whose pins cannot be claimed is reported (``fault/gpio_error``) and left out:
    the booth then asks people to move up or down themselves.
    """
    mc = config.photo.mount
    if not mc.enabled:
        return {}
    from kiosk.core.photo.eye_level import EyeLevelSettings
    from kiosk.devices.camera_mount.factory import build_camera_mount
    from kiosk.devices.camera_mount.protocol import CameraMountError

    settings = mc.settings
    health.register(settings.name)
    try:
        mount = build_camera_mount(settings, pin_factory, on_health=health.report)
    except CameraMountError as exc:
        log.error("camera mount left out: %s", exc)
        health.report(settings.name, exc.health)
        return {}
    eye_level = EyeLevelSettings(shift_per_mm=mc.px_per_mm / 720, default_mm=settings.default_mm)
    return {"mount": mount, "eye_level": eye_level}


def _handover(
    config: KioskConfig,
    db: Database,
    outbox: Outbox,
    clock: Clock,
    trust: TrustLists,
    health: HealthBoard,
    url: str,
    clock_guard: ClockGuard,
    counters: DiagnosticsRepository | None = None,
) -> tuple[Locker | None, HandoverService | None]:
    """The locker and the passport hand-over, when both are configured.

    Every hand-over a restart interrupted is settled here, before any journey, from the door
    sensors alone: no relay is fired by a restart (DESIGN §6).
    """
    if not url or not config.handover.compartments:
        return None, None
    from kiosk.core.handover.journal import HandoverJournal
    from kiosk.core.handover.service import HandoverService
    from kiosk.core.handover.settings import HandoverSettings, ReturnMode
    from kiosk.core.handover.tokens import HandoverTrust

    locker = open_configured_locker(config, url)
    if counters is not None:
        from kiosk.core.diagnostics.counting import CountingLocker

        locker = CountingLocker(locker, counters)  # unlocks and door cycles per door
    settings = HandoverSettings(
        office=config.office,
        compartments=dict(config.handover.compartments),
        return_doors=config.handover.return_doors,
        return_mode=ReturnMode(config.handover.return_mode),
        pin_attempts_per_case=config.handover.pin_attempts_per_case,
        pin_budget=config.handover.pin_budget,
        staff_pins=dict(config.handover.staff_pins),
    )
    slot = None
    if config.handover.return_mode == "punch" and config.handover.slot_pins is not None:
        from kiosk.devices.locker.gpio_intake_slot import GpioIntakeSlot

        flap, punch, sensor = config.handover.slot_pins
        slot = GpioIntakeSlot(flap_pin=flap, punch_pin=punch, sensor_pin=sensor)
    service = HandoverService(
        settings,
        HandoverJournal(db, outbox),
        locker,
        HandoverTrust(pickup=trust[KeyPurpose.PICKUP], staff=trust[KeyPurpose.STAFF]),
        clock,
        slot=slot,
        health=health,
        clock_guard=clock_guard,
    )
    for settled in service.recover():
        log.warning("hand-over settled after a restart: %s", settled)
    return locker, service

"""The composition root: read the config, wire services, devices, link and screens, run."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.config import KioskConfig
from kiosk.core.relearn import RELEARN_WAIT_S, StoreRelearn
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.errors import ConfigError, StoreError
from kiosk.services import KioskServices
from kiosk.store.health import STORE
from kiosk.systemd_notify import SystemdNotifier, install_test_freeze_hook

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from kiosk.core.diagnostics.technician import TechnicianAccess
    from kiosk.devices.scanner.protocol import ScannedCode
    from kiosk.ui.kiosk_view_model import KioskViewModel
    from kiosk.ui.window import KioskUi

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    """How the window runs.

    Attributes:
        windowed: force a window even when the config asks for full screen (demo, laptop).
        on_ready: called on the GUI thread once the first screen is shown (the demo uses it
            to print where everything is; benchmarks to time the cold start).
        quit_after_s: quit by itself after this many seconds (benchmarks, smoke tests).
        demo_panel: builds the demo's simulator panel window, given the kiosk's screens.
    """

    windowed: bool = False
    on_ready: Callable[[], None] | None = None
    quit_after_s: float | None = None
    demo_panel: Callable[[KioskUi], object] | None = None


def follow_store_health(health: HealthBoard, view_model: KioskViewModel) -> None:
    """Out of service (``store``) while the state database cannot be written, and back.

    NOTE: a ticket that cannot be recorded is never printed or promised; rather than let
    each citizen find that out, the screen says at once to go to the counter.
    """

    def on_change(device: str, state: Health) -> None:
        if device != STORE:
            return
        if state.state is HealthState.FAULT:
            view_model.set_out_of_service(True, "store")
        else:
            view_model.leave_out_of_service("store")

    health.subscribe(on_change)
    current = health.get(STORE)
    if current.state is HealthState.FAULT:
        view_model.set_out_of_service(True, "store")


def follow_relearn(
    relearn: StoreRelearn | None, view_model: KioskViewModel, wait_s: float = RELEARN_WAIT_S
) -> object | None:
    """While a replaced database waits for the server: "getting ready" (``relearning``).

    The screen opens when the server's answer is applied or after ``wait_s`` (an offline
    kiosk: its ticket numbers are safe, see ``kiosk.core.relearn``). Returns the timer (keep
    a reference), or None when there is nothing to wait for. GUI thread only.
    """
    if relearn is None or not relearn.pending:
        return None
    from PySide6.QtCore import QTimer

    view_model.set_out_of_service(True, "relearning")

    def on_change(pending: bool) -> None:
        if not pending:
            view_model.leave_out_of_service("relearning")

    relearn.add_listener(on_change)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: view_model.leave_out_of_service("relearning"))
    timer.start(round(wait_s * 1000))
    if not relearn.pending:  # answered while the listener was being added
        view_model.leave_out_of_service("relearning")
    return timer


def technician_access(config: KioskConfig, services: KioskServices) -> TechnicianAccess | None:
    """The technicians' PIN check for the diagnostics screen; None without technician PINs
    (then the screen has no way in)."""
    settings = config.diagnostics
    if not settings.technician_pins:
        return None
    from kiosk.core.diagnostics.technician import TechnicianAccess

    return TechnicianAccess(
        settings.technician_pins,
        services.db,
        services.outbox,
        services.clock,
        budget=settings.pin_budget,
        window_s=settings.pin_budget_window_s,
    )


def _run_under_systemd(app: QGuiApplication, notifier: SystemdNotifier) -> list[QTimer]:
    """The watchdog pings, and SIGTERM/SIGINT quitting the Qt loop; keep the timers returned.

    NOTE: pinged from the Qt main loop: if the GUI thread hangs, the pings stop and systemd
    restarts the kiosk. Python handles a signal only when the interpreter runs: a cheap timer
    gives it a turn.
    """
    from PySide6.QtCore import QTimer

    timers: list[QTimer] = []
    if notifier.watchdog_interval_s:
        watchdog = QTimer()
        watchdog.setInterval(int(notifier.watchdog_interval_s * 1000))
        watchdog.timeout.connect(lambda: notifier.notify("WATCHDOG=1"))
        watchdog.start()
        timers.append(watchdog)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    tick = QTimer()
    tick.start(500)
    tick.timeout.connect(lambda: None)
    timers.append(tick)
    return timers


def run_store_failure(
    config: KioskConfig,
    error: StoreError | ConfigError,
    options: RunOptions,
    *,
    key: str | None = None,
) -> int:
    """The kiosk cannot start (its state database cannot be opened, or under systemd its
    configuration was refused): show out-of-service with the reason and run until stopped,
    pinging the watchdog (an exit would restart the kiosk, and five failed starts reboot the
    machine, in a loop). Returns 0 when stopped.

    Args:
        config: the kiosk's config, or ``unconfigured_kiosk_config()`` when it was refused.
        error: the reason, shown in small print for staff.
        options: how the window runs.
        key: the text for citizens (default: "cannot open its records").
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from kiosk.i18n.catalog import load_catalogs
    from kiosk.ui.store_failure import build_store_failure_ui

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert isinstance(app, QGuiApplication)
    if options.windowed:
        config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False))
    catalogs = load_catalogs(config.ui.languages)
    if key is None:
        ui = build_store_failure_ui(app, config, catalogs, str(error))
    else:
        ui = build_store_failure_ui(app, config, catalogs, str(error), key=key)
    notifier = SystemdNotifier()
    keep: list[object] = [ui, *_run_under_systemd(app, notifier)]
    notifier.notify("READY=1")
    if options.on_ready is not None:
        QTimer.singleShot(0, options.on_ready)
    if options.quit_after_s is not None:
        QTimer.singleShot(int(options.quit_after_s * 1000), app.quit)
    try:
        app.exec()
    finally:
        notifier.notify("STOPPING=1")
        ui.window.close()
        app.removeTranslator(ui.translator)
    del keep
    return 0


def run_kiosk(config: KioskConfig, services: KioskServices, options: RunOptions) -> int:
    """Show the kiosk screens and run until the window closes or SIGTERM arrives.

    Returns the process exit status.
    """
    # Qt is imported here, not at module import: `kiosk config check` and `kiosk diag`
    # must work on a machine without a display and start fast.
    from kiosk.ui.pyside_load import load_pyside

    load_pyside()  # first: without PySide's source check at every later import
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication

    from kiosk.ui.window import build_ui

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert isinstance(app, QGuiApplication)
    app.setApplicationName("lobby-kiosk")
    if options.windowed:
        config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False))
    from kiosk.assist_wiring import open_voice, start_buttons

    speaker = open_voice(config)  # voice guidance (issue 13); None: no voice button
    ui = build_ui(
        app,
        config,
        services.tickets,
        services.waiting,
        services.health,
        services.catalogs,
        checkin_service=services.checkin,
        photo_service=services.photo,
        handover_service=services.handover,
        diagnostics=services.diagnostics,
        technician_access=technician_access(config, services),
        speaker=speaker,
        call_staff=services.call_staff,  # an open call: status line, diagnostics' button
    )
    a11y = ui.accessibility
    buttons = start_buttons(
        config,
        services,
        speaker,
        a11y.call_staff_pressed if a11y is not None else None,
        on_ticket=ui.services.notify_figures_changed,  # a tactile ticket: home's figures
        out_of_service=ui.view_model.out_of_service_key,  # closed: no tactile ticket either
    )
    if not config.mqtt.broker:
        ui.status.setLinkStatus(False, "no_broker")
    follow_store_health(services.health, ui.view_model)
    if services.modes is not None:
        ui.view_model.follow_service_modes(services.modes)  # degraded modes (service_modes)
    relearn_wait = follow_relearn(services.relearn, ui.view_model)
    services.config_listeners.append(ui.services.notify_config_changed)
    panel = options.demo_panel(ui) if options.demo_panel is not None else None

    notifier = SystemdNotifier()
    keep: list[object] = [ui, panel, relearn_wait, *_run_under_systemd(app, notifier)]
    install_test_freeze_hook()  # tests only: does nothing unless its variable is set

    # NOTE: closing the kiosk window ends the run even while the demo's panel is open (Qt
    # quits on its own only when the last window closes).
    # (QQuickWindow.closing carries a QQuickCloseEvent that PySide cannot convert: a closed
    # window is a hidden one.)
    ui.window.visibleChanged.connect(lambda visible: None if visible else app.quit())

    def route_code(code: ScannedCode) -> None:
        """A scanned code goes to the hand-over (pickup notices, staff cards) or check-in."""
        if ui.photo is not None and ui.photo.wants_code(code.text):
            ui.photo.on_scanned_code(code)  # a staff card on the photo's staff sign-in
        elif ui.handover is not None and ui.handover.wants_code(code.text):
            ui.handover.on_scanned_code(code)
        elif ui.checkin is not None:
            ui.checkin.on_scanned_code(code)

    def ready() -> None:
        # NOTE: the link and the printer poll start once the first screen is up: a citizen
        # sees the kiosk sooner, and nothing they can tap needs the network. on_ready is told
        # first: the screen is up now (bench.startup_idle times the cold start to here, like
        # its empty window's first frame); systemd's READY=1 waits for the services.
        if options.on_ready is not None:
            options.on_ready()
        services.start(on_link_status=ui.status.setLinkStatus, on_code=route_code)
        notifier.notify("READY=1")

    ui.window.frameSwapped.connect(ready, type=Qt.ConnectionType.SingleShotConnection)
    if options.quit_after_s is not None:
        QTimer.singleShot(int(options.quit_after_s * 1000), app.quit)
    try:
        status = app.exec()
    finally:
        notifier.notify("STOPPING=1")
        ui.stop()  # waits for a ticket still being issued, stops the screens' workers
        if buttons is not None:
            buttons.close()  # the lamp goes out
        services.stop()  # NOTE: before the screens go: its threads report to them
        ui.delete()
        if speaker is not None:
            speaker.close()
    del keep
    return int(status)

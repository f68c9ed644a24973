"""Builds the kiosk's Qt Quick screen for the composition root (``kiosk/app.py``).

QML never creates back-end objects: the view-models are made here and handed to QML as
context properties (``kioskModel``, ``statusModel``, ``serviceModel``, ``checkinModel``,
``photoModel``, ``handoverModel``, ``diagnosticsModel``).
Python keeps a reference to every exposed object in ``KioskUi`` for as long as the engine
lives.
"""

# ruff: noqa: N802 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow
from shiboken6 import Shiboken

from kiosk.config import KioskConfig
from kiosk.core.clock import Clock, SystemClock
from kiosk.devices.speech.protocol import Speaker
from kiosk.i18n.catalog import Catalog
from kiosk.ui.accessibility_view_model import AccessibilityViewModel
from kiosk.ui.checkin_view_model import CheckInViewModel
from kiosk.ui.kiosk_view_model import KioskViewModel
from kiosk.ui.photo_absent import AbsentJourney
from kiosk.ui.qr_image import PROVIDER_ID, QrImageProvider
from kiosk.ui.service_list import ServiceListModel
from kiosk.ui.staff_call_view_model import StaffCallViewModel
from kiosk.ui.status import StatusViewModel
from kiosk.ui.translator import CatalogTranslator

if TYPE_CHECKING:
    from kiosk.core.call_staff import CallStaffService
    from kiosk.core.checkin import CheckInService
    from kiosk.core.diagnostics.model import Diagnostics
    from kiosk.core.diagnostics.technician import TechnicianAccess
    from kiosk.core.handover.service import HandoverService
    from kiosk.core.photo.session import PhotoBoothService
    from kiosk.core.tickets import TicketService
    from kiosk.core.waiting import WaitingBoard
    from kiosk.devices.health import HealthBoard
    from kiosk.ui.diagnostics_view_model import DiagnosticsViewModel
    from kiosk.ui.handover_view_model import HandoverViewModel
    from kiosk.ui.photo_view_model import PhotoViewModel

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).with_name("qml")
MAIN_QML = QML_DIR / "Main.qml"

_ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.KeyPress,
    }
)


class ActivityFilter(QObject):
    """Watches a window for touches and keys and tells the view-model someone is there.

    ``also`` is told too (the diagnostics screen's own inactivity timer).
    """

    def __init__(
        self,
        view_model: KioskViewModel,
        parent: QObject | None = None,
        *,
        also: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self._also = also

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note activity; never consumes the event."""
        if event.type() in _ACTIVITY_EVENTS:
            self._view_model.noteActivity()
            if self._also is not None:
                self._also()
        return False


class KioskUi:
    """The running screen: engine, window, view-models, translator, image provider.

    Attributes:
        view_model: the ticket journey (``kioskModel`` in QML).
        status: the status bar (``statusModel``); the app calls ``status.setLinkStatus``.
        services: the service list (``serviceModel``).
        engine: the QML engine (the demo panel loads into it too).
        window: the kiosk's ``QQuickWindow``.
    """

    def __init__(
        self,
        app: QGuiApplication,
        config: KioskConfig,
        translator: CatalogTranslator,
        view_model: KioskViewModel,
        status: StatusViewModel,
        services: ServiceListModel,
        qr_provider: QrImageProvider,
        engine: QQmlApplicationEngine,
        window: QQuickWindow,
        activity_filter: ActivityFilter,
        checkin: CheckInViewModel | None = None,
        photo: PhotoViewModel | None = None,
        handover: HandoverViewModel | None = None,
        diagnostics: DiagnosticsViewModel | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.translator = translator
        self.view_model = view_model
        self.status = status
        self.services = services
        self.qr_provider = qr_provider
        self.engine = engine
        self.window = window
        self.activity_filter = activity_filter
        self.checkin = checkin  # the check-in screens (``checkinModel``)
        self.photo = photo  # the ID photo screens (``photoModel``)
        self.handover = handover  # the passport hand-over screens (``handoverModel``)
        self.diagnostics = diagnostics  # the technicians' screen (``diagnosticsModel``)
        self.extra_objects: list[QObject] = []  # e.g. the demo panel's view-model
        self.accessibility: AccessibilityViewModel | None = None  # ``a11yModel``
        self.staff_call: StaffCallViewModel | None = None  # ``staffCallModel``

    def show(self) -> None:
        """Show the window: full screen when configured, else 1280x800."""
        if self.config.ui.fullscreen:
            self.window.showFullScreen()
        else:
            self.window.show()

    def grab(self, path: Path | str) -> Path:
        """Save a screenshot of the kiosk window as PNG and return its path.

        Raises:
            OSError: the image could not be written.
        """
        return grab_window(self.window, Path(path))

    def close(self) -> None:
        """:meth:`stop`, then :meth:`delete` (GUI thread only; once ``app.exec()`` returned)."""
        self.stop()
        self.delete()

    def stop(self) -> None:
        """Wait for a ticket being issued and stop the view-models' workers and timers
        (GUI thread only; once ``app.exec()`` has returned). The screens stay in memory:
        the services' threads may still report to them until they are stopped too."""
        self.view_model.wait_idle()
        if self.checkin is not None:
            self.checkin.wait_idle()
        if self.photo is not None:
            self.photo.wait_idle()
            self.photo.close()
        if self.handover is not None:
            self.handover.close()
        if self.diagnostics is not None:
            self.diagnostics.close()
        if self.staff_call is not None:
            self.staff_call.close()
        self.window.removeEventFilter(self.activity_filter)

    def delete(self) -> None:
        """Close the windows and delete the engine with its view-models (GUI thread only).

        NOTE: call it after the services' threads have stopped: a link or a driver reporting
        to a screen while it is being deleted here is a use-after-free (the likely cause of a
        SIGSEGV on Ctrl-C just after start, seen once in CI).
        """
        for root in self.engine.rootObjects():
            if isinstance(root, QQuickWindow):
                root.close()
        self.app.removeTranslator(self.translator)
        for obj in reversed(self.extra_objects):  # the demo panel: component, then its window
            if Shiboken.isValid(obj):
                Shiboken.delete(obj)
        self.extra_objects.clear()
        # NOTE: deletes the QML objects first, then its children: the view-models.
        Shiboken.delete(self.engine)
        Shiboken.delete(self.translator)
        log.info("kiosk screen closed")


def grab_window(window: QQuickWindow, path: Path) -> Path:
    """Render ``window`` and save it; the format follows the suffix (``.png``). Works offscreen.

    Raises:
        OSError: the image could not be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    image = window.grabWindow()
    if image.isNull() or not image.save(str(path)):
        raise OSError(f"could not save a screenshot of {window.objectName() or 'window'} to {path}")
    log.debug("screenshot %s (%dx%d)", path, image.width(), image.height())
    return path


def build_ui(
    app: QGuiApplication,
    config: KioskConfig,
    ticket_service: TicketService,
    waiting_board: WaitingBoard,
    health_board: HealthBoard,
    catalogs: dict[str, Catalog],
    *,
    clock: Clock | None = None,
    show: bool = True,
    checkin_service: CheckInService | None = None,
    photo_service: PhotoBoothService | None = None,
    handover_service: HandoverService | None = None,
    diagnostics: Diagnostics | None = None,
    technician_access: TechnicianAccess | None = None,
    speaker: Speaker | None = None,
    call_staff: CallStaffService | None = None,
) -> KioskUi:
    """Create the view-models, the translator and the QML engine, and load ``Main.qml``.

    Args:
        app: the running application (the translator is installed on it).
        config: the validated kiosk config.
        ticket_service: issues tickets; the UI calls ``issue`` on a worker thread only.
        waiting_board: notifies (from any thread) when the server's waiting figures change.
        health_board: device health; the printer's drives the banner and the status bar.
        catalogs: one message catalogue per configured language.
        clock: the time source of the status bar clock and of the opening hours shown out of
            service (the system clock by default).
        show: show the window at once (full screen if configured).
        checkin_service: checks bookings in (scans and the keypad); None hides the home
            screen's booking button. Hand scanned codes to ``ui.checkin.on_scanned_code``.
        photo_service: the ID photo booth (with its camera); None hides the home screen's
            photo button.
        handover_service: the passport locker; None hides the home screen's pickup button.
            Route scans with ``ui.handover.wants_code(text)`` to ``ui.handover.on_scanned_code``.
        diagnostics: the kiosk's diagnostics (status, self-tests) for the technicians' screen.
        technician_access: the technicians' PIN check (``[diagnostics] technician_pins``);
            without it, or without ``diagnostics``, the screen has no way in.
        speaker: the voice guidance's speech engine; None: no voice (its button hidden).
        call_staff: the call-staff button's calls: an open one shows in the status bar and
            can be acknowledged on the diagnostics screen; None: no call-staff button.

    Raises:
        RuntimeError: ``Main.qml`` did not load (the QML errors are logged by Qt).
    """
    languages = config.ui.languages
    missing = [lang for lang in languages if lang not in catalogs]
    if missing:
        raise ValueError(f"no message catalogue for configured language(s) {missing}")
    translator = CatalogTranslator(
        {lang: catalogs[lang] for lang in languages}, languages[0], parent=app
    )
    app.installTranslator(translator)

    # NOTE: the view-models are children of the engine: Qt deletes them after the engine's
    # QML objects (no binding then reads a deleted view-model), on the GUI thread, and never
    # from whichever thread Python's garbage collector happens to run on.
    engine = QQmlApplicationEngine()
    services = ServiceListModel(config, ticket_service, languages[0], parent=engine)
    waiting_board.subscribe(services.notify_figures_changed)
    status = StatusViewModel(
        health_board,
        clock or SystemClock(),
        config.timezone,
        link_configured=bool(config.mqtt.broker),
        parent=engine,
    )

    def switch_language(language: str) -> None:
        translator.set_language(language)
        services.set_language(language)
        engine.retranslate()

    view_model = KioskViewModel(
        config,
        ticket_service,
        on_language=switch_language,
        on_ticket=services.refresh,
        clock=clock,  # the opening hours' "open until" on the out-of-service screen
        parent=engine,
    )
    checkin = CheckInViewModel(config, checkin_service, view_model, parent=engine)
    qr_provider = QrImageProvider()
    engine.addImageProvider(PROVIDER_ID, qr_provider)
    photo: PhotoViewModel | None = None
    photo_model: QObject
    if photo_service is not None:
        # NOTE: imported here: OpenCV and NumPy load only on a kiosk with a photo booth.
        from kiosk.ui.photo_view_model import PROVIDER_ID as CAMERA_PROVIDER_ID
        from kiosk.ui.photo_view_model import CameraImageProvider, PhotoViewModel

        camera_provider = CameraImageProvider()
        engine.addImageProvider(CAMERA_PROVIDER_ID, camera_provider)
        photo = photo_model = PhotoViewModel(
            photo_service, view_model, camera_provider, parent=engine, staff=handover_service
        )
    else:
        photo_model = AbsentJourney(parent=engine)
    # NOTE: a journey the kiosk does not have is a stand-in: its view-model and everything
    # under it are never imported (issue 14: cold start and idle memory).
    handover: HandoverViewModel | None = None
    handover_model: QObject
    if handover_service is not None:
        from kiosk.ui.handover_view_model import HandoverViewModel

        handover = handover_model = HandoverViewModel(
            config, handover_service, view_model, catalogs, parent=engine
        )
    else:
        handover_model = AbsentJourney(parent=engine)
    staff_call = StaffCallViewModel(call_staff, config.timezone, parent=engine)
    diagnostics_vm: DiagnosticsViewModel | None = None
    diagnostics_model: QObject
    if diagnostics is not None and technician_access is not None:
        from kiosk.ui.diagnostics_view_model import DiagnosticsViewModel

        diagnostics_vm = diagnostics_model = DiagnosticsViewModel(
            config,
            diagnostics,
            technician_access,
            view_model,
            catalogs,
            journeys=(checkin, photo_model, handover_model),
            parent=engine,
            staff_call=staff_call,
        )
    else:
        diagnostics_model = AbsentJourney(parent=engine)
    context = engine.rootContext()
    context.setContextProperty("kioskModel", view_model)
    context.setContextProperty("statusModel", status)
    context.setContextProperty("serviceModel", services)
    context.setContextProperty("checkinModel", checkin)
    context.setContextProperty("photoModel", photo_model)
    context.setContextProperty("handoverModel", handover_model)
    context.setContextProperty("diagnosticsModel", diagnostics_model)
    context.setContextProperty("staffCallModel", staff_call)
    a11y = AccessibilityViewModel(
        speaker,
        {lang: catalogs[lang] for lang in languages},
        {
            "kioskModel": view_model,
            "checkinModel": checkin,
            "photoModel": photo_model,
            "handoverModel": handover_model,
        },
        parent=engine,
    )
    view_model.idle.add(a11y)  # the modes end with the session (the idle return)
    # ... and when a person's ticket journey ends, as the language does: the next person
    # must not inherit a voice reading their screen aloud.
    view_model.languageReset.connect(a11y.reset)
    context.setContextProperty("a11yModel", a11y)
    engine.load(QUrl.fromLocalFile(str(MAIN_QML)))
    roots = [root for root in engine.rootObjects() if isinstance(root, QQuickWindow)]
    if not roots:
        raise RuntimeError(f"{MAIN_QML} did not load; see the QML errors logged above")
    window = roots[0]
    window.setObjectName("kioskWindow")
    a11y.attach(window)
    activity_filter = ActivityFilter(
        view_model,
        parent=window,
        also=diagnostics_vm.noteActivity if diagnostics_vm is not None else None,
    )
    window.installEventFilter(activity_filter)
    view_model.noteActivity()

    ui = KioskUi(
        app,
        config,
        translator,
        view_model,
        status,
        services,
        qr_provider,
        engine,
        window,
        activity_filter,
        checkin=checkin,
        photo=photo,
        handover=handover,
        diagnostics=diagnostics_vm,
    )
    ui.accessibility = a11y
    ui.staff_call = staff_call
    if show:
        ui.show()
    log.info("kiosk screen loaded (%s, languages %s)", MAIN_QML.name, ", ".join(languages))
    return ui

"""The demo's simulator panel: a second small window that plays the simulated devices.

``kiosk demo`` shows it next to the kiosk screen so a visitor can run the printer out of
paper, open its cover, take it offline or cut off the next ticket, scan codes, play the
person at the locker's doors and in front of the photo booth's camera, and watch the kiosk
screen react. The panel talks to the ``PrinterFaults`` Protocol only; the app adapts the
printer simulator to it (the UI never imports a driver or a simulator).
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Property, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtQml import QQmlComponent, QQmlEngine
from PySide6.QtQuick import QQuickWindow

from kiosk.ui.window import QML_DIR, KioskUi, grab_window

log = logging.getLogger(__name__)

DEMO_QML = QML_DIR / "DemoPanel.qml"
PAPER_STATES = ("ok", "near_end", "out")
TICKET_LOG_REFRESH_MS = 1000


class PrinterFaults(Protocol):
    """The fault switches of a (simulated) ticket printer."""

    def set_paper(self, state: str) -> None:
        """Paper sensor: ``ok``, ``near_end`` or ``out``."""
        ...

    def set_cover_open(self, is_open: bool) -> None:
        """Open or close the cover."""
        ...

    def set_offline(self, offline: bool) -> None:
        """Make the printer silent (no status answers, nothing printed) or bring it back."""
        ...

    def drop_next_ticket(self) -> None:
        """Cut the connection in the middle of the next ticket."""
        ...

    def drop_pending(self) -> bool:
        """True from :meth:`drop_next_ticket` until the connection was cut."""
        ...


RecentTickets = Callable[[], Sequence[str]]
"""Returns descriptions of the most recently printed tickets, newest last."""


DEMO_SCANS = (
    "valid",
    "too_early",
    "wrong_office",
    "garbage",
    "staff",
    "pickup",
    "door_put",
    "door_take",
    "meeting",
)
"""What the demo panel can do for a person: scan a booking to check in now, one for later
today, one for another office, 4 KB of noise, a staff card, the next pickup notice; and at
the locker, put the document in (or take the passport out of) the open door and push it
shut; and a meeting QR (with a named member of staff, whom the central server tells)."""

DemoScan = Callable[[str], None]
"""Sends one of ``DEMO_SCANS`` down the scanner simulator's line (the demo provides it)."""

DEMO_CAMERA = ("script", "good", "seated", "blink", "unplug", "plug")
"""What the demo panel can do in front of the photo booth's camera: play the scripted session,
a person standing well, a seated person (a child or a wheelchair user: the face low in the
picture; a camera mount moves down to them), a blink just as the shutter goes, and the
camera's cable pulled out or plugged back in."""

ServerLog = Callable[[], Sequence[str]]
"""What the central simulator did for people lately, one line each, oldest first."""

DemoCamera = Callable[[str], None]
"""Plays one of ``DEMO_CAMERA`` on the camera simulator (the demo provides it)."""


class DemoPanelViewModel(QObject):
    """State of the demo panel: the fault switches as set here, and the printed tickets.

    Properties (QML): ``paper``, ``coverOpen``, ``offline``, ``dropArmed``, ``ticketLog``,
    ``serverLog`` (the meeting hosts the central simulator told).
    """

    paperChanged = Signal()
    coverOpenChanged = Signal()
    offlineChanged = Signal()
    dropArmedChanged = Signal()
    ticketLogChanged = Signal()
    serverLogChanged = Signal()

    def __init__(
        self,
        faults: PrinterFaults,
        recent_tickets: RecentTickets,
        parent: QObject | None = None,
        scan: DemoScan | None = None,
        camera: DemoCamera | None = None,
        server_log: ServerLog | None = None,
    ) -> None:
        super().__init__(parent)
        self._server_log = server_log
        self._server_lines: list[str] = []
        self._faults = faults
        self._scan = scan
        self._camera = camera
        self._recent_tickets = recent_tickets
        self._paper = "ok"
        self._cover_open = False
        self._offline = False
        self._drop_armed = False
        self._ticket_log: list[str] = []
        self._timer = QTimer(self)
        self._timer.setInterval(TICKET_LOG_REFRESH_MS)
        self._timer.timeout.connect(self.refreshTickets)
        self._timer.start()
        self.refreshTickets()

    @Slot(str)
    def setPaper(self, state: str) -> None:
        """Set the paper sensor (``ok``, ``near_end``, ``out``)."""
        if state not in PAPER_STATES or state == self._paper:
            return
        try:
            self._faults.set_paper(state)
        except ValueError:
            log.exception("demo panel: paper state %r refused", state)
            return
        self._paper = state
        self.paperChanged.emit()

    @Slot(bool)
    def setCoverOpen(self, is_open: bool) -> None:
        """Open or close the printer cover."""
        if is_open != self._cover_open:
            self._faults.set_cover_open(is_open)
            self._cover_open = is_open
            self.coverOpenChanged.emit()

    @Slot(bool)
    def setOffline(self, offline: bool) -> None:
        """Take the printer offline or bring it back."""
        if offline != self._offline:
            self._faults.set_offline(offline)
            self._offline = offline
            self.offlineChanged.emit()

    @Slot()
    def dropNextTicket(self) -> None:
        """Cut the connection in the middle of the next ticket."""
        self._faults.drop_next_ticket()
        self._set_drop_armed(True)

    def _set_drop_armed(self, armed: bool) -> None:
        if armed != self._drop_armed:
            self._drop_armed = armed
            self.dropArmedChanged.emit()

    @Slot(result=bool)
    def canScan(self) -> bool:
        """True when the demo has a scanner simulator to send codes down."""
        return self._scan is not None

    @Slot(str)
    def scanDemo(self, kind: str) -> None:
        """Send a demo code down the scanner simulator's serial line (``DEMO_SCANS``)."""
        if self._scan is None or kind not in DEMO_SCANS:
            return
        try:
            self._scan(kind)
        except Exception:  # NOTE: the demo panel must not take the kiosk screen down
            log.exception("demo panel: could not send the %s scan", kind)

    @Slot(result=bool)
    def canCamera(self) -> bool:
        """True when the demo has a camera simulator behind the photo booth."""
        return self._camera is not None

    @Slot(str)
    def cameraDemo(self, kind: str) -> None:
        """Play a scene on the camera simulator (``DEMO_CAMERA``)."""
        if self._camera is None or kind not in DEMO_CAMERA:
            return
        try:
            self._camera(kind)
        except Exception:  # NOTE: the demo panel must not take the kiosk screen down
            log.exception("demo panel: could not play the camera's %s scene", kind)

    @Slot()
    def refreshTickets(self) -> None:
        """Read the recent tickets again, and whether the armed drop still waits."""
        try:
            tickets = list(self._recent_tickets())
            # NOTE: from the simulator, not guessed from the ticket log: a drop that cut
            # something else than a ticket left the button disabled for good.
            self._set_drop_armed(self._faults.drop_pending())
        except Exception:  # NOTE: the demo panel must not take the kiosk screen down
            log.exception("demo panel: could not read the printer simulator")
            return
        if tickets != self._ticket_log:
            self._ticket_log = tickets
            self.ticketLogChanged.emit()
        if self._server_log is not None:
            lines = list(self._server_log())
            if lines != self._server_lines:
                self._server_lines = lines
                self.serverLogChanged.emit()

    def _get_paper(self) -> str:
        return self._paper

    def _get_cover_open(self) -> bool:
        return self._cover_open

    def _get_offline(self) -> bool:
        return self._offline

    def _get_drop_armed(self) -> bool:
        return self._drop_armed

    def _get_server_log(self) -> str:
        return "\n".join(reversed(self._server_lines))

    def _get_ticket_log(self) -> str:
        return "\n".join(reversed(self._ticket_log))

    paper = Property(str, _get_paper, notify=paperChanged)
    coverOpen = Property(bool, _get_cover_open, notify=coverOpenChanged)
    offline = Property(bool, _get_offline, notify=offlineChanged)
    dropArmed = Property(bool, _get_drop_armed, notify=dropArmedChanged)
    ticketLog = Property(str, _get_ticket_log, notify=ticketLogChanged)
    serverLog = Property(str, _get_server_log, notify=serverLogChanged)


class DemoPanel:
    """The demo panel window and the objects it needs alive.

    Attributes:
        view_model: the panel's state (``demo`` in DemoPanel.qml).
        window: the panel's window.
    """

    def __init__(
        self, view_model: DemoPanelViewModel, component: QQmlComponent, window: QQuickWindow
    ) -> None:
        self.view_model = view_model
        self.component = component
        self.window = window

    def grab(self, path: Path | str) -> Path:
        """Save a screenshot of the panel as PNG."""
        return grab_window(self.window, Path(path))

    def close(self) -> None:
        """Close the panel window."""
        self.window.close()


def build_demo_panel(
    ui: KioskUi,
    faults: PrinterFaults,
    recent_tickets: RecentTickets,
    *,
    show: bool = True,
    scan: DemoScan | None = None,
    camera: DemoCamera | None = None,
    server_log: ServerLog | None = None,
) -> DemoPanel:
    """Load the demo panel into the kiosk's QML engine as a second window.

    It shares the kiosk's translator (``qsTr`` ids, language follows the kiosk screen) and
    sees ``kioskModel`` and ``statusModel`` (printer health, out-of-service switch).

    Raises:
        RuntimeError: ``DemoPanel.qml`` did not load.
    """
    view_model = DemoPanelViewModel(
        faults, recent_tickets, parent=ui.engine, scan=scan, camera=camera, server_log=server_log
    )
    component = QQmlComponent(ui.engine, QUrl.fromLocalFile(str(DEMO_QML)))
    created = component.createWithInitialProperties({"demo": view_model})
    if not isinstance(created, QQuickWindow):
        errors = "; ".join(error.toString() for error in component.errors())
        raise RuntimeError(f"{DEMO_QML} did not load: {errors or 'not a window'}")
    created.setObjectName("demoPanelWindow")
    # NOTE: owned by us, not by the QML garbage collector, so close() deletes it exactly once.
    QQmlEngine.setObjectOwnership(created, QQmlEngine.ObjectOwnership.CppOwnership)
    # NOTE: PySide links the window to the component that created it, on the Python side.
    # Destroying the component after Shiboken.delete(window) touches the freed window wrapper:
    # `kiosk demo` ended in a segmentation fault on every exit (the component, Python-owned
    # and without a Qt parent, outlived KioskUi.close()). close() deletes extra_objects last
    # first: the component, then its window, both before the engine. The view-model is the
    # engine's child and goes with it.
    ui.extra_objects.append(created)
    ui.extra_objects.append(component)
    panel = DemoPanel(view_model, component, created)
    # Beside the kiosk window, not on top of it (there may be no window manager to move it).
    created.setPosition(ui.window.x() + ui.window.width() + 16, ui.window.y())
    if show:
        created.show()
    log.info("demo panel loaded")
    return panel

"""The status bar: link to the central server, printer health, the clock."""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, Qt, QTimer, Signal, Slot

from kiosk.core.clock import Clock
from kiosk.devices.health import Health, HealthBoard, HealthState

log = logging.getLogger(__name__)

PRINTER = "printer"
CLOCK_TICK_MS = 1000


def printer_usable(health: Health) -> bool:
    """True when a ticket can be expected to come out of the printer.

    ``unknown`` because nothing was read yet (``not_checked``, right after start) is not
    reported as a problem: the first ticket or poll finds out. Any other ``unknown``
    (no answer) and every ``fault`` is.
    """
    if health.state is HealthState.UNKNOWN:
        return health.reason == "not_checked"
    return health.state.usable


class StatusViewModel(QObject):
    """What the status bar and the home screen's printer banner show.

    Thread-safe entry points: ``setLinkStatus`` (called by the app from the link's thread)
    and the health board's listener. Both hand over to the GUI thread with queued signals.

    Properties (QML): ``linkConfigured`` (False: no broker in the config, nothing to show),
    ``online``, ``linkReason``, ``printerState``, ``printerReason``,
    ``printerUsable``, ``clock`` (``HH:MM`` in the office's time zone).
    """

    onlineChanged = Signal()
    linkReasonChanged = Signal()
    printerChanged = Signal()
    printerUsableChanged = Signal()
    clockChanged = Signal()

    _linkReported = Signal(bool, str)  # from any thread
    _healthReported = Signal(str, object)  # from any thread: (device, Health)

    def __init__(
        self,
        health_board: HealthBoard,
        clock: Clock,
        timezone: ZoneInfo,
        *,
        link_configured: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._link_configured = link_configured
        self._clock_source = clock
        self._timezone = timezone
        self._online = False
        self._link_reason = ""
        self._printer = health_board.get(PRINTER)
        self._clock = ""
        self._linkReported.connect(self._apply_link, Qt.ConnectionType.QueuedConnection)
        self._healthReported.connect(self._apply_health, Qt.ConnectionType.QueuedConnection)
        health_board.subscribe(self._on_health)
        self._timer = QTimer(self)
        self._timer.setInterval(CLOCK_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    # -- entry points from other threads -------------------------------------------------------

    @Slot(bool, str)
    def setLinkStatus(self, online: bool, reason: str = "") -> None:
        """Thread-safe: the link to the central server is up or down (``reason`` for logs)."""
        try:
            self._linkReported.emit(online, reason)
        except RuntimeError:
            # NOTE: the link outlives the screen at shutdown (it says "stopped" last).
            log.debug("link status %s after the status bar was destroyed", reason)

    def set_link_status(self, online: bool, reason: str = "") -> None:
        """Thread-safe Python spelling of ``setLinkStatus``."""
        self.setLinkStatus(online, reason)

    def _on_health(self, device: str, health: Health) -> None:
        try:
            self._healthReported.emit(device, health)
        except RuntimeError:
            # NOTE: the board outlives the screen at shutdown and has no unsubscribe.
            log.debug("health of %s reported after the status bar was destroyed", device)

    # -- GUI thread ----------------------------------------------------------------------------

    @Slot(bool, str)
    def _apply_link(self, online: bool, reason: str) -> None:
        if online != self._online:
            log.info(
                "status bar: central server %s (%s)", "online" if online else "offline", reason
            )
            self._online = online
            self.onlineChanged.emit()
        if reason != self._link_reason:
            self._link_reason = reason
            self.linkReasonChanged.emit()

    @Slot(str, object)
    def _apply_health(self, device: str, health: object) -> None:
        if device != PRINTER or not isinstance(health, Health):
            return
        if health.same_as(self._printer):
            return
        was_usable = printer_usable(self._printer)
        self._printer = health
        self.printerChanged.emit()
        if printer_usable(health) != was_usable:
            self.printerUsableChanged.emit()

    @Slot()
    def _tick(self) -> None:
        text = self._clock_source.now().astimezone(self._timezone).strftime("%H:%M")
        if text != self._clock:
            self._clock = text
            self.clockChanged.emit()

    # -- properties ----------------------------------------------------------------------------

    def _get_link_configured(self) -> bool:
        return self._link_configured

    def _get_online(self) -> bool:
        return self._online

    def _get_link_reason(self) -> str:
        return self._link_reason

    def _get_printer_state(self) -> str:
        return self._printer.state.value

    def _get_printer_reason(self) -> str:
        return self._printer.reason

    def _get_printer_usable(self) -> bool:
        return printer_usable(self._printer)

    def _get_clock(self) -> str:
        return self._clock

    linkConfigured = Property(bool, _get_link_configured, constant=True)
    online = Property(bool, _get_online, notify=onlineChanged)
    linkReason = Property(str, _get_link_reason, notify=linkReasonChanged)
    printerState = Property(str, _get_printer_state, notify=printerChanged)
    printerReason = Property(str, _get_printer_reason, notify=printerChanged)
    printerUsable = Property(bool, _get_printer_usable, notify=printerUsableChanged)
    clock = Property(str, _get_clock, notify=clockChanged)

    @property
    def printer_health(self) -> Health:
        """The printer's health as last seen on the GUI thread."""
        return self._printer

"""The open staff call on the screen (issue 13): ``staffCallModel`` in QML.

While a call is open (the call-staff button was pressed and no one has acknowledged it yet,
also across a restart) the status bar shows a calm line, "Staff have been called — please
wait here" (``status.staff_called``, ``KioskStatusBar.qml``), on every screen: the person who
pressed it knows they were heard and where to be. The technicians' diagnostics screen
acknowledges the call with one button (:meth:`StaffCallViewModel.acknowledge`, through the
diagnostics view-model, which names the signed-in technician); the event says
``via: diagnostics``. The commit runs on a worker thread: the screen never waits for SQLite.
"""

# ruff: noqa: N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import Property, QObject, Signal

from kiosk.core.call_staff import CallStaffService, StaffCall
from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.qml_property import changed

log = logging.getLogger(__name__)

VIA_DIAGNOSTICS = "diagnostics"
"""``via`` of an acknowledgement from the technicians' screen."""


class StaffCallViewModel(QObject):
    """The open call, as the screen shows it (see the module docstring).

    Properties (QML): ``available`` (False: no call-staff button, nothing is ever shown),
    ``open`` (a call waits for staff), ``calledAt`` (its time, ``HH:MM`` in the office's
    time zone; empty when none).

    Args:
        service: the kiosk's staff calls, or None (no call-staff button).
        timezone: the office's time zone (``calledAt``).
        parent: Qt parent.
    """

    openChanged = Signal()
    acknowledged = Signal(bool)  # on the GUI thread after acknowledge(): True if a call was taken

    def __init__(
        self,
        service: CallStaffService | None,
        timezone: ZoneInfo,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._timezone = timezone
        self._call: StaffCall | None = None
        self._inbox = GuiInbox(self._on_call, "staff call", self)
        self._worker = GuiWorker("staff-call", self)
        if service is not None:
            # NOTE: told at once (a call restored at start shows from the first frame), then
            # from whichever thread changed it (the button's, the link's, the worker's).
            self._call = service.open_call
            service.subscribe(self._inbox.post)

    def acknowledge(self, by: str) -> bool:
        """Staff took the call at the kiosk (``by``: the technician); False: nothing to take.

        The event is committed on a worker; :attr:`acknowledged` follows on the GUI thread.
        """
        service, call = self._service, self._call
        if service is None or call is None:
            return False
        log.info("staff call %s acknowledged on the diagnostics screen by %s", call.call_id, by)
        self._worker.submit(
            "acknowledge",
            # NOTE: only the call on screen: one made meanwhile is another person's.
            lambda: service.acknowledge(VIA_DIAGNOSTICS, by, call_id=call.call_id),
            self._on_acknowledged,
        )
        return True

    def _on_acknowledged(self, value: StaffCall | Exception | None) -> None:
        # A failed commit is logged by the worker; the call stays open and on screen.
        self.acknowledged.emit(isinstance(value, StaffCall))

    def _on_call(self, call: StaffCall | None) -> None:
        if isinstance(call, StaffCall) or call is None:
            changed(self, "_call", call, self.openChanged)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for an acknowledgement being committed (tests, shutdown)."""
        return self._worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the worker (GUI thread; at shutdown)."""
        self._worker.close()

    def _get_open(self) -> bool:
        return self._call is not None

    def _get_called_at(self) -> str:
        call = self._call
        return "" if call is None else call.at.astimezone(self._timezone).strftime("%H:%M")

    def _get_available(self) -> bool:
        return self._service is not None

    available = Property(bool, _get_available, constant=True)
    open = Property(bool, _get_open, notify=openChanged)
    calledAt = Property(str, _get_called_at, notify=openChanged)

    @property
    def call(self) -> StaffCall | None:
        """The open call as last seen on the GUI thread."""
        return self._call

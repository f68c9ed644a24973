"""Stand-ins for the journeys a kiosk does not have: no button, no screen, nothing loaded.

A journey's real view-model pulls in its whole stack (the photo booth OpenCV and NumPy, about
90 ms and 60 MB; the hand-over its state machine and journal; the diagnostics the technicians'
PIN check and the status rows). A kiosk without a camera, a locker or technician PINs should
not pay that at every start just to hide a button (issue 14: cold start and idle memory), so
``photoModel``, ``handoverModel`` and ``diagnosticsModel`` are an :class:`AbsentJourney` then.
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

from PySide6.QtCore import Property, QObject, Slot


class AbsentJourney(QObject):
    """The members ``Main.qml``, the home screen, the status bar and the theme read of a
    journey: not available, no screen, no staff session; its openers do nothing."""

    def _get_available(self) -> bool:
        return False

    def _get_screen(self) -> str:
        return ""

    def _get_staff_session(self) -> bool:
        return False

    @Slot()
    def open(self) -> None:
        """The photo booth's opener (its button is hidden)."""

    @Slot()
    def openPickup(self) -> None:
        """The hand-over's home button (hidden)."""

    @Slot()
    def openStaff(self) -> None:
        """The hand-over's staff entry (disabled)."""

    @Slot()
    def openSignIn(self) -> None:
        """The diagnostics' hidden gesture (it does not exist)."""

    @Slot()
    def noteActivity(self) -> None:
        """A touch: nothing to keep open."""

    available = Property(bool, _get_available, constant=True)
    screen = Property(str, _get_screen, constant=True)
    staffSession = Property(bool, _get_staff_session, constant=True)


NoPhotoBooth = AbsentJourney
"""``photoModel`` for a kiosk without a photo booth."""

__all__ = ["AbsentJourney", "NoPhotoBooth"]

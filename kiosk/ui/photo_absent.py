"""``photoModel`` for a kiosk without a photo booth: no button, no screen.

NOTE: the real ``PhotoViewModel`` pulls in OpenCV and NumPy (about 90 ms and 60 MB); a kiosk
without a camera should not pay that at every start just to hide a button.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, Slot


class NoPhotoBooth(QObject):
    """The few ``photoModel`` members the home screen and ``Main.qml`` read."""

    def _get_available(self) -> bool:
        return False

    def _get_screen(self) -> str:
        return ""

    @Slot()
    def open(self) -> None:
        """Nothing to open (the button is hidden)."""

    available = Property(bool, _get_available, constant=True)
    screen = Property(str, _get_screen, constant=True)

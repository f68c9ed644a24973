"""The baseline: an empty Qt Quick window. Prints ``first-frame`` when its first frame is shown."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine

QML = b"""
import QtQuick
Window { visible: true; width: 1280; height: 800; color: "white" }
"""


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    engine = QQmlApplicationEngine()
    engine.loadData(QML)
    window = engine.rootObjects()[0]
    window.frameSwapped.connect(  # type: ignore[attr-defined]
        lambda: print("first-frame", flush=True), Qt.ConnectionType.SingleShotConnection
    )
    if len(sys.argv) > 1:
        QTimer.singleShot(int(float(sys.argv[1]) * 1000), app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

"""The baselines of ``bench.startup_idle``: prints ``first-frame`` when the first frame is shown.

``python bench/empty_window.py [quit_after_s]``: an empty Qt Quick window (the baseline the
aims are ratios of). With ``--controls``: the floor under any kiosk screen, a Qt Quick
Controls window in the kiosk's Japanese font showing one Japanese label (Controls load their
style's libraries and QML, the label the font), so a report can say how much of the
kiosk's figure is the toolkit and the script and how much is the kiosk's own.
With ``--controls --config FILE`` as well: that floor after importing the kiosk's config
package and loading ``FILE`` with it, the least any kiosk must do before its first frame (the
window's size, the languages and the services on the home screen all come from the config),
so a report can say whether an aim is reachable at all.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine

QML = b"""
import QtQuick
Window { visible: true; width: 1280; height: 800; color: "white" }
"""

CONTROLS_QML = """
import QtQuick
import QtQuick.Controls.Basic
ApplicationWindow {
    visible: true; width: 1280; height: 800; color: "white"
    font.family: "IPAPGothic"; font.pixelSize: 30
    Label { anchors.centerIn: parent; text: "ご用件を選んでください" }
}
""".encode()
"""ApplicationWindow + Label as Main.qml uses them, with the home screen's first words."""


def main() -> int:
    argv = sys.argv[1:]
    config_path = None
    if "--config" in argv:
        at = argv.index("--config")
        config_path = argv[at + 1]
        del argv[at : at + 2]
    args = [arg for arg in argv if arg != "--controls"]
    if config_path is not None:
        from pathlib import Path

        from kiosk.config import load_config

        load_config(Path(config_path))  # the kiosk's first step, imports included
    app = QGuiApplication(sys.argv[:1])
    engine = QQmlApplicationEngine()
    engine.loadData(CONTROLS_QML if "--controls" in sys.argv[1:] else QML)
    window = engine.rootObjects()[0]
    window.frameSwapped.connect(  # type: ignore[attr-defined]
        lambda: print("first-frame", flush=True), Qt.ConnectionType.SingleShotConnection
    )
    if args:
        QTimer.singleShot(int(float(args[0]) * 1000), app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

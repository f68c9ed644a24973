# ruff: noqa: N815 - QML property names are camelCase
"""The screen of a kiosk that could not open its state database at start.

Rather than exit (systemd would restart it, and after five failures reboot the machine, in a
loop), the kiosk shows the out-of-service screen: the citizen reads where to go, staff read
the reason in small print. Nothing else runs: without its records the kiosk cannot promise a
ticket, a check-in or a door.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Property, QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

from kiosk.config import KioskConfig
from kiosk.core.clock import SystemClock
from kiosk.i18n.catalog import Catalog
from kiosk.ui.office_hours_text import OfficeHoursText
from kiosk.ui.translator import CatalogTranslator

log = logging.getLogger(__name__)

STORE_FAILURE_QML = Path(__file__).resolve().parent / "qml" / "StoreFailureWindow.qml"
OUT_OF_SERVICE_KEY = "oos.body.store_failed"
CONFIG_REFUSED_KEY = "oos.body.config_refused"
"""The text when the kiosk's own configuration was refused (``kiosk run`` under systemd)."""


class StoreFailureModel(QObject):
    """``kioskModel`` of the store-failure window: the text key and the reason (English),
    and the office's opening hours (the out-of-service screen shows them)."""

    changed = Signal()

    def __init__(
        self,
        reason: str,
        hours: OfficeHoursText | None = None,
        parent: QObject | None = None,
        *,
        key: str = OUT_OF_SERVICE_KEY,
    ) -> None:
        super().__init__(parent)
        self._reason = reason
        self._hours = hours
        self._key = key

    def _get_key(self) -> str:
        return self._key

    def _get_reason(self) -> str:
        return self._reason

    def _get_has_hours(self) -> bool:
        return self._hours is not None and self._hours.configured

    def _get_hours(self) -> list[dict[str, object]]:
        return self._hours.rows() if self._hours is not None else []

    def _get_now(self) -> str:
        return self._hours.now_text() if self._hours is not None else ""

    outOfServiceKey = Property(str, _get_key, notify=changed)
    reason = Property(str, _get_reason, notify=changed)
    hasOpeningHours = Property(bool, _get_has_hours, constant=True)
    openingHours = Property(list, _get_hours, notify=changed)
    openingNow = Property(str, _get_now, notify=changed)


class StoreFailureUi:
    """The window, its engine and translator (keep a reference while it runs).

    Attributes:
        engine: the QML engine.
        window: the window (``storeFailureWindow``).
        model: the ``kioskModel``.
        translator: installed on the application.
    """

    def __init__(
        self,
        engine: QQmlApplicationEngine,
        window: QQuickWindow,
        model: StoreFailureModel,
        translator: CatalogTranslator,
    ) -> None:
        self.engine = engine
        self.window = window
        self.model = model
        self.translator = translator


def build_store_failure_ui(
    app: QGuiApplication,
    config: KioskConfig,
    catalogs: dict[str, Catalog],
    reason: str,
    *,
    show: bool = True,
    key: str = OUT_OF_SERVICE_KEY,
) -> StoreFailureUi:
    """Load the out-of-service window with ``reason`` (for staff) in the first language.

    Raises:
        RuntimeError: the QML did not load.
    """
    languages = [lang for lang in config.ui.languages if lang in catalogs]
    translator = CatalogTranslator({lang: catalogs[lang] for lang in languages}, parent=app)
    app.installTranslator(translator)
    engine = QQmlApplicationEngine()
    hours = OfficeHoursText(config.opening_hours, config.timezone, SystemClock())
    model = StoreFailureModel(reason, hours, parent=engine, key=key)
    engine.rootContext().setContextProperty("kioskModel", model)
    engine.load(QUrl.fromLocalFile(str(STORE_FAILURE_QML)))
    roots = [root for root in engine.rootObjects() if isinstance(root, QQuickWindow)]
    if not roots:
        raise RuntimeError(f"{STORE_FAILURE_QML} did not load; see the QML errors logged above")
    window = roots[0]
    if show:
        if config.ui.fullscreen:
            window.showFullScreen()
        else:
            window.show()
    what = (
        "the configuration is refused"
        if key == CONFIG_REFUSED_KEY
        else "the state database cannot be opened"
    )
    log.error("out of service: %s: %s", what, reason)
    return StoreFailureUi(engine, window, model, translator)


__all__ = [
    "CONFIG_REFUSED_KEY",
    "OUT_OF_SERVICE_KEY",
    "StoreFailureUi",
    "build_store_failure_ui",
]

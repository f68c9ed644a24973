"""The list of services on the home screen, with people waiting and the expected wait."""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from kiosk.config import KioskConfig
from kiosk.core.waiting import WaitFigure
from kiosk.i18n.linebreak import phrased, plain

log = logging.getLogger(__name__)

FIGURES_REFRESH_MS = 30_000  # our own estimates shrink as time passes, without any event

ModelIndex = QModelIndex | QPersistentModelIndex


class WaitFigureSource(Protocol):
    """Where the waiting figures come from (``TicketService`` has this method)."""

    def wait_figure(self, service_id: str) -> WaitFigure:
        """The current figure for a service."""
        ...


@dataclass(frozen=True)
class _Row:
    id: str
    prefix: str
    name: str
    waiting: int
    wait_minutes: int
    estimated: bool


class ServiceListModel(QAbstractListModel):
    """One row per configured service, in config order.

    Roles (QML names): ``serviceId``, ``prefix``, ``name`` (current language), ``waiting``,
    ``waitMinutes``, ``estimated``.

    ``refresh()`` reads the figures again; ``notify_figures_changed()`` may be called from any
    thread (the waiting board's listener) and refreshes on the GUI thread.
    """

    IdRole = Qt.ItemDataRole.UserRole + 1
    PrefixRole = Qt.ItemDataRole.UserRole + 2
    NameRole = Qt.ItemDataRole.UserRole + 3
    WaitingRole = Qt.ItemDataRole.UserRole + 4
    WaitMinutesRole = Qt.ItemDataRole.UserRole + 5
    EstimatedRole = Qt.ItemDataRole.UserRole + 6

    _ROLE_NAMES: ClassVar[dict[int, bytes]] = {
        IdRole: b"serviceId",
        PrefixRole: b"prefix",
        NameRole: b"name",
        WaitingRole: b"waiting",
        WaitMinutesRole: b"waitMinutes",
        EstimatedRole: b"estimated",
    }

    _figuresChanged = Signal()  # from any thread; queued to the GUI thread
    _configChanged = Signal(object)  # a new KioskConfig, from any thread

    def __init__(
        self,
        config: KioskConfig,
        figures: WaitFigureSource,
        language: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._figures = figures
        self._language = language
        self._rows: list[_Row] = [
            _Row(s.id, s.prefix, s.name.get(language), 0, 0, True) for s in config.services
        ]
        self._figuresChanged.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self._configChanged.connect(self._apply_config, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(FIGURES_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    # -- QAbstractListModel --------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of services (0 under any parent: this is a flat list)."""
        if parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The value of ``role`` for the service at ``index``."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, self.NameRole):
            # Word joiners keep each phrase of the name on one line (kiosk/i18n/linebreak.py).
            return phrased(row.name, self._language)
        if role == self.IdRole:
            return row.id
        if role == self.PrefixRole:
            return row.prefix
        if role == self.WaitingRole:
            return row.waiting
        if role == self.WaitMinutesRole:
            return row.wait_minutes
        if role == self.EstimatedRole:
            return row.estimated
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        """QML names of the roles."""
        return {role: QByteArray(name) for role, name in self._ROLE_NAMES.items()}

    # -- updates -------------------------------------------------------------------------------

    def notify_figures_changed(self) -> None:
        """Thread-safe: the figures changed somewhere; refresh on the GUI thread."""
        try:
            self._figuresChanged.emit()
        except RuntimeError:
            # NOTE: the waiting board outlives the screen at shutdown and has no unsubscribe.
            log.debug("waiting figures changed after the service list was destroyed")

    @Slot()
    def refresh(self) -> None:
        """Read every service's figure again and announce the rows that changed."""
        for number, row in enumerate(self._rows):
            try:
                figure = self._figures.wait_figure(row.id)
            except Exception:  # NOTE: a figure is never worth a broken home screen
                log.exception("could not read the waiting figure of service %s", row.id)
                continue
            self._update(
                number,
                replace(
                    row,
                    waiting=figure.people_waiting,
                    wait_minutes=figure.wait_minutes,
                    estimated=figure.estimated,
                ),
            )

    def notify_config_changed(self, config: KioskConfig) -> None:
        """Thread-safe: the services changed (a desired config); rebuild on the GUI thread."""
        self._configChanged.emit(config)

    @Slot(object)
    def _apply_config(self, config: KioskConfig) -> None:
        self.beginResetModel()
        self._config = config
        self._rows = [
            _Row(s.id, s.prefix, s.name.get(self._language), 0, 0, True) for s in config.services
        ]
        self.endResetModel()
        self.refresh()

    def set_language(self, language: str) -> None:
        """Show the service names in ``language``."""
        self._language = language
        for number, (row, service) in enumerate(
            zip(self._rows, self._config.services, strict=True)
        ):
            self._update(number, replace(row, name=service.name.get(language)))

    def service_ids(self) -> list[str]:
        """The service ids in display order."""
        return [row.id for row in self._rows]

    def row_of(self, service_id: str) -> dict[str, Any]:
        """A row as a dict of QML role names to values (for tests and logs)."""
        for number in range(len(self._rows)):
            index = self.index(number, 0)
            if self.data(index, self.IdRole) == service_id:
                row = {
                    name.decode(): self.data(index, role) for role, name in self._ROLE_NAMES.items()
                }
                return row | {"name": plain(row["name"])}  # as a person reads it
        raise KeyError(service_id)

    def _update(self, number: int, new: _Row) -> None:
        old = self._rows[number]
        if new == old:
            return
        self._rows[number] = new
        changed = [
            role
            for role, attr in (
                (self.NameRole, "name"),
                (self.WaitingRole, "waiting"),
                (self.WaitMinutesRole, "wait_minutes"),
                (self.EstimatedRole, "estimated"),
            )
            if getattr(old, attr) != getattr(new, attr)
        ]
        if self.NameRole in changed:
            changed.append(Qt.ItemDataRole.DisplayRole)
        index = self.index(number, 0)
        self.dataChanged.emit(index, index, changed)

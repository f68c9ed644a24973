"""A flat list of rows for a QML ``Repeater`` or ``ListView``; roles are the rows' keys."""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import Property, QByteArray, QObject, Qt, Signal

Index = QtCore.QModelIndex | QtCore.QPersistentModelIndex


class RowListModel(QtCore.QAbstractListModel):
    """Rows of named values; the first role is also the display role.

    Args:
        roles: the role names, in order (each row is a mapping with these keys; a missing
            key reads ``""``).
        parent: Qt parent.
    """

    countChanged = Signal()

    def __init__(self, roles: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roles = tuple(roles)
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the list (a reset: the lists are short and read whole)."""
        new = [{role: row.get(role, "") for role in self._roles} for row in rows]
        if new == self._rows:
            return
        count_changed = len(new) != len(self._rows)
        self.beginResetModel()
        self._rows = new
        self.endResetModel()
        if count_changed:
            self.countChanged.emit()

    def rows(self) -> list[dict[str, Any]]:
        """A copy of the rows (tests)."""
        return [dict(row) for row in self._rows]

    def column(self, role: str) -> list[Any]:
        """One role's values, in order."""
        return [row[role] for row in self._rows]

    def rowCount(self, parent: Index | None = None) -> int:
        """Number of rows (0 under any parent: a flat list)."""
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: Index, role: int = 0) -> Any:
        """The role's value of one row."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        number = role - Qt.ItemDataRole.UserRole - 1
        if role == Qt.ItemDataRole.DisplayRole:
            number = 0
        if not 0 <= number < len(self._roles):
            return None
        return self._rows[index.row()][self._roles[number]]

    def roleNames(self) -> dict[int, QByteArray]:
        """QML role names."""
        return {
            Qt.ItemDataRole.UserRole + 1 + n: QByteArray(name.encode())
            for n, name in enumerate(self._roles)
        }

    def _get_count(self) -> int:
        return len(self._rows)

    count = Property(int, _get_count, notify=countChanged)


__all__ = ["RowListModel"]

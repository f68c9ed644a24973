"""QML properties that read an attribute, without a getter method each.

``screen = reads(str, "_screen", notify=screenChanged)`` stands for a ``_get_screen``
method returning ``self._screen.value`` and ``Property(str, _get_screen, notify=...)``.
An enum's value is what QML gets; a dotted path reads through (``"_keypad.number"``).
Without ``notify`` the property is constant.
"""

from __future__ import annotations

import enum
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Property, QObject, Signal


def reads(type_: type, attribute: str, *, notify: Signal | None = None) -> Property:
    """A read-only QML property of type ``type_`` reading ``self.<attribute>``."""
    get = attrgetter(attribute)

    def read(self: QObject) -> Any:
        value = get(self)
        return value.value if isinstance(value, enum.Enum) else value

    read.__name__ = f"_read_{attribute.strip('_').replace('.', '_')}"
    if notify is None:
        return Property(type_, read, constant=True)
    return Property(type_, read, notify=notify)


__all__ = ["reads"]

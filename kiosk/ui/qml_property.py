"""QML properties that read an attribute, and their change, without a method each.

``screen = reads(str, "_screen", notify=screenChanged)`` stands for a ``_get_screen``
method returning ``self._screen.value`` and ``Property(str, _get_screen, notify=...)``.
An enum's value is what QML gets; a dotted path reads through (``"_keypad.number"``).
Without ``notify`` the property is constant.

``changed(self, "_busy", busy, self.busyChanged)`` stands for the setter every view-model
wrote: store the value and emit the notify signal, only when the value is new.
"""

from __future__ import annotations

import enum
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Property, QObject, Signal, SignalInstance


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


def changed(owner: object, attribute: str, value: object, notify: SignalInstance) -> bool:
    """Set ``owner.<attribute>`` to ``value`` and emit ``notify``, unless it already is.

    Returns True when it changed.
    """
    if getattr(owner, attribute) == value:
        return False
    setattr(owner, attribute, value)
    notify.emit()
    return True


__all__ = ["changed", "reads"]

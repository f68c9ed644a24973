"""``None`` that can be handed back to C++ from a Python override of a Qt virtual.

NOTE: PySide6 6.12 on CPython 3.11 drops one reference to ``None`` each time a Python override
of a virtual (``QAbstractItemModel.data``, ``QTranslator.translate``…) returns ``None`` to C++
(an invalid ``QVariant``, a null ``QString``). After enough calls CPython aborts with
"none_dealloc: deallocating None". ``none_for_qt()`` adds the reference back first; if a later
PySide6 stops dropping it, the extra reference to the immortal-in-practice ``None`` is harmless.
``tests/ui/test_service_list.py`` checks the balance.
"""

from __future__ import annotations

import ctypes

_py_incref = ctypes.pythonapi.Py_IncRef
_py_incref.argtypes = [ctypes.py_object]
_py_incref.restype = None


def none_for_qt() -> None:
    """Return ``None`` from a Qt virtual override without unbalancing its reference count."""
    _py_incref(None)

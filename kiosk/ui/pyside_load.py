"""Loads PySide6 for the kiosk's own process, without its source check at every import.

Importing PySide6 replaces Python's ``__import__`` with Shiboken's, which serves PySide's
``from __feature__ import snake_case, true_property``: after each import it asks
``inspect.getsource`` of the importing module whether it mentions PySide6, and ``inspect``
keeps every file it read in :mod:`linecache` for the life of the process. The kiosk uses no
``__feature__``. Measured once by hand (smaps and tracemalloc, not a bench) on ``kiosk run``
in bench.startup_idle's set-up: 165 files read, 2.4 MB of text kept as 7 to 8 MB of Python
strings, 16 ms of the cold start, and 5.8 MB of the idle RSS (120.7 MB to 114.9 MB).
Clearing linecache afterwards freed no RSS (the strings sit among live objects), so the check
is avoided instead.

Only the composition root calls :func:`load_pyside`, before its first Qt import; tests and
tools that import PySide6 themselves keep Shiboken's import function.
"""

from __future__ import annotations

import builtins
import logging

log = logging.getLogger(__name__)


def load_pyside() -> None:
    """Import PySide6's core and give Python its own ``__import__`` back.

    Does nothing more when PySide6 was already imported (the import function is then not
    ours to restore).
    """
    plain = builtins.__import__
    if getattr(plain, "__name__", "") != "__import__":
        return  # PySide6 (or a tool) installed its own already
    import PySide6.QtCore  # noqa: F401 - the import is the point

    if builtins.__import__ is not plain:
        builtins.__import__ = plain
        log.debug("PySide6 loaded; Python's __import__ restored (no per-import source check)")


__all__ = ["load_pyside"]

"""The link's status as the rest of the kiosk sees it: online or not, and why."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class LinkReason(enum.StrEnum):
    """Why the link is in its current state (the second argument of a status listener)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTH_FAILED = "auth_failed"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CONNECTION_LOST = "connection_lost"
    STOPPED = "stopped"


StatusListener = Callable[[bool, str], None]
"""``listener(online, reason)``: called on the link's worker thread; must only hand over."""


class LinkStatus:
    """The last ``(online, reason)`` and the listeners told of every change.

    ``subscribe`` may be called from any thread; ``set`` only from the link's worker.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[StatusListener] = []
        self._current: tuple[bool, str] = (False, LinkReason.STOPPED.value)

    @property
    def current(self) -> tuple[bool, str]:
        """``(online, reason)`` as last given to the listeners."""
        return self._current

    def subscribe(self, listener: StatusListener) -> None:
        """Call ``listener(online, reason)`` on every later change."""
        with self._lock:
            self._listeners.append(listener)

    def set(self, online: bool, reason: LinkReason) -> None:
        """Record the status and tell every listener, if it changed.

        A failing listener is logged and the others are still told.
        """
        status = (online, reason.value)
        if status == self._current:
            return
        self._current = status
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(online, reason.value)
            except Exception:
                log.exception("status listener %r failed", listener)


__all__ = ["LinkReason", "LinkStatus", "StatusListener"]

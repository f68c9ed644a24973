"""The kiosks' retained ``state``, ``health`` and ``config/reported`` as the server keeps them
(a late Will of an older session never hides a newer birth)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class KioskStates:
    """The latest state, health and reported configuration of every kiosk, and its office
    (not thread-safe: the simulator's worker holds its lock)."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.history: list[tuple[str, dict[str, Any]]] = []
        self.health: dict[str, dict[str, Any]] = {}
        self.offices: dict[str, str] = {}  # kiosk -> office, from the birth
        self.config_reported: dict[str, dict[str, Any]] = {}
        self.config_reported_history: list[tuple[str, dict[str, Any]]] = []
        self.stale = 0

    def on_state(self, kiosk: str, body: dict[str, Any] | None) -> bool:
        """Keep a ``state`` payload (None: the retained state was cleared); True when it
        is kept and says the kiosk is online (a birth)."""
        if body is None:
            self.states.pop(kiosk, None)
            return False
        self.history.append((kiosk, body))
        if stale_state(body, self.states.get(kiosk)):
            # NOTE: a Will of an older session delivered after a newer birth (a late
            # Will after a fast restart): the newer session's state stays.
            self.stale += 1
            log.warning("kiosk %s: stale state of an older session ignored: %r", kiosk, body)
            return False
        self.states[kiosk] = body
        site = body.get("site")
        if isinstance(site, dict) and isinstance(site.get("office"), str):
            self.offices[kiosk] = site["office"]
        return body.get("online") is True

    def on_health(self, kiosk: str, body: dict[str, Any] | None) -> None:
        """Keep a ``health`` snapshot."""
        if body is not None:
            self.health[kiosk] = body

    def on_config_reported(self, kiosk: str, body: dict[str, Any] | None) -> None:
        """Keep a ``config/reported`` body."""
        if body is not None:
            self.config_reported[kiosk] = body
            self.config_reported_history.append((kiosk, body))


def stale_state(body: dict[str, Any], kept: dict[str, Any] | None) -> bool:
    """True for a Will or shutdown older than the state kept (a late Will).

    Sessions count within one incarnation: a replaced database may count them again from
    1, and its birth must still win. A birth is never stale (it comes from a live
    connection); a Will or shutdown of another incarnation than the kept state's is.
    """
    if kept is None:
        return False
    if body.get("incarnation") != kept.get("incarnation"):
        return body.get("online") is not True
    return _session_of(body) < _session_of(kept)


def _session_of(body: dict[str, Any]) -> int:
    """The ``session`` of a state payload (0 when missing or not a number)."""
    session = body.get("session")
    return session if isinstance(session, int) and not isinstance(session, bool) else 0

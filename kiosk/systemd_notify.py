"""sd_notify for ``Type=notify`` units: READY, WATCHDOG pings and STOPPING.

The watchdog ping is sent from the Qt main loop (a frozen UI must not look alive), so a
hung screen is restarted by systemd. Without ``NOTIFY_SOCKET`` every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class SystemdNotifier:
    """Sends notifications to systemd when started by it."""

    def __init__(self) -> None:
        address = os.environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.watchdog_interval_s = int(usec) / 2_000_000 if usec.isdigit() else 0.0

    @property
    def enabled(self) -> bool:
        """True when systemd listens."""
        return bool(self._address)

    def notify(self, state: str) -> None:
        """Send one notification line such as ``READY=1``."""
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(state.encode(), self._address)
        except OSError as exc:
            log.warning("sd_notify %s failed: %s", state, exc)

"""sd_notify for ``Type=notify`` units: READY, WATCHDOG pings and STOPPING.

The watchdog ping is sent from the Qt main loop (a frozen UI must not look alive), so a
hung screen is restarted by systemd. Without ``NOTIFY_SOCKET`` every call does nothing.

NOTE: ``WATCHDOG_PID`` is not checked. Under cage (``ExecStart=/usr/bin/cage -- kiosk …``)
systemd sets it to cage's pid, the unit's main process, while the pings come from the kiosk,
cage's child; the unit's ``NotifyAccess=all`` is what lets them count.

For tests only, :func:`install_test_freeze_hook` lets a signal freeze the GUI thread (see
there): the systemd tests prove with it that the pings stop when the main loop does.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType

log = logging.getLogger(__name__)

FREEZE_SIGNAL_ENV = "KIOSK_TEST_FREEZE_SIGNAL"
FREEZE_SECONDS_ENV = "KIOSK_TEST_FREEZE_S"


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


def install_test_freeze_hook() -> signal.Signals | None:
    """Test-only: let a signal block the GUI thread for a while, as a hung screen would.

    Active only when ``KIOSK_TEST_FREEZE_SIGNAL`` names a signal (``SIGUSR1``); the freeze
    lasts ``KIOSK_TEST_FREEZE_S`` seconds (default 5). Call on the main thread, which in the
    kiosk is the Qt GUI thread.

    NOTE: Python runs signal handlers on the main thread, between bytecodes; in the kiosk
    that is the GUI thread, given a turn by the 500 ms tick timer. So the handler's sleep
    blocks exactly the Qt main loop (its timers, the watchdog ping among them) while the
    device, link and poll threads go on. SIGSTOP would stop every thread and prove nothing
    about the main loop.

    Returns:
        The signal hooked, or None when the variable is not set.

    Raises:
        ValueError: the variables name no signal or no positive number of seconds.
    """
    name = os.environ.get(FREEZE_SIGNAL_ENV, "")
    if not name:
        return None
    try:
        signum = signal.Signals[name.upper()]
    except KeyError:
        raise ValueError(f"{FREEZE_SIGNAL_ENV}={name!r} is not a signal name") from None
    seconds = float(os.environ.get(FREEZE_SECONDS_ENV, "5"))
    if not seconds > 0:
        raise ValueError(f"{FREEZE_SECONDS_ENV}={seconds!r} must be a positive number")

    def freeze(received: int, frame: FrameType | None) -> None:
        log.warning("test hook: the GUI thread freezes for %g s (%s)", seconds, name)
        time.sleep(seconds)
        log.warning("test hook: the GUI thread goes on")

    signal.signal(signum, freeze)
    log.warning("test hook: %s freezes the GUI thread for %g s", signum.name, seconds)
    return signum

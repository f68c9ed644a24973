"""The kernel's clock discipline state through ``adjtimex(2)`` (read-only, no privileges).

Linux keeps ``STA_UNSYNC`` set in the ``timex`` status until a time service (chrony, ntpd,
systemd-timesyncd) has synchronised the clock, and ``adjtimex`` returns ``TIME_ERROR`` (5)
while it is unsynchronised. This is what ``timedatectl`` reports as "System clock
synchronized", without needing systemd or D-Bus. ``maxerror`` (µs) is the kernel's bound
on the error, growing by 500 ppm while no time service corrects it.

NOTE: ``modes = 0`` makes the call a pure read; it never changes the clock.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from kiosk.devices.clock.protocol import SyncReading

log = logging.getLogger(__name__)

TIME_ERROR = 5
STA_UNSYNC = 0x0040


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """``struct timex`` of <sys/timex.h> (glibc and musl, 32 and 64 bit)."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


class AdjtimexClockSync:
    """Reads the system clock's synchronisation from the Linux kernel."""

    def __init__(self) -> None:
        self._adjtimex = None
        if sys.platform.startswith("linux"):
            try:
                # NOTE: the process's own symbols (libc is loaded already), not
                # ctypes.util.find_library("c"): that runs `ldconfig -p` in a child, about
                # 10 ms of every cold start (issue 14).
                libc = ctypes.CDLL(None, use_errno=True)
                self._adjtimex = libc.adjtimex
            except (OSError, AttributeError) as exc:
                log.error("adjtimex is not available: %s", exc)

    def read(self) -> SyncReading:
        """The kernel's view; ``synchronised=None`` where it cannot be asked."""
        if self._adjtimex is None:
            return SyncReading(None, detail="adjtimex is not available on this system")
        timex = _Timex()
        state = int(self._adjtimex(ctypes.byref(timex)))
        if state < 0:
            return SyncReading(None, detail=f"adjtimex failed (errno {ctypes.get_errno()})")
        unsync = state == TIME_ERROR or bool(timex.status & STA_UNSYNC)
        max_error = timex.maxerror / 1e6
        detail = f"kernel state {state}, status 0x{timex.status:x}, max error {max_error:.3f} s"
        return SyncReading(not unsync, max_error, detail)


__all__ = ["AdjtimexClockSync"]

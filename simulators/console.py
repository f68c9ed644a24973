"""The console of a standalone simulator: commands typed on stdin, stop on a signal."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

Command = Callable[[str], str | None]
"""Applies one typed line to the simulator and returns a reply to print (or None)."""


def _read_commands(apply: Command, stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip().lower() in ("quit", "exit"):
            stop.set()
            return
        reply = apply(line)
        if reply:
            print(reply, flush=True)  # noqa: T201 - the simulator's console answers
    # stdin closed (running in the background): keep serving until a signal.


def serve_until_stopped(apply: Command, *, name: str) -> None:
    """Read commands from stdin on a thread and return on ``quit``, SIGINT or SIGTERM."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=_read_commands, args=(apply, stop), name=name, daemon=True).start()
    stop.wait()

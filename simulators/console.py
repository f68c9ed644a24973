"""The console of a standalone simulator: commands typed on stdin, stop on a signal."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

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


def device_parser(prog: str, description: str, default_port: int) -> argparse.ArgumentParser:
    """The command line every TCP device simulator shares: ``--host``, ``--port``, ``-v``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=default_port, help="TCP port (0 = free)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def configure_logging(verbose: bool, *, quiet_level: int = logging.INFO) -> None:
    """Log to stderr: everything with ``verbose``, else from ``quiet_level`` up."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else quiet_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_console(apply: Command, help_text: str, *, name: str, stop: Callable[[], None]) -> int:
    """Print the commands, serve the console until stopped, then ``stop``; returns 0."""
    print(help_text, flush=True)  # noqa: T201 - the simulator's console answers
    try:
        serve_until_stopped(apply, name=name)
    finally:
        stop()
    return 0


def dispatch(
    line: str, help_text: str, handle: Callable[[str, str], str | None], *, what: str
) -> str:
    """One typed command: blank, ``help``, or ``handle(verb, rest)`` (None: not a command).

    Returns:
        The reply: ``error: …`` when the command failed, a hint when it is unknown.
    """
    verb, _, rest = line.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        return ""
    if verb == "help":
        return help_text
    try:
        reply = handle(verb, rest)
    except (ValueError, OSError) as exc:
        logger.info("%s: command %r failed: %s", what, line.strip(), exc)
        return f"error: {exc}"
    return reply if reply is not None else f"unknown command {line.strip()!r}; type help"

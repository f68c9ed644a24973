"""Text commands for the scanner simulator (stdin of ``kiosk sim scanner``)."""

from __future__ import annotations

from simulators.console import dispatch
from simulators.scanner.server import SUFFIXES, ScannerSimulator

_WHAT = "scanner simulator"

HELP = """commands:
  scan TEXT              send TEXT and the suffix
  scanx HEX              send raw bytes given in hex (then the suffix)
  split N TEXT           send TEXT + suffix in chunks of N bytes, 50 ms apart
  noise N                N bytes of line noise without a line end
  garbage [N]            N (4096) random bytes, then the suffix
  burst N TEXT           send TEXT N times (a scanner repeating)
  suffix cr|crlf|lf|none change the default suffix
  silent / back          unplug / plug in again
  status                 connections, silent or not, bytes sent
  help, quit"""


def apply_command(simulator: ScannerSimulator, line: str) -> str:
    """Run one command line; returns the reply for the operator (empty for a blank line)."""
    return dispatch(line, HELP, lambda verb, rest: _apply(simulator, verb, rest), what=_WHAT)


def _apply(simulator: ScannerSimulator, verb: str, rest: str) -> str | None:
    if verb == "scan" and rest:
        return f"sent {len(simulator.scan(rest))} bytes"
    if verb == "scanx" and rest:
        return f"sent {len(simulator.scan(bytes.fromhex(rest)))} bytes"
    if verb == "split":
        size, _, text = rest.partition(" ")
        sent = simulator.scan(text, split=int(size), delay_between_chunks_s=0.05)
        return f"sent {len(sent)} bytes in chunks of {int(size)}"
    if verb == "noise":
        return f"sent {len(simulator.noise(int(rest or '16')))} bytes of noise"
    if verb == "garbage":
        return f"sent {len(simulator.garbage(int(rest or '4096')))} bytes of garbage"
    if verb == "burst":
        times, _, text = rest.partition(" ")
        return f"sent {len(simulator.burst(text, int(times)))} bytes"
    if verb == "suffix" and rest.strip().lower() in SUFFIXES:
        simulator.suffix = rest.strip().lower()
        return f"suffix {simulator.suffix}"
    if verb == "silent":
        simulator.go_silent()
        return "silent (unplugged)"
    if verb == "back":
        simulator.come_back()
        return f"back on {simulator.url}"
    if verb == "status":
        state = "silent" if simulator.silent else "on"
        return (
            f"{state}; {simulator.client_count} connected, {simulator.connections} "
            f"connections so far; {len(simulator.sent_bytes())} bytes sent"
        )
    return None

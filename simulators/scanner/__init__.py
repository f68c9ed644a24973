"""A serial code scanner simulator (TCP ``socket://`` and pty) with a control API."""

from simulators.scanner.server import DEFAULT_PORT, ScannerSimulator, SentChunk

__all__ = ["DEFAULT_PORT", "ScannerSimulator", "SentChunk"]

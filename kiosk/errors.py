"""The exception tree of the kiosk.

One root, a base per layer, leaves that also inherit the built-in they resemble.
Messages name the device, port, key or door and the value seen.
"""

from __future__ import annotations


class KioskError(Exception):
    """Raised for any error the kiosk itself detects; the root of all our exceptions."""


class ConfigError(KioskError, ValueError):
    """Raised when a configuration file or value is missing, malformed or out of range."""

    def __init__(self, key: str, value: object, problem: str, *, source: str | None = None):
        self.key = key
        self.value = value
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key} = {value!r}: {problem}")


class CatalogError(KioskError, ValueError):
    """Raised when a message catalogue is missing, incomplete or disagrees with Japanese."""


class DeviceError(KioskError):
    """Raised when a device cannot do what it was asked."""


class DeviceUrlError(DeviceError, ValueError):
    """Raised when a device URL cannot be parsed or names an unsupported scheme."""


class TransportError(DeviceError, OSError):
    """Raised when the bytes cannot be carried: connection refused, lost, timed out."""


class ProtocolError(DeviceError):
    """Raised when a device answers with bytes that do not follow its protocol."""


class StoreError(KioskError):
    """Raised when the on-disk state cannot be read or written."""


class StoreFullError(StoreError):
    """Raised when the state database cannot grow: the disk (or its size limit) is full."""


class OutboxFullError(StoreError):
    """Raised when an event a person depends on cannot be stored: the outbox is full."""


class StoreCorruptError(StoreError):
    """Raised when the state database is damaged: not a database, malformed, or it fails
    its integrity check."""


class LinkError(KioskError):
    """Raised when the link to the central server fails in a way the caller must know."""


class DiagnosticsError(KioskError):
    """Raised when a diagnostics request cannot be carried out (a self-test already runs)."""


class UnknownSelfTestError(DiagnosticsError, ValueError):
    """Raised when a self-test is asked for a device or a test name this kiosk does not have."""

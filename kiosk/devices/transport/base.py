"""What every transport offers (:class:`Transport`) and its timeout error."""

from __future__ import annotations

from typing import Protocol

from kiosk.errors import TransportError


class TransportTimeoutError(TransportError, TimeoutError):
    """Raised when the device did not accept written bytes within the write timeout."""


class Transport(Protocol):
    """A byte pipe to one device.

    Attributes:
        can_read: False for write-only devices (nothing will ever be read back).
        connection_count: how many times the connection was opened. A driver that must know
            whether two exchanges used the same connection (a ticket and its confirmation)
            compares it before and after: a reconnect in between means the link was lost.
    """

    can_read: bool
    connection_count: int

    def write(self, data: bytes) -> None:
        """Send all of ``data``; (re)connects first if needed.

        Raises:
            TransportError: the bytes could not be handed over.
        """
        ...

    def read(self, n: int, timeout: float) -> bytes:
        """Read up to ``n`` bytes, waiting at most ``timeout`` seconds; ``b""`` on timeout.

        Raises:
            TransportError: the connection is not open or was lost.
        """
        ...

    def reset_input(self) -> None:
        """Discard bytes that arrived and were not read (late or unsolicited replies)."""
        ...

    def close(self) -> None:
        """Close the connection; a later write opens it again."""
        ...

    def describe(self) -> str:
        """The URL or port this transport talks to, for logs and error messages."""
        ...

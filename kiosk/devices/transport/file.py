"""Write-only character devices such as ``/dev/usb/lp0`` (:class:`FileTransport`)."""

from __future__ import annotations

import contextlib
import os

from kiosk.errors import TransportError


class FileTransport:
    """A write-only character device such as ``/dev/usb/lp0``.

    Nothing can be read back, so ``read`` returns ``b""`` at once and the printer's status is
    ``unknown`` (never ``ok``).
    """

    can_read = False
    connection_count = 0

    def __init__(self, path: str, *, url: str | None = None) -> None:
        """Create the transport without opening the file.

        Args:
            path: the device or file path.
            url: the device URL for messages; defaults to ``file://path``.
        """
        self.path = path
        self._url = url or f"file://{path}"
        self._fd: int | None = None

    def write(self, data: bytes) -> None:
        """Write all of ``data``, opening the file first if needed."""
        if self._fd is None:
            try:
                # NOTE: no O_CREAT: a missing /dev/usb/lp0 must be an error, not a new file.
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
                self.connection_count += 1
            except OSError as exc:
                raise TransportError(f"{self._url}: cannot open: {exc}") from exc
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self.close()
            raise TransportError(f"{self._url}: write failed: {exc}") from exc

    def read(self, n: int, timeout: float) -> bytes:
        """Nothing can be read from a write-only device: always ``b""``, without waiting."""
        return b""

    def reset_input(self) -> None:
        """Nothing to discard."""

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def describe(self) -> str:
        """The ``file://`` URL."""
        return self._url

"""Byte transports that carry a device's protocol: TCP, pyserial URLs, files and USB.

A driver owns one ``Transport`` and never opens a device path itself (DESIGN §2). Every
implementation here follows the same rules:

- It is built from a :class:`~kiosk.devices.url.DeviceUrl` by :func:`open_transport`; the URL is
  checked at once, but the connection is opened lazily on the first write, and opened again on
  the next write after it was lost. A printer switched off at start-up therefore shows up as a
  health problem, not as a crash of the application.
- ``read(n, timeout)`` returns what arrived within ``timeout`` seconds (``b""`` when nothing did)
  and never blocks longer.
- TCP and serial lines re-open with back-off (:class:`ReopenBackoff`): the first attempt after
  a loss goes at once, a failed one makes the next wait 0.5 s, doubling up to 10 s. Callers
  that poll (the printer's status poll, the locker's door watch every second) may ask as
  often as they like: an attempt asked for too early fails at once with the last error.
- Every failure is a :class:`~kiosk.errors.TransportError` whose message names the URL.

The transports live one per module: :mod:`.tcp`, :mod:`.serial_line` (pyserial ports and URLs),
:mod:`.file` and :mod:`.usb`; what they share is in :mod:`.base` (the :class:`Transport`
protocol) and :mod:`.backoff` (:class:`ReopenBackoff`), and :mod:`.factory` turns a device URL
into one of them (:func:`open_transport`).
"""

from kiosk.devices.transport.backoff import DEFAULT_REOPEN_BACKOFF_S, ReopenBackoff
from kiosk.devices.transport.base import Transport, TransportTimeoutError
from kiosk.devices.transport.factory import SERIAL_LINE_PARAMS, open_transport
from kiosk.devices.transport.file import FileTransport
from kiosk.devices.transport.serial_line import SerialTransport
from kiosk.devices.transport.tcp import TcpTransport
from kiosk.devices.transport.usb import UsbTransport

__all__ = [
    "DEFAULT_REOPEN_BACKOFF_S",
    "SERIAL_LINE_PARAMS",
    "FileTransport",
    "ReopenBackoff",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "TransportTimeoutError",
    "UsbTransport",
    "open_transport",
]

"""What the core needs from a code scanner, whatever reads the code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.devices.health import Health

MAX_CODE_LENGTH = 2048  # longer input is cut and reported (a QR on a notice holds far less)


@dataclass(frozen=True)
class ScannedCode:
    """One code read by a scanner, cleaned of control characters.

    Attributes:
        text: the payload, printable characters only.
        source: the scanner's device name (``scanner``, ``camera``…).
        received_mono: ``time.monotonic()`` when its last byte or frame arrived.
        truncated: True when the input was longer than ``MAX_CODE_LENGTH`` and was cut.
        stripped: how many control characters were removed.
    """

    text: str
    source: str
    received_mono: float
    truncated: bool = False
    stripped: int = 0


CodeListener = Callable[[ScannedCode], None]
HealthCallback = Callable[[str, Health], object]


class CodeScanner(Protocol):
    """A scanner as the core sees it: started with listeners, stopped at the end.

    Listeners are called on the scanner's own thread and must only hand the code over.
    """

    name: str

    def start(self, on_code: CodeListener, on_health: HealthCallback) -> None:
        """Start reading; ``on_health(name, health)`` reports connects, losses, garbage."""
        ...

    def stop(self) -> None:
        """Stop reading and release the device."""
        ...

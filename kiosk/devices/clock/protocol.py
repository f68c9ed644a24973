"""What the core needs to know about the system clock: is it synchronised, and how well."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SyncReading:
    """One reading of the clock's synchronisation.

    Attributes:
        synchronised: True when a time service (NTP, chrony, systemd-timesyncd) keeps the
            clock synchronised; False when the kernel says it is not; None when it could
            not be read (never taken as synchronised).
        max_error_s: the kernel's own bound on the clock's error, when known.
        detail: English text for logs and technicians.
    """

    synchronised: bool | None
    max_error_s: float | None = None
    detail: str = ""


class ClockSync(Protocol):
    """Reads whether the system clock is synchronised."""

    def read(self) -> SyncReading:
        """The current reading; never raises (an unreadable clock is ``synchronised=None``)."""
        ...

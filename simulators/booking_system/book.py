"""The booking book: every booking the simulated booking system issued, one JSON line each.

``kiosk token`` runs in its own process and the central-server simulator in the demo's: the
book is the file they share, as a real booking system and its server share a database. A
line is appended in one ``write`` on a file opened for appending, so a reader never sees half
of one; a line that does not parse (a crash mid-write) is skipped with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BOOK_NAME = "bookings.jsonl"
"""The book's file name inside the demo's state folder."""


@dataclass(frozen=True)
class BookedEntry:
    """One issued booking, as the booking system remembers it.

    Attributes:
        booking_id: the token's ``bid``.
        code: the short code printed under the QR (digits).
        office: the office it is for.
        service: the service id ("" for a meeting without one).
        kind: ``booking`` or ``meeting``.
        host: a meeting's host (staff id); "" for a booking.
        host_name: the host's name as the resident knows it.
        slot: the slot start, RFC 3339.
    """

    booking_id: str
    code: str
    office: str
    service: str
    kind: str
    slot: str
    host: str = ""
    host_name: str = ""


class BookingBook:
    """The issued bookings in a JSON-lines file (created on the first booking).

    Args:
        path: the file.
    """

    def __init__(self, path: Path):
        self.path = path

    def add(self, entry: BookedEntry) -> None:
        """Append one booking (one write: readers in other processes never see half)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def entries(self) -> list[BookedEntry]:
        """Every booking in the book, oldest first (none when there is no book yet)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found: list[BookedEntry] = []
        for number, line in enumerate(lines, 1):
            try:
                found.append(BookedEntry(**json.loads(line)))
            except (ValueError, TypeError):
                log.warning("%s line %d is not a booking: skipped", self.path, number)
        return found

    def by_code(self, code: str) -> BookedEntry | None:
        """The latest booking with this short code, or None."""
        return next((e for e in reversed(self.entries()) if e.code == code), None)

    def by_id(self, booking_id: str) -> BookedEntry | None:
        """The latest booking with this id, or None."""
        return next((e for e in reversed(self.entries()) if e.booking_id == booking_id), None)

"""Real-time status replies (``DLE EOT n``) and what they mean.

Each query ``10 04 n`` is answered with one byte whose bits 1 and 4 are always 1 and bits 0
and 7 always 0 (Epson ESC/POS). A byte that breaks that rule is not a status (it is a late
reply, an echo or line noise) and is rejected with :class:`~kiosk.errors.ProtocolError`.

=====  ==========================================================================
n      meaning of the variable bits
=====  ==========================================================================
1      bit 3 off-line
2      bit 2 cover open, bit 3 paper being fed by the button, bit 5 printing stopped
       by paper end, bit 6 an error occurred
3      bit 3 auto-cutter error, bit 5 unrecoverable error, bit 6 auto-recoverable error
4      bits 2 + 3 roll paper near end, bits 5 + 6 roll paper end
=====  ==========================================================================

A query that got no answer stays ``None``; no answer at all gives ``answered=False`` and the
health ``unknown`` — never ``ok`` (python-escpos reads silence as "paper adequate").
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.printer.commands import (
    STATUS_ERROR_CAUSE,
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER,
    STATUS_PRINTER,
)
from kiosk.devices.printer.protocol import PaperStatus, PrinterStatus
from kiosk.errors import ProtocolError

FIXED_BITS_MASK = 0b1001_0011
FIXED_BITS_VALUE = 0b0001_0010

PRINTER_OFFLINE = 0x08
OFFLINE_COVER_OPEN = 0x04
OFFLINE_FEED_BUTTON = 0x08
OFFLINE_PAPER_END_STOP = 0x20
OFFLINE_ERROR = 0x40
ERROR_AUTOCUTTER = 0x08
ERROR_UNRECOVERABLE = 0x20
ERROR_AUTO_RECOVERABLE = 0x40
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60


def parse_status_byte(n: int, reply: bytes) -> int | None:
    """Check one reply to ``DLE EOT n``.

    Args:
        n: the query (1–4), for the message.
        reply: the bytes read; ``b""`` means no answer.

    Returns:
        The status byte, or ``None`` when nothing was received.

    Raises:
        ProtocolError: more than one byte, or the fixed bits are wrong.
    """
    if not reply:
        return None
    if len(reply) != 1:
        raise ProtocolError(f"DLE EOT {n}: expected 1 byte, got {reply.hex(' ')}")
    value = reply[0]
    if value & FIXED_BITS_MASK != FIXED_BITS_VALUE:
        raise ProtocolError(
            f"DLE EOT {n}: 0x{value:02x} is not a status byte (bits 1 and 4 must be 1, "
            "bits 0 and 7 must be 0)"
        )
    return value


@dataclass(frozen=True)
class StatusBytes:
    """The four real-time status bytes; ``None`` where the printer did not answer.

    Attributes:
        printer: reply to ``DLE EOT 1``.
        offline_cause: reply to ``DLE EOT 2``.
        error_cause: reply to ``DLE EOT 3``.
        paper_sensor: reply to ``DLE EOT 4``.
    """

    printer: int | None = None
    offline_cause: int | None = None
    error_cause: int | None = None
    paper_sensor: int | None = None

    @classmethod
    def from_replies(cls, replies: dict[int, int | None]) -> StatusBytes:
        """Build from ``{n: byte or None}``."""
        return cls(
            printer=replies.get(STATUS_PRINTER),
            offline_cause=replies.get(STATUS_OFFLINE_CAUSE),
            error_cause=replies.get(STATUS_ERROR_CAUSE),
            paper_sensor=replies.get(STATUS_PAPER),
        )

    @property
    def answered(self) -> bool:
        """True when at least one query was answered."""
        return any(
            value is not None
            for value in (self.printer, self.offline_cause, self.error_cause, self.paper_sensor)
        )

    @staticmethod
    def _bit(value: int | None, mask: int) -> bool | None:
        return None if value is None else bool(value & mask)

    @property
    def offline(self) -> bool | None:
        """``DLE EOT 1`` bit 3."""
        return self._bit(self.printer, PRINTER_OFFLINE)

    @property
    def cover_open(self) -> bool | None:
        """``DLE EOT 2`` bit 2."""
        return self._bit(self.offline_cause, OFFLINE_COVER_OPEN)

    @property
    def feed_button(self) -> bool | None:
        """``DLE EOT 2`` bit 3: paper is being fed by the feed button."""
        return self._bit(self.offline_cause, OFFLINE_FEED_BUTTON)

    @property
    def paper_end_stop(self) -> bool | None:
        """``DLE EOT 2`` bit 5: printing stopped because the paper ran out."""
        return self._bit(self.offline_cause, OFFLINE_PAPER_END_STOP)

    @property
    def autocutter_error(self) -> bool | None:
        """``DLE EOT 3`` bit 3."""
        return self._bit(self.error_cause, ERROR_AUTOCUTTER)

    @property
    def unrecoverable_error(self) -> bool | None:
        """``DLE EOT 3`` bit 5."""
        return self._bit(self.error_cause, ERROR_UNRECOVERABLE)

    @property
    def auto_recoverable_error(self) -> bool | None:
        """``DLE EOT 3`` bit 6."""
        return self._bit(self.error_cause, ERROR_AUTO_RECOVERABLE)

    @property
    def error(self) -> bool | None:
        """Any error: ``DLE EOT 2`` bit 6 or ``DLE EOT 3`` bits 3, 5, 6; None if neither known."""
        flags = [
            self._bit(self.offline_cause, OFFLINE_ERROR),
            self._bit(
                self.error_cause, ERROR_AUTOCUTTER | ERROR_UNRECOVERABLE | ERROR_AUTO_RECOVERABLE
            ),
        ]
        known = [flag for flag in flags if flag is not None]
        return any(known) if known else None

    @property
    def paper(self) -> PaperStatus:
        """The paper sensor reading; from ``DLE EOT 2`` bit 5 if ``DLE EOT 4`` is missing."""
        if self.paper_sensor is not None:
            if self.paper_sensor & PAPER_END:
                return PaperStatus.OUT
            if self.paper_sensor & PAPER_NEAR_END:
                return PaperStatus.NEAR_END
            return PaperStatus.OK
        if self.paper_end_stop:
            return PaperStatus.OUT
        return PaperStatus.UNKNOWN

    def to_status(self) -> PrinterStatus:
        """The reading as the core sees it."""
        if not self.answered:
            return PrinterStatus(answered=False)
        return PrinterStatus(
            online=None if self.offline is None else not self.offline,
            cover_open=self.cover_open,
            paper=self.paper,
            error=self.error,
            answered=True,
        )

    def describe(self) -> str:
        """The raw bytes for logs: ``1=12 2=12 3=12 4=12`` (``--`` for no answer)."""
        values = (self.printer, self.offline_cause, self.error_cause, self.paper_sensor)
        return " ".join(
            f"{n}={'--' if value is None else f'{value:02x}'}" for n, value in enumerate(values, 1)
        )

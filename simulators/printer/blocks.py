"""What the printer simulator makes of a job: text lines, images, QR codes, feeds, and the
events of the byte stream (a cut ticket, a status query)."""

from __future__ import annotations

from dataclasses import dataclass

LINE_HEIGHT_DOTS = 30  # default line spacing: 24-dot characters plus a gap

ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT = 0, 1, 2


@dataclass(frozen=True)
class TextRun:
    """Characters printed with the same style."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False


@dataclass(frozen=True)
class TextLine:
    """A printed line of text."""

    runs: tuple[TextRun, ...]
    align: int = ALIGN_LEFT

    @property
    def text(self) -> str:
        """The line's characters."""
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class RasterBlock:
    """A printed bit image.

    Attributes:
        width: dots per row as sent (before scaling).
        height: rows as sent.
        data: packed rows, most significant bit leftmost, 1 = black.
        align: justification when it was printed.
        scale_x: horizontal dot multiplier.
        scale_y: vertical dot multiplier.
        command: which command carried it (``GS v 0``, ``GS ( L``, ``ESC *``).
    """

    width: int
    height: int
    data: bytes
    align: int = ALIGN_LEFT
    scale_x: int = 1
    scale_y: int = 1
    command: str = "GS v 0"


@dataclass(frozen=True)
class QrBlock:
    """A printed native QR code."""

    payload: bytes
    module_size: int = 3
    error_correction: str = "L"
    align: int = ALIGN_LEFT

    @property
    def text(self) -> str:
        """The payload as text (UTF-8, as python-escpos and the kiosk send it)."""
        return self.payload.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Feed:
    """Blank paper."""

    dots: int


Block = TextLine | RasterBlock | QrBlock | Feed


@dataclass(frozen=True)
class ParsedTicket:
    """Everything printed between two cuts.

    Attributes:
        blocks: what went on the paper, top to bottom.
        byte_count: bytes of the job, from the first after the previous cut to the cut
            (real-time status requests not counted).
        cut: False for a job that ended without a cut (connection lost).
    """

    blocks: tuple[Block, ...]
    byte_count: int
    cut: bool = True

    @property
    def lines(self) -> list[str]:
        """The non-blank text lines."""
        return [b.text for b in self.blocks if isinstance(b, TextLine) and b.text.strip()]

    @property
    def qr_payloads(self) -> list[str]:
        """The QR codes' payloads."""
        return [b.text for b in self.blocks if isinstance(b, QrBlock)]

    @property
    def rasters(self) -> list[RasterBlock]:
        """The bit images."""
        return [b for b in self.blocks if isinstance(b, RasterBlock)]

    @property
    def has_content(self) -> bool:
        """True when anything visible was printed."""
        return bool(self.lines or self.qr_payloads or self.rasters)


@dataclass(frozen=True)
class StatusQuery:
    """A real-time status request ``DLE EOT n``; the printer answers one byte."""

    n: int


@dataclass(frozen=True)
class TicketCut:
    """The paper was cut: one ticket is complete."""

    ticket: ParsedTicket


ParserEvent = StatusQuery | TicketCut

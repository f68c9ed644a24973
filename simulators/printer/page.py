"""The job being printed: the print modes in force, the line being set, the blocks so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulators.printer.blocks import (
    ALIGN_LEFT,
    LINE_HEIGHT_DOTS,
    Block,
    Feed,
    ParsedTicket,
    RasterBlock,
    TextLine,
    TextRun,
)


@dataclass
class PrintModes:
    """What ``ESC !``, ``ESC a``, ``FS &``, ``GS ( k``… set, until the next ``ESC @``."""

    align: int = ALIGN_LEFT
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    kanji: bool = False
    shift_jis: bool = True
    code_page: int = 0
    qr_module: int = 3
    qr_ec: str = "L"


@dataclass
class _Job:
    blocks: list[Block] = field(default_factory=list)
    runs: list[TextRun] = field(default_factory=list)
    line_align: int | None = None
    line_has_image: bool = False
    byte_count: int = 0


class Page:
    """The paper of the job being received (one per connection, through the parser)."""

    def __init__(self) -> None:
        self.modes = PrintModes()
        self._job = _Job()

    @property
    def byte_count(self) -> int:
        """Bytes of the job so far."""
        return self._job.byte_count

    def count(self, n_bytes: int) -> None:
        """Count bytes of the job."""
        self._job.byte_count += n_bytes

    def reset(self) -> None:
        """``ESC @``: the line being set is dropped, the modes are the defaults (but the
        Kanji encoding, which is a setting of the printer)."""
        self._job.runs = []
        self._job.line_align = None
        self.modes = PrintModes(shift_jis=self.modes.shift_jis)

    def add_text(self, text: str) -> None:
        """Characters in the current modes (joined to the last run when it has the same)."""
        job, modes = self._job, self.modes
        if job.line_align is None:
            job.line_align = modes.align
        style = (modes.width, modes.height, modes.bold, modes.underline)
        last = job.runs[-1] if job.runs else None
        if last is not None and (last.width, last.height, last.bold, last.underline) == style:
            job.runs[-1] = TextRun(last.text + text, *style)
        else:
            job.runs.append(TextRun(text, *style))

    def flush_line(self) -> bool:
        """End the current line; True if it held text."""
        job = self._job
        if not job.runs:
            return False
        align = job.line_align if job.line_align is not None else self.modes.align
        job.blocks.append(TextLine(tuple(job.runs), align))
        job.runs = []
        job.line_align = None
        return True

    def line_feed(self) -> None:
        """LF: end the line, or feed one blank line."""
        if not self.flush_line():
            if self._job.line_has_image:
                self._job.line_has_image = False  # ESC * stripes end with LF: no blank line
            else:
                self._job.blocks.append(Feed(LINE_HEIGHT_DOTS))

    def feed(self, dots: int) -> None:
        """Blank paper (after the line being set)."""
        self._job.blocks.append(Feed(dots))

    def add_block(self, block: Block) -> None:
        """A block of its own (an image, a QR code) after the line being set."""
        self.flush_line()
        self._job.blocks.append(block)

    def add_stripe(self, block: RasterBlock) -> None:
        """An ``ESC *`` image stripe: the LF that ends it feeds no blank line."""
        self.add_block(block)
        self._job.line_has_image = True

    def take(self, *, cut: bool) -> ParsedTicket:
        """The job as a ticket; the next job starts empty (modes stay)."""
        self.flush_line()
        job, self._job = self._job, _Job()
        return ParsedTicket(tuple(job.blocks), job.byte_count, cut=cut)

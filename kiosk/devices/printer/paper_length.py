"""How much paper a ticket's ESC/POS bytes use, in dots of paper feed.

The driver measures the bytes it sent, so every ticket, slip, receipt and test print is counted
the same way (the paper forecast in :mod:`kiosk.core.paper` adds them up).

The model is the printer's, as the simulator renders it (``simulators/printer/render.py``, the
reference the tests measure against on its PNG):

=========================  ==============================================================
bytes                      paper
=========================  ==============================================================
a text line (``LF``)       one row of ``24 x height`` dots plus a 6-dot gap per row; a line
                           wider than the paper wraps into more rows (a full-width
                           character is ``24 x width`` dots wide, ASCII and half-width
                           katakana ``12 x width``)
``LF`` on an empty line    one line: 30 dots
``ESC d n``                ``n`` lines of 30 dots (the line being printed is the first)
``ESC J n``                ``n`` dots
``GS v 0``                 the image's rows, doubled in double-height mode
``GS ( k`` print (QR)      the symbol with its 4-module quiet zone on each side
``GS V``                   the cut itself uses no paper here (see the note below)
=========================  ==============================================================

Heads print 8 dots per mm (203 dpi) on 80 mm and 58 mm paper alike (576 and 384 dots across
72 mm and 48 mm). NOTE: a real printer also feeds the printed part of the ticket from the head
up to its cutter (a few to twenty millimetres, by model) and starts the next ticket there; the
simulator has no cutter gap, so this model counts none: the forecast's low-paper threshold
(``[printer] paper_low_m``) has to cover it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kiosk.devices.printer import commands as cmd
from kiosk.devices.printer.protocol import DOTS_PER_MM

TEXT_ROW_DOTS = 24
"""Height of one row of the printer's 24-dot font (times the character height)."""
TEXT_ROW_GAP_DOTS = 6
"""Space under each row of text."""
LINE_FEED_DOTS = TEXT_ROW_DOTS + TEXT_ROW_GAP_DOTS
"""A line feed on an empty line."""
HALF_WIDTH_DOTS = 12
"""Width of an ASCII or half-width katakana character (times the character width)."""
QR_QUIET_ZONE_MODULES = 4
"""Blank modules on each side of a QR symbol."""

_ESC, _GS, _FS = 0x1B, 0x1D, 0x1C
_LF = 0x0A
_QR_EC = {0x30: "L", 0x31: "M", 0x32: "Q", 0x33: "H"}


class UnmeasuredCommandError(ValueError):
    """Raised when ticket bytes hold a command the paper model does not know."""


def _sjis_lead(byte: int) -> bool:
    return 0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC


@functools.lru_cache(maxsize=64)
def qr_symbol_modules(payload: bytes, error_correction: str) -> int:
    """Modules across the smallest QR symbol (model 2) that holds ``payload``."""
    import qrcode  # NOTE: only when a QR is measured; the kiosk's start does not need it

    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(error_correction=levels[error_correction], box_size=1, border=0)
    code.add_data(payload)
    # NOTE: best_fit picks the version as make(fit=True) does, without drawing the symbol
    # and trying its eight masks (a fifth of the time).
    version = int(code.best_fit())
    return 17 + 4 * version


@dataclass
class _Line:
    """The text line being collected (every row of a line is as tall as its tallest
    character, as the printer lays out a line before it prints it)."""

    rows: int = 0  # rows started (0: no character yet)
    height: int = 0  # tallest character height multiplier in the line
    x: int = 0  # width of the current row so far


class PaperLengthMeter:
    """Walks the ESC/POS bytes of one ticket and adds up its paper (see the module table).

    Args:
        paper_width_dots: printable width; a wider line wraps.
    """

    def __init__(self, paper_width_dots: int = 576) -> None:
        if paper_width_dots < 8:
            raise ValueError(f"paper_width_dots must be at least 8, got {paper_width_dots}")
        self.paper_width_dots = paper_width_dots

    def measure(self, data: bytes) -> int:
        """Dots of paper the bytes feed.

        Raises:
            UnmeasuredCommandError: a command outside the ticket layout's set, or bytes cut
                off in the middle of a command.
        """
        return _Walk(data, self.paper_width_dots).run()


class _Walk:
    """One pass over one ticket's bytes."""

    def __init__(self, data: bytes, width: int) -> None:
        self.data = data
        self.width = width
        self.pos = 0
        self.dots = 0
        self.char_w = 1
        self.char_h = 1
        self.kanji = False
        self.line = _Line()
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_data: bytes | None = None

    # -- reading ------------------------------------------------------------------------------

    def _need(self, count: int) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            rest = self.data[self.pos :].hex(" ")
            raise UnmeasuredCommandError(f"bytes end inside a command at {self.pos} ({rest})")
        return self.data[self.pos : end]

    def _unknown(self, length: int) -> UnmeasuredCommandError:
        seen = self.data[self.pos : self.pos + length].hex(" ")
        return UnmeasuredCommandError(f"no paper model for {seen} at offset {self.pos}")

    # -- text ---------------------------------------------------------------------------------

    def _char(self, half: bool) -> None:
        advance = (HALF_WIDTH_DOTS if half else 2 * HALF_WIDTH_DOTS) * self.char_w
        line = self.line
        if not line.rows:
            line.rows = 1
        elif line.x and line.x + advance > self.width:
            line.rows += 1
            line.x = 0
        line.height = max(line.height, self.char_h)
        line.x += advance

    def _flush(self) -> bool:
        """End the text line; True when it held characters."""
        line = self.line
        if not line.rows:
            return False
        self.dots += line.rows * (line.height * TEXT_ROW_DOTS + TEXT_ROW_GAP_DOTS)
        self.line = _Line()
        return True

    # -- commands -----------------------------------------------------------------------------

    def run(self) -> int:
        data = self.data
        while self.pos < len(data):
            byte = data[self.pos]
            if byte == _ESC:
                self.pos += self._esc()
            elif byte == _GS:
                self.pos += self._gs()
            elif byte == _FS:
                self.pos += self._fs()
            elif byte == _LF:
                if not self._flush():
                    self.dots += LINE_FEED_DOTS
                self.pos += 1
            elif self.kanji and _sjis_lead(byte):
                self._need(2)
                self._char(half=False)
                self.pos += 2
            elif 0x20 <= byte <= 0x7E or 0xA1 <= byte <= 0xDF:
                self._char(half=True)
                self.pos += 1
            else:
                raise self._unknown(1)
        self._flush()
        return self.dots

    def _esc(self) -> int:
        head = self._need(2)
        op = head[1]
        if op == ord("@"):
            self.char_w = self.char_h = 1
            self.kanji = False
            self.line = _Line()
            return 2
        if op in (ord("t"), ord("a"), ord("E")):
            self._need(3)
            return 3
        if op == ord("d"):
            lines = self._need(3)[2]
            had_text = self._flush()
            self.dots += max(0, lines - 1 if had_text else lines) * LINE_FEED_DOTS
            return 3
        if op == ord("J"):
            feed = self._need(3)[2]
            self._flush()
            self.dots += feed
            return 3
        raise self._unknown(2)

    def _fs(self) -> int:
        head = self._need(2)
        op = head[1]
        if op == ord("&"):
            self.kanji = True
            return 2
        if op == ord("."):
            self.kanji = False
            return 2
        if op == ord("C"):
            self._need(3)
            return 3
        raise self._unknown(2)

    def _gs(self) -> int:
        head = self._need(2)
        op = head[1]
        if op == ord("!"):
            size = self._need(3)[2]
            self.char_w = (size >> 4) + 1
            self.char_h = (size & 0x0F) + 1
            return 3
        if op == ord("v"):
            return self._raster()
        if op == ord("("):
            return self._paren()
        if op == ord("V"):
            mode = self._need(3)[2]
            self._flush()
            return 4 if mode in (0x41, 0x42) else 3
        raise self._unknown(2)

    def _raster(self) -> int:
        header = self._need(8)
        if header[2] != ord("0"):
            raise self._unknown(3)
        mode = header[3]
        width_bytes = header[4] | header[5] << 8
        rows = header[6] | header[7] << 8
        self._need(8 + width_bytes * rows)
        self._flush()
        self.dots += rows * (2 if mode in (2, 3, 50, 51) else 1)
        return 8 + width_bytes * rows

    def _paren(self) -> int:
        header = self._need(5)
        if header[2] != ord("k"):
            raise self._unknown(3)
        size = header[3] | header[4] << 8
        body = self._need(5 + size)[5:]
        if len(body) >= 2 and body[0] == cmd.QR_CN:
            fn, args = body[1], body[2:]
            if fn == cmd.QR_FN_MODULE_SIZE and args:
                self.qr_module = args[0]
            elif fn == cmd.QR_FN_ERROR_CORRECTION and args:
                self.qr_ec = _QR_EC.get(args[0], self.qr_ec)
            elif fn == cmd.QR_FN_STORE and args:
                self.qr_data = bytes(args[1:])
            elif fn == cmd.QR_FN_PRINT and self.qr_data:
                self._flush()
                modules = qr_symbol_modules(self.qr_data, self.qr_ec)
                self.dots += (modules + 2 * QR_QUIET_ZONE_MODULES) * self.qr_module
        return 5 + size


def paper_length_dots(data: bytes, *, paper_width_dots: int = 576) -> int:
    """Dots of paper one ticket's bytes feed (see :class:`PaperLengthMeter`).

    Raises:
        UnmeasuredCommandError: a command the model does not know.
    """
    return PaperLengthMeter(paper_width_dots).measure(data)


def dots_to_mm(dots: int) -> float:
    """Millimetres of paper for ``dots`` of feed at :data:`DOTS_PER_MM`."""
    return dots / DOTS_PER_MM

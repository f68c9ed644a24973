"""A streaming ESC/POS parser: bytes in (split anywhere), tickets and status queries out.

It understands what the kiosk's driver and python-escpos send: initialisation, print modes
(``ESC !``, ``ESC E``, ``ESC -``, ``GS !``), justification, code pages, Kanji mode with JIS or
Shift_JIS, text and line feeds, feeds (``ESC d``, ``ESC J``), cuts (``GS V`` with and without a
feed argument), raster images (``GS v 0``, ``GS ( L`` / ``GS 8 L``, ``ESC *``), native QR codes
(``GS ( k``) and real-time status requests (``DLE EOT n``). Other commands with a known length
are skipped; unknown bytes are logged and skipped. Nothing raises, whatever the input.

The result does not depend on how the stream was split: a command is only decided once all of
its bytes are buffered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT = 0x0A, 0x0D, 0x09

LINE_HEIGHT_DOTS = 30  # default line spacing: 24-dot characters plus a gap
MAX_STORED_BYTES = 1 << 20  # larger images are skipped, not buffered
MAX_TERMINATED = 256  # NUL-terminated arguments longer than this are cut off

ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT = 0, 1, 2

# Commands with a fixed number of argument bytes after the two command bytes.
_ESC_FIXED = {
    ord(c): n
    for c, n in {
        "@": 0, "!": 1, "-": 1, "E": 1, "G": 1, "M": 1, "a": 1, "t": 1, "d": 1, "J": 1,
        "K": 1, "e": 1, "2": 0, "3": 1, "R": 1, "V": 1, "{": 1, " ": 1, "$": 2, "\\": 2,
        "p": 3, "c": 2, "=": 1, "L": 0, "S": 0, "W": 8, "T": 1, "\x0c": 0, "%": 1, "i": 0,
        "m": 0, "r": 1, "U": 1, "u": 1, "v": 0, "?": 1, "<": 0,
    }.items()
}  # fmt: skip
_GS_FIXED = {
    ord(c): n
    for c, n in {
        "!": 1, "B": 1, "H": 1, "f": 1, "h": 1, "w": 1, "L": 2, "W": 2, "P": 2, "a": 1,
        "r": 1, "I": 1, "b": 1, "/": 1, "$": 2, "\\": 2, "^": 3, ":": 0, "T": 1, "E": 1,
        "Z": 1, "c": 0, "j": 1, "g": 2, "z": 1,
    }.items()
}  # fmt: skip
_FS_FIXED = {
    ord(c): n
    for c, n in {
        "&": 0, ".": 0, "C": 1, "!": 1, "-": 1, "S": 2, "W": 1, "p": 2, "2": 74, "?": 2,
    }.items()
}  # fmt: skip

# ESC t n: code pages we can decode (others fall back to cp437).
_CODE_PAGES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866",
    18: "cp852", 19: "cp858",
}  # fmt: skip
CODE_PAGE_KATAKANA = 1


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


@dataclass
class _Modes:
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


def _u16(data: bytes | bytearray, pos: int) -> int:
    return data[pos] | (data[pos + 1] << 8)


def _is_sjis_lead(byte: int) -> bool:
    return 0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC


def _column_to_raster(columns: bytes, width: int, bytes_per_column: int) -> bytes:
    """``ESC *`` column data (MSB on top) to packed raster rows."""
    height = 8 * bytes_per_column
    row_bytes = (width + 7) // 8
    rows = bytearray(row_bytes * height)
    for x in range(width):
        for k in range(bytes_per_column):
            value = columns[x * bytes_per_column + k]
            for bit in range(8):
                if value & (0x80 >> bit):
                    y = k * 8 + bit
                    rows[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
    return bytes(rows)


class EscPosParser:
    """Turns a byte stream into :class:`ParserEvent` s; keep one per connection.

    Attributes:
        skipped_bytes: bytes that were not understood (logged and skipped).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skip = 0
        self._uncounted = False
        self._modes = _Modes()
        self._job = _Job()
        self._qr_data: bytes | None = None
        self._graphics: RasterBlock | None = None
        self._events: list[ParserEvent] = []
        self.skipped_bytes = 0

    # -- public -------------------------------------------------------------------------------

    @property
    def job_bytes(self) -> int:
        """Bytes of the job being received so far (since the last cut; status queries and
        other real-time requests not counted)."""
        return self._job.byte_count

    def feed(self, data: bytes) -> list[ParserEvent]:
        """Consume bytes; returns the status queries and cuts they complete, in order."""
        self._buf += data
        buf = self._buf
        pos = 0
        while pos < len(buf):
            if self._skip:
                taken = min(self._skip, len(buf) - pos)
                self._skip -= taken
                self._job.byte_count += taken
                pos += taken
                continue
            self._uncounted = False
            used = self._step(buf, pos)
            if used is None:
                break
            if not self._uncounted:
                self._job.byte_count += used
            pos += used
        del buf[:pos]
        events, self._events = self._events, []
        return events

    def finish(self) -> ParsedTicket | None:
        """End of stream: the job printed so far without a cut, if it printed anything."""
        self._flush_line()
        self._buf.clear()
        self._skip = 0
        job, self._job = self._job, _Job()
        ticket = ParsedTicket(tuple(job.blocks), job.byte_count, cut=False)
        return ticket if ticket.has_content else None

    # -- job building -------------------------------------------------------------------------

    def _add_text(self, text: str) -> None:
        job, modes = self._job, self._modes
        if job.line_align is None:
            job.line_align = modes.align
        style = (modes.width, modes.height, modes.bold, modes.underline)
        last = job.runs[-1] if job.runs else None
        if last is not None and (last.width, last.height, last.bold, last.underline) == style:
            job.runs[-1] = TextRun(last.text + text, *style)
        else:
            job.runs.append(TextRun(text, *style))

    def _flush_line(self) -> bool:
        """End the current line; True if it held text."""
        job = self._job
        if not job.runs:
            return False
        align = job.line_align if job.line_align is not None else self._modes.align
        job.blocks.append(TextLine(tuple(job.runs), align))
        job.runs = []
        job.line_align = None
        return True

    def _line_feed(self) -> None:
        if not self._flush_line():
            if self._job.line_has_image:
                self._job.line_has_image = False  # ESC * stripes end with LF: no blank line
            else:
                self._job.blocks.append(Feed(LINE_HEIGHT_DOTS))

    def _add_block(self, block: Block) -> None:
        self._flush_line()
        self._job.blocks.append(block)

    def _cut(self, length: int) -> None:
        """Cut after a command of ``length`` bytes (counted in this ticket, not the next)."""
        self._flush_line()
        self._job.byte_count += length
        self._uncounted = True
        job, self._job = self._job, _Job()
        ticket = ParsedTicket(tuple(job.blocks), job.byte_count, cut=True)
        self._events.append(TicketCut(ticket))

    def _unknown(self, buf: bytearray, pos: int, length: int, why: str) -> int:
        self.skipped_bytes += length
        logger.debug("skipped %s: %s", buf[pos : pos + length].hex(" "), why)
        return length

    # -- dispatch -----------------------------------------------------------------------------

    def _step(self, buf: bytearray, pos: int) -> int | None:
        byte = buf[pos]
        if byte == ESC:
            return self._esc(buf, pos)
        if byte == GS:
            return self._gs(buf, pos)
        if byte == FS:
            return self._fs(buf, pos)
        if byte == DLE:
            return self._dle(buf, pos)
        if byte == LF:
            self._line_feed()
            return 1
        if byte in (CR, 0x00, 0x0C, 0x18, 0x7F):
            return 1  # CR, NUL, FF, CAN, DEL: nothing to print in standard mode
        if byte == HT:
            self._add_text(" ")
            return 1
        if byte < 0x20:
            return self._unknown(buf, pos, 1, "control byte")
        return self._text(buf, pos)

    def _text(self, buf: bytearray, pos: int) -> int | None:
        byte = buf[pos]
        modes = self._modes
        if modes.kanji and modes.shift_jis and _is_sjis_lead(byte):
            if pos + 1 >= len(buf):
                return None
            self._add_text(bytes(buf[pos : pos + 2]).decode("cp932", errors="replace"))
            return 2
        if modes.kanji and not modes.shift_jis and 0x21 <= byte <= 0x7E:
            if pos + 1 >= len(buf):
                return None
            pair = bytes(buf[pos : pos + 2])
            if 0x21 <= pair[1] <= 0x7E:
                text = (b"\x1b$B" + pair + b"\x1b(B").decode("iso2022_jp", errors="replace")
                self._add_text(text)
                return 2
        if byte < 0x80:
            self._add_text(chr(byte))
            return 1
        if 0xA1 <= byte <= 0xDF and (modes.code_page == CODE_PAGE_KATAKANA or modes.kanji):
            self._add_text(chr(0xFF61 + byte - 0xA1))
            return 1
        codec = _CODE_PAGES.get(modes.code_page, "cp437")
        self._add_text(bytes((byte,)).decode(codec, errors="replace"))
        return 1

    # -- ESC ----------------------------------------------------------------------------------

    def _esc(self, buf: bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        op = buf[pos + 1]
        if op == ord("*"):
            return self._esc_star(buf, pos)
        if op == ord("D"):  # tab positions, NUL-terminated
            return self._terminated(buf, pos, 2, 33)
        if op == ord("&"):
            return self._esc_user_chars(buf, pos)
        if op == ord("("):
            return self._generic_paren(buf, pos)
        args = _ESC_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown ESC command")
        if pos + 2 + args > len(buf):
            return None
        arg = buf[pos + 2] if args else 0
        modes = self._modes
        if op == ord("@"):
            self._job.runs = []
            self._job.line_align = None
            self._modes = _Modes(shift_jis=modes.shift_jis)
        elif op == ord("!"):
            modes.width = 2 if arg & 0x20 else 1
            modes.height = 2 if arg & 0x10 else 1
            modes.bold = bool(arg & 0x08)
            modes.underline = bool(arg & 0x80)
        elif op == ord("-"):
            modes.underline = arg in (1, 2, 49, 50)
        elif op == ord("E"):
            modes.bold = bool(arg & 1)
        elif op == ord("a"):
            if arg in (0, 1, 2, 48, 49, 50):
                modes.align = arg % 48
        elif op == ord("t"):
            modes.code_page = arg
        elif op == ord("d"):
            had_text = self._flush_line()
            lines = arg - 1 if had_text else arg
            if lines > 0:
                self._job.blocks.append(Feed(lines * LINE_HEIGHT_DOTS))
        elif op == ord("J"):
            self._flush_line()
            if arg:
                self._job.blocks.append(Feed(arg))
        elif op in (ord("i"), ord("m")):  # obsolete full / partial cut
            self._cut(2)
        return 2 + args

    def _esc_star(self, buf: bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        mode = buf[pos + 2]
        width = _u16(buf, pos + 3)
        if mode not in (0, 1, 32, 33):
            return self._unknown(buf, pos, 5, f"ESC * mode {mode}")
        per_column = 3 if mode >= 32 else 1
        total = 5 + width * per_column
        if pos + total > len(buf):
            return None
        if width:
            columns = bytes(buf[pos + 5 : pos + total])
            self._flush_line()
            self._job.blocks.append(
                RasterBlock(
                    width=width,
                    height=8 * per_column,
                    data=_column_to_raster(columns, width, per_column),
                    align=self._modes.align,
                    scale_x=2 if mode in (0, 32) else 1,
                    scale_y=3 if mode in (0, 1) else 1,
                    command="ESC *",
                )
            )
            self._job.line_has_image = True
        return total

    def _esc_user_chars(self, buf: bytearray, pos: int) -> int | None:
        # ESC & y c1 c2 [x d1 … d(y*x)] for each character c1..c2
        if pos + 5 > len(buf):
            return None
        rows, first, last = buf[pos + 2], buf[pos + 3], buf[pos + 4]
        end = pos + 5
        for _ in range(max(0, last - first + 1)):
            if end >= len(buf):
                return None
            end += 1 + rows * buf[end]
            if end > len(buf):
                return None
        return end - pos

    def _terminated(self, buf: bytearray, pos: int, start: int, limit: int) -> int | None:
        """A command whose arguments end with NUL (at most ``limit`` bytes)."""
        window = buf[pos + start : pos + start + limit]
        nul = window.find(0)
        if nul >= 0:
            return start + nul + 1
        if len(window) >= limit:
            return self._unknown(buf, pos, start + limit, "unterminated argument list")
        return None

    # -- GS -----------------------------------------------------------------------------------

    def _gs(self, buf: bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        op = buf[pos + 1]
        if op == ord("V"):
            return self._gs_cut(buf, pos)
        if op == ord("v"):
            return self._gs_raster(buf, pos)
        if op == ord("("):
            if pos + 2 >= len(buf):
                return None
            if buf[pos + 2] == ord("k"):
                return self._gs_paren_k(buf, pos)
            if buf[pos + 2] == ord("L"):
                return self._gs_graphics(buf, pos, length_bytes=2)
            return self._generic_paren(buf, pos)
        if op == ord("8"):
            if pos + 2 >= len(buf):
                return None
            if buf[pos + 2] == ord("L"):
                return self._gs_graphics(buf, pos, length_bytes=4)
            return self._unknown(buf, pos, 3, "unknown GS 8 command")
        if op == ord("k"):
            return self._gs_barcode(buf, pos)
        if op == ord("*"):
            if pos + 4 > len(buf):
                return None
            return self._skip_data(buf, pos, 4, buf[pos + 2] * buf[pos + 3] * 8)
        args = _GS_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown GS command")
        if pos + 2 + args > len(buf):
            return None
        if op == ord("!"):
            arg = buf[pos + 2]
            self._modes.width = ((arg >> 4) & 0x07) + 1
            self._modes.height = (arg & 0x07) + 1
        return 2 + args

    def _gs_cut(self, buf: bytearray, pos: int) -> int | None:
        if pos + 3 > len(buf):
            return None
        mode = buf[pos + 2]
        length = 3 if mode in (0, 1, 48, 49) else 4
        if pos + length > len(buf):
            return None
        self._cut(length)
        return length

    def _skip_data(self, buf: bytearray, pos: int, header: int, size: int) -> int:
        """Consume a header now and ``size`` data bytes as they come, without storing them."""
        available = len(buf) - pos - header
        if available >= size:
            return header + size
        self._skip = size - available
        return len(buf) - pos

    def _gs_raster(self, buf: bytearray, pos: int) -> int | None:
        if pos + 3 > len(buf):
            return None
        if buf[pos + 2] != ord("0"):
            return self._unknown(buf, pos, 3, "unknown GS v command")
        if pos + 8 > len(buf):
            return None
        mode = buf[pos + 3]
        width_bytes = _u16(buf, pos + 4)
        height = _u16(buf, pos + 6)
        size = width_bytes * height
        if size > MAX_STORED_BYTES:
            logger.warning("GS v 0 image of %d bytes skipped", size)
            return self._skip_data(buf, pos, 8, size)
        if pos + 8 + size > len(buf):
            return None
        if size:
            scale = mode % 48 if mode in (0, 1, 2, 3, 48, 49, 50, 51) else 0
            self._add_block(
                RasterBlock(
                    width=width_bytes * 8,
                    height=height,
                    data=bytes(buf[pos + 8 : pos + 8 + size]),
                    align=self._modes.align,
                    scale_x=2 if scale & 1 else 1,
                    scale_y=2 if scale & 2 else 1,
                    command="GS v 0",
                )
            )
        return 8 + size

    def _generic_paren(self, buf: bytearray, pos: int) -> int | None:
        """``ESC ( x`` / ``GS ( x`` / ``FS ( x`` with a two-byte length: skipped."""
        if pos + 5 > len(buf):
            return None
        return self._skip_data(buf, pos, 5, _u16(buf, pos + 3))

    def _gs_paren_k(self, buf: bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        size = _u16(buf, pos + 3)
        if pos + 5 + size > len(buf):
            return None
        body = bytes(buf[pos + 5 : pos + 5 + size])
        if len(body) >= 2 and body[0] == 0x31:  # cn 49: QR Code
            fn, args = body[1], body[2:]
            if fn == 0x43 and args:
                self._modes.qr_module = args[0] if 1 <= args[0] <= 16 else self._modes.qr_module
            elif fn == 0x45 and args:
                self._modes.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(
                    args[0], self._modes.qr_ec
                )
            elif fn == 0x50 and args:
                self._qr_data = args[1:]
            elif fn == 0x51 and self._qr_data:
                self._add_block(
                    QrBlock(
                        payload=self._qr_data,
                        module_size=self._modes.qr_module,
                        error_correction=self._modes.qr_ec,
                        align=self._modes.align,
                    )
                )
        return 5 + size

    def _gs_graphics(self, buf: bytearray, pos: int, *, length_bytes: int) -> int | None:
        header = 3 + length_bytes
        if pos + header > len(buf):
            return None
        size = int.from_bytes(buf[pos + 3 : pos + header], "little")
        if size > MAX_STORED_BYTES:
            logger.warning("GS ( L / GS 8 L block of %d bytes skipped", size)
            return self._skip_data(buf, pos, header, size)
        if pos + header + size > len(buf):
            return None
        body = bytes(buf[pos + header : pos + header + size])
        if len(body) >= 2:
            fn = body[1]
            if fn == 0x70 and len(body) >= 10:  # store raster graphics
                scale_x = 2 if body[3] == 2 else 1
                scale_y = 2 if body[4] == 2 else 1
                width = body[6] | (body[7] << 8)
                height = body[8] | (body[9] << 8)
                data = body[10:]
                needed = (width + 7) // 8 * height
                if width and height and len(data) >= needed:
                    self._graphics = RasterBlock(
                        width=(width + 7) // 8 * 8,
                        height=height,
                        data=data[:needed],
                        scale_x=scale_x,
                        scale_y=scale_y,
                        command="GS ( L",
                    )
            elif fn in (0x32, 0x02) and self._graphics is not None:  # print stored graphics
                stored = self._graphics
                self._add_block(
                    RasterBlock(
                        width=stored.width,
                        height=stored.height,
                        data=stored.data,
                        align=self._modes.align,
                        scale_x=stored.scale_x,
                        scale_y=stored.scale_y,
                        command=stored.command,
                    )
                )
        return header + size

    def _gs_barcode(self, buf: bytearray, pos: int) -> int | None:
        if pos + 3 > len(buf):
            return None
        kind = buf[pos + 2]
        if kind <= 6:
            return self._terminated(buf, pos, 3, MAX_TERMINATED)
        if pos + 4 > len(buf):
            return None
        size = 4 + buf[pos + 3]
        return size if pos + size <= len(buf) else None

    # -- FS -----------------------------------------------------------------------------------

    def _fs(self, buf: bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        op = buf[pos + 1]
        if op == ord("("):
            return self._generic_paren(buf, pos)
        args = _FS_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown FS command")
        if pos + 2 + args > len(buf):
            return None
        if op == ord("&"):
            self._modes.kanji = True
        elif op == ord("."):
            self._modes.kanji = False
        elif op == ord("C"):
            self._modes.shift_jis = buf[pos + 2] in (1, 49)
        return 2 + args

    # -- DLE (real-time) ----------------------------------------------------------------------

    def _dle(self, buf: bytearray, pos: int) -> int | None:
        if pos + 1 >= len(buf):
            return None
        op = buf[pos + 1]
        if op == 0x04:  # EOT: status request
            if pos + 3 > len(buf):
                return None
            n = buf[pos + 2]
            self._uncounted = True
            if 1 <= n <= 4:
                self._events.append(StatusQuery(n))
            elif n in (7, 8, 18):  # extended status requests carry one more byte
                if pos + 4 > len(buf):
                    return None
                return 4
            return 3
        if op == 0x05:  # ENQ: real-time request to printer
            if pos + 3 > len(buf):
                return None
            self._uncounted = True
            return 3
        if op == 0x14:  # DC4: real-time commands (pulse, power-off, clear buffer…)
            if pos + 3 > len(buf):
                return None
            fn = buf[pos + 2]
            length = {1: 5, 2: 5, 7: 4, 8: 10}.get(fn, 3)
            if pos + length > len(buf):
                return None
            self._uncounted = True
            return length
        return self._unknown(buf, pos, 1, "DLE without a real-time command")

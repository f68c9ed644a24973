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

from simulators.printer.blocks import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    ALIGN_RIGHT,
    LINE_HEIGHT_DOTS,
    Block,
    Feed,
    ParsedTicket,
    ParserEvent,
    QrBlock,
    RasterBlock,
    StatusQuery,
    TextLine,
    TextRun,
    TicketCut,
)
from simulators.printer.commands import (
    CODE_PAGE_KATAKANA,
    CODE_PAGES,
    CR,
    DLE,
    ESC,
    ESC_FIXED,
    FS,
    FS_FIXED,
    GS,
    GS_FIXED,
    HT,
    LF,
    is_sjis_lead,
    u16,
)
from simulators.printer.images import esc_star_stripe, gs_v0_image, placed, stored_graphics
from simulators.printer.page import Page

logger = logging.getLogger(__name__)

MAX_STORED_BYTES = 1 << 20  # larger images are skipped, not buffered
MAX_TERMINATED = 256  # NUL-terminated arguments longer than this are cut off


class EscPosParser:
    """Turns a byte stream into :class:`ParserEvent` s; keep one per connection.

    Attributes:
        skipped_bytes: bytes that were not understood (logged and skipped).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skip = 0
        self._uncounted = False
        self._page = Page()
        self._qr_data: bytes | None = None
        self._graphics: RasterBlock | None = None
        self._events: list[ParserEvent] = []
        self.skipped_bytes = 0

    # -- public -------------------------------------------------------------------------------

    @property
    def job_bytes(self) -> int:
        """Bytes of the job being received so far (since the last cut; status queries and
        other real-time requests not counted)."""
        return self._page.byte_count

    def feed(self, data: bytes) -> list[ParserEvent]:
        """Consume bytes; returns the status queries and cuts they complete, in order."""
        self._buf += data
        buf = self._buf
        pos = 0
        while pos < len(buf):
            if self._skip:
                taken = min(self._skip, len(buf) - pos)
                self._skip -= taken
                self._page.count(taken)
                pos += taken
                continue
            self._uncounted = False
            used = self._step(buf, pos)
            if used is None:
                break
            if not self._uncounted:
                self._page.count(used)
            pos += used
        del buf[:pos]
        events, self._events = self._events, []
        return events

    def finish(self) -> ParsedTicket | None:
        """End of stream: the job printed so far without a cut, if it printed anything."""
        self._buf.clear()
        self._skip = 0
        ticket = self._page.take(cut=False)
        return ticket if ticket.has_content else None

    # -- the job --------------------------------------------------------------------------------

    def _cut(self, length: int) -> None:
        """Cut after a command of ``length`` bytes (counted in this ticket, not the next)."""
        self._page.count(length)
        self._uncounted = True
        self._events.append(TicketCut(self._page.take(cut=True)))

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
            self._page.line_feed()
            return 1
        if byte in (CR, 0x00, 0x0C, 0x18, 0x7F):
            return 1  # CR, NUL, FF, CAN, DEL: nothing to print in standard mode
        if byte == HT:
            self._page.add_text(" ")
            return 1
        if byte < 0x20:
            return self._unknown(buf, pos, 1, "control byte")
        return self._text(buf, pos)

    def _text(self, buf: bytearray, pos: int) -> int | None:
        byte = buf[pos]
        modes, page = self._page.modes, self._page
        if modes.kanji and modes.shift_jis and is_sjis_lead(byte):
            if pos + 1 >= len(buf):
                return None
            page.add_text(bytes(buf[pos : pos + 2]).decode("cp932", errors="replace"))
            return 2
        if modes.kanji and not modes.shift_jis and 0x21 <= byte <= 0x7E:
            if pos + 1 >= len(buf):
                return None
            pair = bytes(buf[pos : pos + 2])
            if 0x21 <= pair[1] <= 0x7E:
                text = (b"\x1b$B" + pair + b"\x1b(B").decode("iso2022_jp", errors="replace")
                page.add_text(text)
                return 2
        if byte < 0x80:
            page.add_text(chr(byte))
            return 1
        if 0xA1 <= byte <= 0xDF and (modes.code_page == CODE_PAGE_KATAKANA or modes.kanji):
            page.add_text(chr(0xFF61 + byte - 0xA1))
            return 1
        codec = CODE_PAGES.get(modes.code_page, "cp437")
        page.add_text(bytes((byte,)).decode(codec, errors="replace"))
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
        args = ESC_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown ESC command")
        if pos + 2 + args > len(buf):
            return None
        arg = buf[pos + 2] if args else 0
        page, modes = self._page, self._page.modes
        if op == ord("@"):
            page.reset()
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
            had_text = page.flush_line()
            lines = arg - 1 if had_text else arg
            if lines > 0:
                page.feed(lines * LINE_HEIGHT_DOTS)
        elif op == ord("J"):
            page.flush_line()
            if arg:
                page.feed(arg)
        elif op in (ord("i"), ord("m")):  # obsolete full / partial cut
            self._cut(2)
        return 2 + args

    def _esc_star(self, buf: bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        mode = buf[pos + 2]
        width = u16(buf, pos + 3)
        if mode not in (0, 1, 32, 33):
            return self._unknown(buf, pos, 5, f"ESC * mode {mode}")
        per_column = 3 if mode >= 32 else 1
        total = 5 + width * per_column
        if pos + total > len(buf):
            return None
        if width:
            columns = bytes(buf[pos + 5 : pos + total])
            self._page.add_stripe(esc_star_stripe(mode, width, columns, self._page.modes.align))
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
        args = GS_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown GS command")
        if pos + 2 + args > len(buf):
            return None
        if op == ord("!"):
            arg = buf[pos + 2]
            self._page.modes.width = ((arg >> 4) & 0x07) + 1
            self._page.modes.height = (arg & 0x07) + 1
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
        width_bytes = u16(buf, pos + 4)
        height = u16(buf, pos + 6)
        size = width_bytes * height
        if size > MAX_STORED_BYTES:
            logger.warning("GS v 0 image of %d bytes skipped", size)
            return self._skip_data(buf, pos, 8, size)
        if pos + 8 + size > len(buf):
            return None
        if size:
            data = bytes(buf[pos + 8 : pos + 8 + size])
            align = self._page.modes.align
            self._page.add_block(gs_v0_image(mode, width_bytes, height, data, align))
        return 8 + size

    def _generic_paren(self, buf: bytearray, pos: int) -> int | None:
        """``ESC ( x`` / ``GS ( x`` / ``FS ( x`` with a two-byte length: skipped."""
        if pos + 5 > len(buf):
            return None
        return self._skip_data(buf, pos, 5, u16(buf, pos + 3))

    def _gs_paren_k(self, buf: bytearray, pos: int) -> int | None:
        if pos + 5 > len(buf):
            return None
        size = u16(buf, pos + 3)
        if pos + 5 + size > len(buf):
            return None
        body = bytes(buf[pos + 5 : pos + 5 + size])
        modes = self._page.modes
        if len(body) >= 2 and body[0] == 0x31:  # cn 49: QR Code
            fn, args = body[1], body[2:]
            if fn == 0x43 and args:
                modes.qr_module = args[0] if 1 <= args[0] <= 16 else modes.qr_module
            elif fn == 0x45 and args:
                modes.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(args[0], modes.qr_ec)
            elif fn == 0x50 and args:
                self._qr_data = args[1:]
            elif fn == 0x51 and self._qr_data:
                qr = QrBlock(self._qr_data, modes.qr_module, modes.qr_ec, modes.align)
                self._page.add_block(qr)
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
        fn = body[1] if len(body) >= 2 else None
        if fn == 0x70:  # store raster graphics
            self._graphics = stored_graphics(body) or self._graphics
        elif fn in (0x32, 0x02) and self._graphics is not None:  # print stored graphics
            self._page.add_block(placed(self._graphics, self._page.modes.align))
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
        args = FS_FIXED.get(op)
        if args is None:
            return self._unknown(buf, pos, 2, "unknown FS command")
        if pos + 2 + args > len(buf):
            return None
        if op == ord("&"):
            self._page.modes.kanji = True
        elif op == ord("."):
            self._page.modes.kanji = False
        elif op == ord("C"):
            self._page.modes.shift_jis = buf[pos + 2] in (1, 49)
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


__all__ = [
    "ALIGN_CENTER",
    "ALIGN_LEFT",
    "ALIGN_RIGHT",
    "LINE_HEIGHT_DOTS",
    "Block",
    "EscPosParser",
    "Feed",
    "ParsedTicket",
    "ParserEvent",
    "QrBlock",
    "RasterBlock",
    "StatusQuery",
    "TextLine",
    "TextRun",
    "TicketCut",
]

"""A queue ticket as ESC/POS bytes.

Layout, centred, top to bottom: office header, service title (double size, bold), the queue
number (quadruple size, bold), the information lines, a native QR code of the status URL, the
footer, then a feed and a partial cut.

``TextMode.KANJI`` sends Japanese as Shift_JIS in the printer's Kanji mode (a standard ticket
is about 300 bytes). ``TextMode.RASTER`` draws every line that is not plain ASCII with a
TrueType font and sends it as a ``GS v 0`` image; plain ASCII lines (the number, times) stay
text in both modes.

A ticket in another language (:attr:`Ticket.language`) is drawn where the printer cannot print
it: Chinese, Korean and Nepali lines always with their own font (Noto Sans CJK SC/KR, Lohit
Devanagari), Vietnamese and Portuguese lines when they hold a letter outside Shift_JIS (ệ, ã).
Its Japanese staff lines (:attr:`Ticket.staff_lines`) go to the Kanji ROM as usual.

The QR code is always the printer's own (``GS ( k``): a QR sent as an
image costs a kilobyte or more (see :func:`TicketLayout.encode_with_image_qr`, kept for the
benchmark).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.devices.printer import commands as cmd
from kiosk.devices.printer.kanji import UnprintableTextError, encode_kanji_line, is_plain_ascii
from kiosk.devices.printer.protocol import TextMode, Ticket

if TYPE_CHECKING:
    from kiosk.devices.printer.raster import RasterText

logger = logging.getLogger(__name__)

HEADER_SCALE = 1
TITLE_SCALE = 2
NUMBER_SCALE = 4
BODY_SCALE = 1
RASTER_LINE_GAP_DOTS = 6  # space under a raster line, like the printer's line spacing
FEED_BEFORE_CUT_LINES = 2


def qr_module_size_for(payload: bytes) -> int:
    """A module size that keeps the QR code about 200–300 dots wide on 80 mm paper."""
    if len(payload) <= 80:
        return 6
    if len(payload) <= 200:
        return 5
    return 4


def sample_ticket() -> Ticket:
    """A standard Japanese ticket: for the self-test print, the tests and the benchmark."""
    return Ticket(
        header="みなと市役所 本庁舎1階 市民課",
        title="住民票・証明書",
        number="A-042",
        lines=(
            "発行 2025年6月2日 10:32",
            "お待ちの方 5人",
            "予想待ち時間 約15分",
        ),
        qr="https://queue.city.example.jp/s/minato-honcho-01/A-042",
        footer=(
            "番号が呼ばれましたら窓口へお越しください",
            "ｽﾏｰﾄﾌｫﾝで呼び出し状況を確認できます",
        ),
    )


class TicketLayout:
    """Turns a :class:`Ticket` into the bytes for one printer profile.

    Args:
        text_mode: Kanji mode (Shift_JIS) or raster text.
        paper_width_dots: printable width (576 for 80 mm paper at 203 dpi).
        raster_font: font for raster text; ``None`` finds IPA Gothic. Only loaded in raster
            mode; a missing font is a :class:`~kiosk.errors.ConfigError` at construction.
        qr_module_size: fixed QR module size in dots; ``None`` picks one by payload length.
    """

    def __init__(
        self,
        text_mode: TextMode,
        *,
        paper_width_dots: int = 576,
        raster_font: Path | None = None,
        qr_module_size: int | None = None,
    ) -> None:
        self.text_mode = text_mode
        self.paper_width_dots = paper_width_dots
        self.qr_module_size = qr_module_size
        self._raster: RasterText | None = None
        if text_mode is TextMode.RASTER:
            # NOTE: imported here: Pillow is only needed for raster printers, and the
            # kiosk's cold start should not pay for it.
            from kiosk.devices.printer.raster import RasterText

            self._raster = RasterText(raster_font, paper_width_dots=paper_width_dots)
        self._language_rasters: dict[str, RasterText] = {}

    def _language_raster(self, language: str) -> RasterText:
        """The raster drawer of a language's script (loaded on the first ticket in it)."""
        raster = self._language_rasters.get(language)
        if raster is None:
            from kiosk.devices.printer.raster import RasterText, find_language_font

            face = find_language_font(language)
            raster = RasterText(
                face.path, paper_width_dots=self.paper_width_dots, font_index=face.index
            )
            self._language_rasters[language] = raster
        return raster

    def _drawer(self, text: str, language: str) -> RasterText | None:
        """Who draws a non-ASCII line as an image; ``None``: the printer's Kanji mode prints it."""
        from kiosk.devices.printer.raster import LANGUAGE_FONTS, OWN_SCRIPT_LANGUAGES

        if language in OWN_SCRIPT_LANGUAGES:
            return self._language_raster(language)
        if self._raster is not None and language not in LANGUAGE_FONTS:
            return self._raster  # Japanese (and English) in raster mode: the configured font
        if self._raster is None:
            try:
                encode_kanji_line(text)
            except UnprintableTextError:
                if language in LANGUAGE_FONTS:
                    return self._language_raster(language)
                raise
            return None
        return self._language_raster(language)

    def _lines(self, items: list[tuple[str, int, bool]], language: str = "ja") -> bytes:
        """Encode ``(text, scale, bold)`` lines, sending size and weight only when they change."""
        out = bytearray()
        scale_now, bold_now = 1, False
        for text, scale, bold in items:
            drawer = None if is_plain_ascii(text) else self._drawer(text, language)
            if drawer is not None:
                # GS ! and ESC E do not apply to images: the size and weight are drawn.
                out += drawer.encode(text, scale=scale, bold=bold)
                out += cmd.feed_dots(RASTER_LINE_GAP_DOTS)
                continue
            if scale != scale_now:
                out += cmd.char_size(scale, scale)
                scale_now = scale
            if bold != bold_now:
                out += cmd.bold(bold)
                bold_now = bold
            out += encode_kanji_line(text) if self._raster is None else cmd.ascii_text(text)
            out += cmd.LF
        if bold_now:
            out += cmd.bold(False)
        if scale_now != 1:
            out += cmd.char_size(1, 1)
        return bytes(out)

    def _start(self) -> bytes:
        out = cmd.INIT
        if self._raster is None:
            out += cmd.select_code_page(cmd.CODE_PAGE_KATAKANA)
            out += cmd.kanji_code_system(cmd.KanjiCodeSystem.SHIFT_JIS)
        return out + cmd.align(cmd.Align.CENTER)

    def _top(self, ticket: Ticket) -> bytes:
        items = [
            (ticket.header, HEADER_SCALE, False),
            (ticket.title, TITLE_SCALE, True),
            (ticket.number, NUMBER_SCALE, True),
            *((line, BODY_SCALE, False) for line in ticket.lines),
        ]
        return self._start() + self._lines(items, ticket.language)

    def _bottom(self, ticket: Ticket) -> bytes:
        out = self._lines([(line, BODY_SCALE, False) for line in ticket.footer], ticket.language)
        out += self._lines([(line, BODY_SCALE, False) for line in ticket.staff_lines], "ja")
        return out + cmd.feed_lines(FEED_BEFORE_CUT_LINES) + cmd.cut(partial=True, feed=0)

    def encode(self, ticket: Ticket) -> bytes:
        """The whole ticket, from ``ESC @`` to the cut.

        Raises:
            UnprintableTextError: (Kanji mode) a character the printer cannot print.
            ValueError: the QR payload is empty or too long.
        """
        payload = ticket.qr.encode("utf-8")
        module = self.qr_module_size or qr_module_size_for(payload)
        qr = cmd.qr(payload, module_size=module, error_correction=cmd.QrErrorCorrection.M)
        return self._top(ticket) + qr + cmd.LF + self._bottom(ticket)

    def encode_with_image_qr(self, ticket: Ticket) -> bytes:
        """The same ticket with python-escpos's default QR: an image (for the benchmark only).

        python-escpos is used as a byte encoder (its ``Dummy`` printer); none of its transports.
        """
        from escpos.printer import Dummy  # NOTE: only the benchmark needs python-escpos

        # A profile with a known paper width: the default profile prints a warning to stdout.
        dummy = Dummy(profile="TM-T20II")
        dummy.qr(ticket.qr, native=False)
        qr = bytes(dummy.output)
        restore = b""
        if self._raster is None:
            # python-escpos switches the code page (ESC t 0) around the image; restore katakana.
            restore = cmd.select_code_page(cmd.CODE_PAGE_KATAKANA)
        return self._top(ticket) + qr + restore + self._bottom(ticket)


def build_ticket(
    ticket: Ticket,
    text_mode: TextMode = TextMode.KANJI,
    *,
    paper_width_dots: int = 576,
    raster_font: Path | None = None,
) -> bytes:
    """One-off encoding of a ticket (a :class:`TicketLayout` caches fonts between tickets)."""
    layout = TicketLayout(text_mode, paper_width_dots=paper_width_dots, raster_font=raster_font)
    return layout.encode(ticket)

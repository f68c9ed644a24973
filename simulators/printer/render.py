"""Draw a parsed ticket as a monochrome PNG, 576 dots wide (80 mm paper at 203 dpi).

Text is drawn with IPA Gothic (24 dots per line, half width for ASCII, like the printer's
fonts) scaled by the character size, bit images are blitted dot for dot, QR codes are drawn
from their payload (a real, decodable symbol). Beside each PNG a JSON file records what was
printed: ``{"index", "lines", "qr", "raster", "bytes", "cut"}``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from simulators.printer.blocks import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    Feed,
    ParsedTicket,
    QrBlock,
    RasterBlock,
    TextLine,
    TextRun,
)

logger = logging.getLogger(__name__)

PAPER_WIDTH_DOTS = 576
BASE_SIZE_DOTS = 24
LINE_GAP_DOTS = 6
MARGIN_DOTS = 16
FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
_INVERT = bytes(255 - value for value in range(256))
_QR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class TicketRenderer:
    """Draws :class:`ParsedTicket` s; fonts are loaded once per size.

    Args:
        font_path: a TrueType font; ``None`` looks for IPA Gothic, then falls back to Pillow's
            built-in font (Japanese then draws as boxes; a warning says so).
        width: paper width in dots.
    """

    def __init__(self, font_path: Path | None = None, *, width: int = PAPER_WIDTH_DOTS) -> None:
        self.width = width
        self.font_path = font_path or next((p for p in FONT_PATHS if p.is_file()), None)
        if self.font_path is None:
            logger.warning("no Japanese font found; tickets are drawn with Pillow's default font")
        self._fonts: dict[int, Font] = {}

    def _font(self, size: int) -> Font:
        font = self._fonts.get(size)
        if font is None:
            if self.font_path is not None:
                font = ImageFont.truetype(str(self.font_path), size)
            else:
                font = ImageFont.load_default(size)
            self._fonts[size] = font
        return font

    def _place(self, canvas: Image.Image, image: Image.Image, y: int, align: int) -> None:
        if image.width > self.width:
            image = image.crop((0, 0, self.width, image.height))
        if align == ALIGN_CENTER:
            x = (self.width - image.width) // 2
        elif align == ALIGN_RIGHT:
            x = self.width - image.width
        else:
            x = 0
        canvas.paste(image, (x, y))

    def _text_rows(self, line: TextLine) -> list[Image.Image]:
        """Draw a text line, wrapping at the paper width like the printer does."""
        height = max(run.height for run in line.runs) * BASE_SIZE_DOTS
        rows: list[list[tuple[str, TextRun]]] = [[]]
        x = 0.0
        for run in line.runs:
            font = self._font(BASE_SIZE_DOTS * run.height)
            stretch = run.width / run.height
            for char in run.text:
                advance = font.getlength(char) * stretch
                if x + advance > self.width and rows[-1]:
                    rows.append([])
                    x = 0.0
                rows[-1].append((char, run))
                x += advance
        images = []
        for row in rows:
            canvas = Image.new("1", (self.width, height + LINE_GAP_DOTS), 1)
            x = 0.0
            for char, run in row:
                font = self._font(BASE_SIZE_DOTS * run.height)
                stretch = run.width / run.height
                glyph_width = max(1, round(font.getlength(char)))
                glyph = Image.new("1", (glyph_width + 2, BASE_SIZE_DOTS * run.height + 2), 1)
                ImageDraw.Draw(glyph).text(
                    (1, 1), char, font=font, fill=0, stroke_width=1 if run.bold else 0
                )
                if stretch != 1:
                    size = (max(1, round(glyph.width * stretch)), glyph.height)
                    glyph = glyph.resize(size, Image.Resampling.NEAREST)
                canvas.paste(glyph, (round(x), max(0, height - glyph.height + 1)))
                if run.underline:
                    end = round(x + glyph_width * stretch)
                    ImageDraw.Draw(canvas).line((round(x), height, end, height), fill=0)
                x += font.getlength(char) * stretch
            used = min(self.width, max(1, round(x) + 1))
            row_image = Image.new("1", (self.width, canvas.height), 1)
            self._place(row_image, canvas.crop((0, 0, used, canvas.height)), 0, line.align)
            images.append(row_image)
        return images

    @staticmethod
    def raster_image(block: RasterBlock) -> Image.Image:
        """The bit image as sent, scaled by its dot multipliers."""
        image = Image.frombytes("1", (block.width, block.height), block.data.translate(_INVERT))
        if block.scale_x != 1 or block.scale_y != 1:
            image = image.resize(
                (block.width * block.scale_x, block.height * block.scale_y),
                Image.Resampling.NEAREST,
            )
        return image

    @staticmethod
    def qr_image(block: QrBlock) -> Image.Image | None:
        """The QR symbol for the payload (with a 4-module quiet zone); None if it cannot fit."""
        code = qrcode.QRCode(
            error_correction=_QR_LEVELS.get(block.error_correction, _QR_LEVELS["L"]),
            box_size=block.module_size,
            border=4,
        )
        code.add_data(block.payload)
        try:
            code.make(fit=True)
        except (ValueError, qrcode.exceptions.DataOverflowError) as exc:
            logger.warning("QR payload of %d bytes not drawn: %s", len(block.payload), exc)
            return None
        image: Image.Image = code.make_image().get_image()
        return image.convert("1")

    def render(self, ticket: ParsedTicket) -> Image.Image:
        """The whole ticket as a 1-bit image."""
        parts: list[tuple[Image.Image, int]] = []
        for block in ticket.blocks:
            if isinstance(block, TextLine):
                parts.extend((row, ALIGN_CENTER) for row in self._text_rows(block))
            elif isinstance(block, RasterBlock):
                parts.append((self.raster_image(block), block.align))
            elif isinstance(block, QrBlock):
                qr = self.qr_image(block)
                if qr is not None:
                    parts.append((qr, block.align))
            elif isinstance(block, Feed):
                parts.append((Image.new("1", (1, max(1, block.dots)), 1), ALIGN_CENTER))
        height = 2 * MARGIN_DOTS + sum(image.height for image, _ in parts)
        canvas = Image.new("1", (self.width, height), 1)
        y = MARGIN_DOTS
        for image, align in parts:
            self._place(canvas, image, y, align)
            y += image.height
        return canvas


@dataclass(frozen=True)
class TicketFiles:
    """Where a rendered ticket was written."""

    png: Path
    json: Path


def raster_records(ticket: ParsedTicket) -> list[dict[str, object]]:
    """One ``{"width", "height", "command"}`` per bit image (printed size in dots)."""
    return [
        {
            "width": block.width * block.scale_x,
            "height": block.height * block.scale_y,
            "command": block.command,
        }
        for block in ticket.rasters
    ]


def ticket_record(ticket: ParsedTicket, index: int) -> dict[str, object]:
    """The JSON record of a ticket."""
    return {
        "index": index,
        "lines": ticket.lines,
        "qr": ticket.qr_payloads,
        "raster": raster_records(ticket),
        "bytes": ticket.byte_count,
        "cut": ticket.cut,
    }


def write_ticket(
    image: Image.Image, ticket: ParsedTicket, index: int, out_dir: Path
) -> TicketFiles:
    """Write ``ticket-NNNN.png`` and ``ticket-NNNN.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"ticket-{index:04d}"
    png, record = stem.with_suffix(".png"), stem.with_suffix(".json")
    image.save(png)
    record.write_text(
        json.dumps(ticket_record(ticket, index), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return TicketFiles(png=png, json=record)

"""Text drawn with a TrueType font and sent as raster images (``GS v 0``).

For printers without a Kanji ROM (or with the wrong one), and for every script a Japanese
printer's fonts lack (Hangul, simplified Chinese, Devanagari, Vietnamese and Portuguese
accents): each line is drawn 1-bit, cropped to its ink horizontally (the printer centres it
with ``ESC a``), wrapped to the paper width, and encoded as ``GS v 0`` (most significant bit
leftmost, 1 = black). Complex scripts (Devanagari's conjuncts and vowel signs) are shaped by
Pillow's Raqm layout when it is there (the Pillow wheels bundle it).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from kiosk.devices.printer.commands import RASTER_MAX_ROWS, raster_image
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

# IPA Gothic from the Debian/Ubuntu packages fonts-ipafont-gothic / fonts-japanese-gothic.
DEFAULT_FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
BASE_SIZE_DOTS = 24  # the height of the printer's Kanji font (24 x 24 dots)

_NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@dataclass(frozen=True)
class FontFace:
    """A font file and the face in it (a ``.ttc`` holds several: Noto CJK's JP, KR, SC…)."""

    path: Path
    index: int = 0


# NOTE: from bootstrap.sh's fonts-noto-cjk and fonts-lohit-deva. Chinese is drawn with the
# simplified Chinese face even where JIS has the character: the Japanese glyph forms of the
# printer's ROM would read as foreign. Languages not named here use the Japanese font.
LANGUAGE_FONTS: dict[str, tuple[FontFace, ...]] = {
    "zh": (FontFace(_NOTO_CJK, 2),),
    "ko": (FontFace(_NOTO_CJK, 1),),
    "ne": (
        FontFace(Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf")),
        FontFace(Path("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf")),
    ),
    # Vietnamese stacks two accents on a letter (ệ, ở): IPA Gothic has none of them.
    "vi": (FontFace(_NOTO_CJK, 0),),
    "pt": (FontFace(_NOTO_CJK, 0),),
}
OWN_SCRIPT_LANGUAGES = frozenset({"zh", "ko", "ne"})
"""Languages whose text is always drawn with their own font, never sent to the Kanji ROM."""


def find_language_font(language: str) -> FontFace:
    """The font face that draws ``language``'s script.

    Raises:
        ConfigError: none of its fonts is installed (the message names the Debian package).
    """
    for face in LANGUAGE_FONTS.get(language, ()):
        if face.path.is_file():
            return face
    if language in LANGUAGE_FONTS:
        raise ConfigError(
            "printer.raster_font",
            language,
            "no font for this language's script (looked for "
            + ", ".join(str(face.path) for face in LANGUAGE_FONTS[language])
            + "); install fonts-noto-cjk and fonts-lohit-deva",
        )
    return FontFace(find_font(None))


_INVERT = bytes(255 - value for value in range(256))


def find_font(configured: Path | None = None) -> Path:
    """The font file to draw Japanese with.

    Args:
        configured: a path from config; used if given (and must exist).

    Raises:
        ConfigError: the configured file is missing, or none of the default fonts is installed.
    """
    if configured is not None:
        if not configured.is_file():
            raise ConfigError("printer.raster_font", str(configured), "font file not found")
        return configured
    for candidate in DEFAULT_FONT_PATHS:
        if candidate.is_file():
            return candidate
    raise ConfigError(
        "printer.raster_font",
        None,
        "no Japanese TrueType font found (looked for "
        + ", ".join(str(path) for path in DEFAULT_FONT_PATHS)
        + "); install fonts-ipafont-gothic or set the path",
    )


def image_to_raster(image: Image.Image, *, double: bool = False) -> bytes:
    """Encode a 1-bit image as ``GS v 0`` commands (split into bands of at most 960 rows).

    Args:
        image: the image; converted to 1 bit if needed, its width padded with white to a
            multiple of 8 dots.
        double: let the printer print every dot 2 x 2 (a quarter of the bytes).
    """
    bitmap = image if image.mode == "1" else image.convert("1")
    width_bytes = (bitmap.width + 7) // 8
    if bitmap.width % 8:
        padded = Image.new("1", (width_bytes * 8, bitmap.height), 1)
        padded.paste(bitmap, (0, 0))
        bitmap = padded
    # PIL packs mode "1" as 1 = white; ESC/POS wants 1 = black.
    data = bitmap.tobytes().translate(_INVERT)
    out = bytearray()
    row_bytes = width_bytes
    for top in range(0, bitmap.height, RASTER_MAX_ROWS):
        rows = min(RASTER_MAX_ROWS, bitmap.height - top)
        out += raster_image(
            width_bytes,
            rows,
            data[top * row_bytes : (top + rows) * row_bytes],
            double_width=double,
            double_height=double,
        )
    return bytes(out)


@dataclass(frozen=True)
class RenderedLine:
    """One drawn line: a 1-bit image cropped to its ink horizontally."""

    image: Image.Image
    text: str


class RasterText:
    """Draws text lines with one TrueType font, caching a font object per size.

    Args:
        font_path: the font file; ``None`` finds IPA Gothic (see :func:`find_font`).
        paper_width_dots: printable width; longer lines wrap.
        font_index: the face in a font collection (``.ttc``).
    """

    def __init__(
        self, font_path: Path | None = None, *, paper_width_dots: int = 576, font_index: int = 0
    ) -> None:
        self.font_path = find_font(font_path)
        self.font_index = font_index
        self.paper_width_dots = paper_width_dots
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        """The font at ``size`` pixels (loaded once)."""
        font = self._fonts.get(size)
        if font is None:
            try:
                font = ImageFont.truetype(str(self.font_path), size, index=self.font_index)
            except OSError as exc:
                raise ConfigError(
                    "printer.raster_font", str(self.font_path), f"cannot load font: {exc}"
                ) from exc
            self._fonts[size] = font
        return font

    @staticmethod
    def _wrap(text: str, font: ImageFont.FreeTypeFont, stroke: int, width: int) -> list[str]:
        # NOTE: a line too long for the paper breaks at its last space that fits (Korean,
        # Nepali, Vietnamese and Portuguese words stay whole), else before the character that
        # does not fit (Chinese, Japanese), never before a combining vowel sign.
        lines: list[str] = []
        current = ""
        for char in text:
            if (
                current
                and font.getlength(current + char) + 2 * stroke > width
                and unicodedata.category(char)[0] != "M"
            ):
                head, space, tail = current.rpartition(" ")
                if space and head.strip():
                    lines.append(head)
                    current = tail
                else:
                    lines.append(current)
                    current = ""
            current += char
        lines.append(current)
        return lines

    def render(
        self, text: str, *, scale: int = 1, bold: bool = False, width: int | None = None
    ) -> list[RenderedLine]:
        """Draw ``text`` at ``scale`` times the 24-dot base size, wrapped to ``width``.

        Args:
            text: one line of text.
            scale: size as a multiple of 24 dots.
            bold: thicken the strokes by one dot.
            width: wrap width in dots; the paper width by default.

        Returns:
            One image per printed line; a blank line gives a blank image of the line height.
        """
        size = BASE_SIZE_DOTS * scale
        font = self.font(size)
        stroke = 1 if bold else 0
        ascent, descent = font.getmetrics()
        height = ascent + descent + 2 * stroke
        rendered: list[RenderedLine] = []
        width = self.paper_width_dots if width is None else width
        for line in self._wrap(text, font, stroke, width):
            canvas = Image.new("1", (width, height), 1)
            draw = ImageDraw.Draw(canvas)
            draw.text((stroke, stroke), line, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
            ink = ImageOps.invert(canvas.convert("L")).getbbox()
            if ink is None:
                image = Image.new("1", (8, height), 1)
            else:
                image = canvas.crop((ink[0], 0, ink[2], height))
            rendered.append(RenderedLine(image=image, text=line))
        return rendered

    def encode(self, text: str, *, scale: int = 1, bold: bool = False) -> bytes:
        """``GS v 0`` commands printing ``text`` at ``scale`` (one image per wrapped line).

        An even scale is drawn at half size and doubled by the printer (``GS v 0`` mode 3),
        like the printer doubles its own 24-dot Kanji font for ``GS !``: a quarter of the bytes.
        """
        if scale < 1:
            raise ValueError(f"scale must be at least 1, got {scale}")
        double = scale % 2 == 0
        drawn_scale = scale // 2 if double else scale
        width = self.paper_width_dots // 2 if double else self.paper_width_dots
        lines = self.render(text, scale=drawn_scale, bold=bold, width=width)
        return b"".join(image_to_raster(line.image, double=double) for line in lines)

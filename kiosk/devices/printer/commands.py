"""ESC/POS command encoders: named byte constants and pure functions returning ``bytes``.

Only the commands the ticket driver sends live here; each is checked byte for byte in
``tests/devices/test_printer_commands.py``. References: Epson "ESC/POS Application Programming
Guide" (command reference for TM printers, Japanese models for the Kanji commands).
"""

from __future__ import annotations

import enum

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"
EOT = b"\x04"
LF = b"\n"

INIT = ESC + b"@"  # ESC @: initialise printer (clears buffer, resets modes)
KANJI_ON = FS + b"&"  # FS &: select Kanji character mode
KANJI_OFF = FS + b"."  # FS .: cancel Kanji character mode
CODE_PAGE_KATAKANA = 1  # ESC t 1: JIS X 0201 half-width katakana in 0xA1–0xDF

# GS ( k, cn = 49 (QR Code)
QR_CN = 0x31
QR_FN_MODEL = 0x41  # fn 165
QR_FN_MODULE_SIZE = 0x43  # fn 167
QR_FN_ERROR_CORRECTION = 0x45  # fn 169
QR_FN_STORE = 0x50  # fn 180
QR_FN_PRINT = 0x51  # fn 181
QR_MODEL_2 = 0x32
QR_MAX_DATA = 7089  # the largest symbol (version 40, numeric) the command accepts

# GS v 0 limits: yL + yH * 256 is at most 2303 on TM printers; stay well below.
RASTER_MAX_ROWS = 960

STATUS_PRINTER = 1  # DLE EOT 1: printer status
STATUS_OFFLINE_CAUSE = 2  # DLE EOT 2: off-line cause
STATUS_ERROR_CAUSE = 3  # DLE EOT 3: error cause
STATUS_PAPER = 4  # DLE EOT 4: roll paper sensor


class Align(enum.IntEnum):
    """Justification for ``ESC a``."""

    LEFT = 0
    CENTER = 1
    RIGHT = 2


class QrErrorCorrection(enum.IntEnum):
    """QR error correction level for ``GS ( k`` fn 169 (value sent is 48 + level)."""

    L = 0
    M = 1
    Q = 2
    H = 3


class KanjiCodeSystem(enum.IntEnum):
    """Kanji code system for ``FS C``."""

    JIS = 0
    SHIFT_JIS = 1


def _byte(value: int, name: str, low: int = 0, high: int = 255) -> bytes:
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return bytes((value,))


def _u16(value: int, name: str) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{name} must be from 0 to 65535, got {value}")
    return value.to_bytes(2, "little")


def align(justification: Align) -> bytes:
    """``ESC a n``: justify the following lines (only effective at the start of a line)."""
    return ESC + b"a" + bytes((int(justification),))


def char_size(width: int = 1, height: int = 1) -> bytes:
    """``GS ! n``: character width and height multipliers, 1–8 each (also for Kanji)."""
    _byte(width, "width", 1, 8)
    _byte(height, "height", 1, 8)
    return GS + b"!" + bytes((((width - 1) << 4) | (height - 1),))


def bold(on: bool) -> bytes:
    """``ESC E n``: emphasised (bold) on or off."""
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def select_code_page(page: int) -> bytes:
    """``ESC t n``: single-byte character code table (1 = katakana)."""
    return ESC + b"t" + _byte(page, "code page")


def kanji_code_system(system: KanjiCodeSystem) -> bytes:
    """``FS C n``: Kanji code system (Japanese models): JIS or Shift_JIS."""
    return FS + b"C" + bytes((int(system),))


def feed_lines(lines: int) -> bytes:
    """``ESC d n``: print the buffer and feed ``lines`` lines."""
    return ESC + b"d" + _byte(lines, "lines")


def feed_dots(dots: int) -> bytes:
    """``ESC J n``: print the buffer and feed ``dots`` motion units (dots on 203 dpi heads)."""
    return ESC + b"J" + _byte(dots, "dots")


def _qr_function(fn: int, payload: bytes) -> bytes:
    return GS + b"(k" + _u16(len(payload) + 2, "QR data length") + bytes((QR_CN, fn)) + payload


def qr_model() -> bytes:
    """``GS ( k`` fn 165: QR model 2."""
    return _qr_function(QR_FN_MODEL, bytes((QR_MODEL_2, 0)))


def qr_module_size(dots: int) -> bytes:
    """``GS ( k`` fn 167: module size in dots (1–16)."""
    return _qr_function(QR_FN_MODULE_SIZE, _byte(dots, "QR module size", 1, 16))


def qr_error_correction(level: QrErrorCorrection) -> bytes:
    """``GS ( k`` fn 169: error correction level."""
    return _qr_function(QR_FN_ERROR_CORRECTION, bytes((0x30 + int(level),)))


def qr_store(data: bytes) -> bytes:
    """``GS ( k`` fn 180: store the symbol data (1–7089 bytes)."""
    if not 1 <= len(data) <= QR_MAX_DATA:
        raise ValueError(f"QR data must be 1 to {QR_MAX_DATA} bytes, got {len(data)}")
    return _qr_function(QR_FN_STORE, b"0" + data)


def qr_print() -> bytes:
    """``GS ( k`` fn 181: print the stored symbol."""
    return _qr_function(QR_FN_PRINT, b"0")


def qr(
    data: bytes, *, module_size: int = 6, error_correction: QrErrorCorrection = QrErrorCorrection.M
) -> bytes:
    """A whole native QR code: model 2, module size, error correction, store, print."""
    return (
        qr_model()
        + qr_module_size(module_size)
        + qr_error_correction(error_correction)
        + qr_store(data)
        + qr_print()
    )


def raster_image(
    width_bytes: int,
    height: int,
    data: bytes,
    *,
    double_width: bool = False,
    double_height: bool = False,
) -> bytes:
    """``GS v 0 m xL xH yL yH d…``: a 1-bit raster image.

    Args:
        width_bytes: bytes per row (8 dots each).
        height: rows.
        data: ``width_bytes * height`` bytes, row by row, most significant bit leftmost,
            1 = black dot.
        double_width: the printer doubles every dot horizontally (``m`` bit 0).
        double_height: the printer doubles every row (``m`` bit 1).
    """
    if width_bytes < 1 or height < 1:
        raise ValueError(f"raster image must not be empty, got {width_bytes}x{height} bytes")
    if len(data) != width_bytes * height:
        raise ValueError(
            f"raster data is {len(data)} bytes, expected {width_bytes} x {height} = "
            f"{width_bytes * height}"
        )
    mode = (1 if double_width else 0) | (2 if double_height else 0)
    return (
        GS
        + b"v0"
        + bytes((mode,))
        + _u16(width_bytes, "raster width")
        + _u16(height, "raster height")
        + data
    )


def cut(*, partial: bool = True, feed: int | None = None) -> bytes:
    """``GS V``: cut the paper.

    Args:
        partial: partial cut (one point left uncut) instead of a full cut.
        feed: ``None`` cuts where the paper is (``GS V 1`` / ``GS V 0``); a number feeds the
            paper to the cutting position plus ``feed`` motion units first (``GS V 66 n`` /
            ``GS V 65 n``), so the last printed line is not cut off.
    """
    if feed is None:
        return GS + b"V" + (b"\x01" if partial else b"\x00")
    return GS + b"V" + (b"B" if partial else b"A") + _byte(feed, "cut feed")


def status_request(n: int) -> bytes:
    """``DLE EOT n``: real-time status request; the printer answers one byte."""
    return DLE + EOT + _byte(n, "DLE EOT n", 1, 4)


def ascii_text(text: str) -> bytes:
    """Printable ASCII text as bytes; anything else is a ``ValueError`` naming the character."""
    for char in text:
        if not " " <= char <= "~":
            raise ValueError(f"character {char!r} (U+{ord(char):04X}) is not printable ASCII")
    return text.encode("ascii")

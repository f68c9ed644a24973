"""Japanese text for the printer's Kanji mode (Shift_JIS, Japanese-model ESC/POS printers).

A line is cut into runs:

- printable ASCII is sent as single bytes with Kanji mode off;
- half-width katakana (U+FF61–U+FF9F) is sent as single bytes 0xA1–0xDF with Kanji mode off,
  from the katakana code page the layout selects with ``ESC t 1``;
- everything else is encoded as Shift_JIS (Microsoft code page 932, the variant Japanese
  printers and Windows agree on) between ``FS &`` and ``FS .``.

A character the printer cannot print raises :class:`UnprintableTextError` naming it; nothing is
ever replaced by ``?`` (python-escpos does that, and sends GB18030 instead of Shift_JIS).
"""

from __future__ import annotations

import logging
import unicodedata

from kiosk.devices.printer.commands import KANJI_OFF, KANJI_ON
from kiosk.errors import DeviceError

logger = logging.getLogger(__name__)

# Characters that have a JIS X 0208 twin cp932 knows, though Python's cp932 codec does not map
# them (it maps the other direction only: U+301C → 0x8160 works, U+00A5 does not).
_SAME_GLYPH = str.maketrans(
    {
        "\u00a5": "\uffe5",  # YEN SIGN → FULLWIDTH YEN SIGN
        "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR (JIS 1-29)
        "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
        "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
        "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
    }
)

# Shift_JIS lead bytes outside JIS X 0208 (+ NEC row 13): user-defined area 0xF0–0xF9 and the
# IBM/NEC-selected extensions 0xED–0xEE, 0xFA–0xFC. Ticket printers' Kanji ROMs lack them.
_UNSUPPORTED_LEAD_BYTES = frozenset({0xED, 0xEE, *range(0xF0, 0xFD)})


class UnprintableTextError(DeviceError, ValueError):
    """Raised when ticket text holds a character the printer's Kanji mode cannot print."""

    def __init__(self, text: str, char: str, why: str) -> None:
        self.text = text
        self.char = char
        name = unicodedata.name(char, "unnamed")
        super().__init__(f"cannot print {char!r} (U+{ord(char):04X} {name}) in {text!r}: {why}")


def _is_halfwidth_katakana(char: str) -> bool:
    return "\uff61" <= char <= "\uff9f"


def _encode_double_byte(text: str, char: str) -> bytes:
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or char in "\u2028\u2029":
        raise UnprintableTextError(text, char, "control or unassigned character")
    try:
        encoded = char.translate(_SAME_GLYPH).encode("cp932")
    except UnicodeEncodeError:
        raise UnprintableTextError(text, char, "not in Shift_JIS (JIS X 0208)") from None
    if len(encoded) != 2 or encoded[0] in _UNSUPPORTED_LEAD_BYTES:
        raise UnprintableTextError(text, char, "outside the printer's Kanji set")
    return encoded


def encode_kanji_line(text: str) -> bytes:
    """Encode one line of Japanese text for Kanji mode (no line feed added).

    Args:
        text: the line; printable ASCII, half-width katakana and JIS X 0208 characters.

    Returns:
        The bytes, with ``FS &`` / ``FS .`` around each double-byte run; Kanji mode is off
        at the end.

    Raises:
        UnprintableTextError: a control character, or one outside JIS X 0208 (emoji,
            rare kanji such as 𠮷), naming it.
    """
    out = bytearray()
    kanji_mode = False
    for char in text:
        if " " <= char <= "~" or _is_halfwidth_katakana(char):
            if kanji_mode:
                out += KANJI_OFF
                kanji_mode = False
            out += char.encode("ascii") if char <= "~" else char.encode("cp932")
            continue
        if char < " " or char == "\x7f":
            raise UnprintableTextError(text, char, "control character")
        encoded = _encode_double_byte(text, char)
        if not kanji_mode:
            out += KANJI_ON
            kanji_mode = True
        out += encoded
    if kanji_mode:
        out += KANJI_OFF
    return bytes(out)


def is_plain_ascii(text: str) -> bool:
    """True when every character is printable ASCII (sent as is in any text mode)."""
    return all(" " <= char <= "~" for char in text)

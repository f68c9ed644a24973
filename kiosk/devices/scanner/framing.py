"""Turn the byte stream of a serial (or keyboard-like) scanner into clean codes.

A scanner sends each code as its payload followed by a configurable suffix. The framer is pure:
bytes go in, in any split, and finished codes come out; it never raises, whatever it is fed, and
it holds at most ``max_length`` bytes of one code.

Suffixes:

``cr``    the code ends at CR; an LF right after that CR belongs to the suffix (a scanner
          configured for CRLF still works).
``crlf``  the code ends at LF and a CR right before it belongs to the suffix.
``lf``    framed exactly like ``crlf`` (a lone LF ends a code; a CR before it is dropped).
``none``  no suffix: the caller ends a code after an inter-character gap (``flush()``).

Text policy (DESIGN §3: barcodes that *type* Ctrl-key combinations have opened shells on
keyboard-wedge hosts):

- Bytes are decoded as strict UTF-8; if that fails as Shift_JIS (Windows code page 932, the
  variant Japanese scanners send for Kanji-mode QR codes); if that fails too as Latin-1, which
  never fails, so no byte is silently replaced. ASCII (every booking token) reads the same in
  all three.
- ANSI/VT escape sequences (``ESC [ … final``, ``ESC O x``) and Alt-prefixed keys
  (``ESC x``) are removed as a whole, then every remaining character of the Unicode
  categories Cc (C0, DEL, C1 controls), Cf (format: zero-width, bidi overrides), Co, Cn, Cs,
  Zl and Zp. Each removed character is counted in ``stripped``. Spaces are kept.
- A code longer than ``max_length`` bytes is cut there (an incomplete UTF-8 sequence at the cut
  is dropped), marked ``truncated``, and everything up to the next suffix is discarded, so the
  framer is in step again at the next code.
- A line that is empty after cleaning (and not truncated) is not a code; it is counted in
  ``FramerStats.empty_lines``.
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from dataclasses import dataclass

from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH

logger = logging.getLogger(__name__)

CR = 0x0D
LF = 0x0A
_CR_BYTE = b"\r"
_LF_BYTE = b"\n"

# ESC followed by a CSI sequence, an SS3 sequence, or any single printable character (Alt+key).
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|O[ -~]?|[ -~])?")
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
_FALLBACK_ENCODINGS = ("utf-8", "cp932")


class Suffix(enum.StrEnum):
    """What a scanner sends after each code."""

    CR = "cr"
    CRLF = "crlf"
    LF = "lf"
    NONE = "none"

    @property
    def wire_bytes(self) -> bytes:
        """The bytes of this suffix on the wire (``b""`` for none)."""
        return {"cr": b"\r", "crlf": b"\r\n", "lf": b"\n", "none": b""}[self.value]


@dataclass(frozen=True)
class FramedCode:
    """One code cut from the stream and cleaned.

    Attributes:
        text: printable text only; empty only for a truncated line of nothing but control
            characters (it is still delivered, so the cut is reported).
        truncated: the input was longer than the limit and was cut.
        stripped: how many characters were removed (controls, escape sequences).
        raw_length: how many bytes the code had on the wire, suffix excluded (also counts the
            bytes discarded after the cut).
        encoding: ``utf-8``, ``cp932`` or ``latin-1``: how the bytes were read.
    """

    text: str
    truncated: bool
    stripped: int
    raw_length: int
    encoding: str


@dataclass
class FramerStats:
    """Counters of what the framer saw, for diagnostics.

    Attributes:
        codes: codes delivered.
        truncated: codes cut at the length limit.
        stripped: characters removed from delivered codes.
        empty_lines: lines with nothing printable in them (not delivered).
        discarded_bytes: bytes of partial lines dropped by :meth:`LineFramer.discard`.
    """

    codes: int = 0
    truncated: int = 0
    stripped: int = 0
    empty_lines: int = 0
    discarded_bytes: int = 0


def decode_payload(data: bytes) -> tuple[str, str]:
    """Decode a payload: UTF-8, else Shift_JIS (cp932), else Latin-1.

    Returns:
        ``(text, encoding)``; never raises.
    """
    for encoding in _FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def clean_text(text: str) -> tuple[str, int]:
    """Remove escape sequences and every non-printable character.

    Returns:
        ``(clean text, number of characters removed)``.
    """
    without_escapes = _ESCAPE_SEQUENCE.sub("", text)
    kept = [ch for ch in without_escapes if unicodedata.category(ch) not in _STRIPPED_CATEGORIES]
    clean = "".join(kept)
    return clean, len(text) - len(clean)


def decode_cut_payload(data: bytes) -> tuple[str, str]:
    """Decode a payload that was cut at the length limit, maybe inside a character.

    Tries UTF-8 without up to 3 trailing bytes, then cp932 without up to 1 (the most a cut
    can split off), then Latin-1 on all of it.
    """
    for encoding, max_drop in (("utf-8", 3), ("cp932", 1)):
        for drop in range(min(max_drop, len(data) - 1) + 1):
            try:
                return data[: len(data) - drop].decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    return data.decode("latin-1"), "latin-1"


class LineFramer:
    """Split a scanner's byte stream into :class:`FramedCode` values (see the module docstring).

    Args:
        suffix: what ends a code (a :class:`Suffix` or its value).
        max_length: the most bytes one code may have; more is cut and reported.

    Raises:
        ValueError: an unknown suffix or a limit below 1.
    """

    def __init__(self, suffix: Suffix | str = Suffix.CR, *, max_length: int = MAX_CODE_LENGTH):
        self.suffix = Suffix(suffix)
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        self.max_length = max_length
        self.stats = FramerStats()
        self._terminator = _CR_BYTE if self.suffix is Suffix.CR else _LF_BYTE
        self._buffer = bytearray()
        self._raw_length = 0
        self._overflow = False
        self._last_byte = -1  # the last byte received for the current line (or -1)
        self._after_cr_terminator = False  # cr mode: the previous byte ended a code

    @property
    def pending(self) -> bool:
        """True while bytes of an unfinished code are held."""
        return self._raw_length > 0

    @property
    def pending_bytes(self) -> int:
        """How many bytes of an unfinished code arrived so far."""
        return self._raw_length

    def feed(self, data: bytes) -> list[FramedCode]:
        """Add received bytes; returns the codes they completed (possibly none)."""
        if not data:
            return []
        if self.suffix is Suffix.NONE:
            self._append(data)
            return []
        codes: list[FramedCode] = []
        start = 0
        if self._after_cr_terminator and data[0] == LF:
            start = 1  # the LF of a CRLF after a code that ended at CR
        self._after_cr_terminator = False
        while start < len(data):
            end = data.find(self._terminator, start)
            if end < 0:
                self._append(data[start:])
                break
            self._append(data[start:end])
            code = self._end_line()
            if code is not None:
                codes.append(code)
            start = end + 1
            if self.suffix is Suffix.CR:
                if start < len(data) and data[start] == LF:
                    start += 1
                elif start == len(data):
                    self._after_cr_terminator = True
        return codes

    def flush(self) -> list[FramedCode]:
        """End the code held so far (suffix ``none``: the inter-character gap passed)."""
        if not self.pending:
            return []
        code = self._end_line()
        return [] if code is None else [code]

    def discard(self) -> int:
        """Drop a partial line (noise, or a code cut off by an unplug); returns its byte count."""
        dropped = self._raw_length
        if dropped:
            self.stats.discarded_bytes += dropped
        self._reset_line()
        self._after_cr_terminator = False
        return dropped

    # -- internals ----------------------------------------------------------------------------

    def _append(self, piece: bytes) -> None:
        if not piece:
            return
        self._raw_length += len(piece)
        self._last_byte = piece[-1]
        if self._overflow:
            return
        room = self.max_length - len(self._buffer)
        if len(piece) > room:
            self._buffer += piece[:room]
            self._overflow = True
        else:
            self._buffer += piece

    def _end_line(self) -> FramedCode | None:
        data = bytes(self._buffer)
        raw_length = self._raw_length
        truncated = self._overflow
        if self.suffix in (Suffix.CRLF, Suffix.LF) and self._last_byte == CR:
            # The CR of the CRLF suffix, not part of the payload.
            raw_length -= 1
            if not truncated and data.endswith(_CR_BYTE):
                data = data[:-1]
        self._reset_line()
        text, encoding = decode_cut_payload(data) if truncated else decode_payload(data)
        clean, stripped = clean_text(text)
        if not clean and not truncated:
            self.stats.empty_lines += 1
            return None
        self.stats.codes += 1
        self.stats.stripped += stripped
        if truncated:
            self.stats.truncated += 1
            logger.warning(
                "scanner input of %d bytes cut at %d bytes (limit)", raw_length, self.max_length
            )
        if stripped:
            logger.info("removed %d control characters from a scanned code", stripped)
        return FramedCode(
            text=clean,
            truncated=truncated,
            stripped=stripped,
            raw_length=raw_length,
            encoding=encoding,
        )

    def _reset_line(self) -> None:
        self._buffer.clear()
        self._raw_length = 0
        self._overflow = False
        self._last_byte = -1

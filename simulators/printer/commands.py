"""The ESC/POS command set as the printer simulator knows it: prefixes, argument lengths,
code pages, and the small decoders of argument bytes."""

from __future__ import annotations

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT = 0x0A, 0x0D, 0x09

# Commands with a fixed number of argument bytes after the two command bytes.
ESC_FIXED = {
    ord(c): n
    for c, n in {
        "@": 0, "!": 1, "-": 1, "E": 1, "G": 1, "M": 1, "a": 1, "t": 1, "d": 1, "J": 1,
        "K": 1, "e": 1, "2": 0, "3": 1, "R": 1, "V": 1, "{": 1, " ": 1, "$": 2, "\\": 2,
        "p": 3, "c": 2, "=": 1, "L": 0, "S": 0, "W": 8, "T": 1, "\x0c": 0, "%": 1, "i": 0,
        "m": 0, "r": 1, "U": 1, "u": 1, "v": 0, "?": 1, "<": 0,
    }.items()
}  # fmt: skip
GS_FIXED = {
    ord(c): n
    for c, n in {
        "!": 1, "B": 1, "H": 1, "f": 1, "h": 1, "w": 1, "L": 2, "W": 2, "P": 2, "a": 1,
        "r": 1, "I": 1, "b": 1, "/": 1, "$": 2, "\\": 2, "^": 3, ":": 0, "T": 1, "E": 1,
        "Z": 1, "c": 0, "j": 1, "g": 2, "z": 1,
    }.items()
}  # fmt: skip
FS_FIXED = {
    ord(c): n
    for c, n in {
        "&": 0, ".": 0, "C": 1, "!": 1, "-": 1, "S": 2, "W": 1, "p": 2, "2": 74, "?": 2,
    }.items()
}  # fmt: skip

# ESC t n: code pages we can decode (others fall back to cp437).
CODE_PAGES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866",
    18: "cp852", 19: "cp858",
}  # fmt: skip
CODE_PAGE_KATAKANA = 1


def u16(data: bytes | bytearray, pos: int) -> int:
    """The little-endian 16-bit number at ``pos``."""
    return data[pos] | (data[pos + 1] << 8)


def is_sjis_lead(byte: int) -> bool:
    """True for the first byte of a two-byte Shift_JIS character."""
    return 0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC

"""The short booking code printed under the booking QR, for the on-screen keypad.

Format: 8 decimal digits, printed in two groups (``1234-5678``); the first 7 are the
booking's number at the central server, the 8th is a Damm check digit over them.

NOTE: digits, not letters: the keypad has 12 keys of at least 120 px (a letter keypad
would need 31), digits are unambiguous in every font, and they read aloud the same in
Japanese and English. The Damm check digit catches every single wrong digit and every
swap of two neighbouring digits, the two typing errors people make most.
The code is not a secret and proves nothing by itself: the server confirms it.
"""

from __future__ import annotations

import re

CODE_LENGTH = 8
_DATA_LENGTH = CODE_LENGTH - 1
_SEPARATORS = re.compile(r"[\s\-‐-―ー－]")

# The Damm quasigroup of order 10 (weakly totally anti-symmetric).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_check_digit(digits: str) -> str:
    """The Damm check digit of a string of ASCII digits."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][ord(char) - 48]
    return str(interim)


def make_booking_code(number: int) -> str:
    """The 8-digit code of a booking number (0 ≤ number < 10⁷), check digit included.

    Raises:
        ValueError: the number does not fit in 7 digits.
    """
    if not 0 <= number < 10**_DATA_LENGTH:
        raise ValueError(f"booking number {number} does not fit in {_DATA_LENGTH} digits")
    data = f"{number:0{_DATA_LENGTH}d}"
    return data + damm_check_digit(data)


def normalize_booking_code(text: str) -> str | None:
    """The 8 digits of a typed or scanned code, or None when it is not a valid code.

    Spaces and dashes are ignored, full-width digits are accepted; the check digit must fit.
    """
    if len(text) > 4 * CODE_LENGTH:
        return None
    cleaned = _SEPARATORS.sub("", text)
    digits = "".join(chr(ord(c) - 0xFF10 + 48) if "０" <= c <= "９" else c for c in cleaned)
    if len(digits) != CODE_LENGTH or not all("0" <= c <= "9" for c in digits):
        return None
    if damm_check_digit(digits) != "0":  # Damm: the whole code checks to 0
        return None
    return digits


def format_booking_code(code: str) -> str:
    """A code as printed and shown: ``1234-5678`` (partial input: the digits so far)."""
    return code if len(code) <= 4 else f"{code[:4]}-{code[4:]}"

"""Photo codes: what the citizen notes down and staff type to find an accepted photo.

Eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L or U: read aloud and typed
by staff) and a Luhn mod N check symbol, shown as ``7KQ2-MXRA-F``.
"""

from __future__ import annotations

import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""The 30 symbols a photo code is made of."""
CODE_LENGTH = 8  # 30^8 ≈ 6.6e11 codes; a check character is appended


def _check_char(body: str) -> str:
    """Luhn mod N check character over :data:`CODE_ALPHABET` (catches every single typo and
    every swap of two neighbours)."""
    n = len(CODE_ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * CODE_ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return CODE_ALPHABET[(n - total % n) % n]


def new_photo_code() -> str:
    """A random photo code: 8 symbols and a check symbol (``7KQ2MXRA`` + ``F``)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return body + _check_char(body)


def photo_code_valid(code: str) -> bool:
    """True when ``code`` (hyphens and case ignored) is a well-formed photo code."""
    clean = code.replace("-", "").upper()
    if len(clean) != CODE_LENGTH + 1 or any(c not in CODE_ALPHABET for c in clean):
        return False
    return _check_char(clean[:-1]) == clean[-1]


def format_photo_code(code: str) -> str:
    """The code as people read it: ``7KQ2-MXRA-F``."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "format_photo_code",
    "new_photo_code",
    "photo_code_valid",
]

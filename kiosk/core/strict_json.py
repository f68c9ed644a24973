"""Strict JSON for every document that comes from outside the kiosk.

Python's :func:`json.loads` is lenient in four ways that matter to a kiosk that trusts
signed claims and server messages:

* it accepts ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON at all), and a NaN compares
  false with everything, so a command whose ``exp`` is NaN never expires;
* it recurses once per nesting level, so a deeply nested scan raises ``RecursionError``, an
  exception no caller expects;
* it keeps the last of two equal keys, so two readers of one document can disagree on it;
* it reads whole numbers of any size, and ``10**400`` raises ``OverflowError`` in
  ``math.isfinite``, ``float`` and SQLite, far from where the number came in.

:func:`loads` refuses all four, and any other malformed input, with one error type,
:class:`StrictJsonError`, whose ``reason`` is a stable code for refusal events. The nesting
depth is measured BEFORE parsing, by a cheap scan of the brackets outside strings, so no deep
document ever reaches the recursive parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kiosk.errors import KioskError

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Whole numbers accepted: SQLite's and the contract's 64-bit range."""

DEFAULT_MAX_DEPTH = 32
"""Deeper than any document of ours (the contract's deepest is under 8 levels)."""

# NOTE: a string token (quotes and escapes included) or one bracket. Matching whole strings
# lets the scan skip brackets inside them without a character-by-character Python loop.
_DEPTH_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class StrictJsonError(KioskError, ValueError):
    """Raised when a document is not strict JSON: malformed, too deep, non-finite or ambiguous.

    ``reason`` is a stable code: ``not_utf8``, ``malformed``, ``too_deep``, ``not_finite``,
    ``out_of_range`` (a whole number beyond 64 bits), ``duplicate_key``.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def loads(data: str | bytes | bytearray, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse one JSON document strictly.

    Args:
        data: the document; bytes must be UTF-8.
        max_depth: the most arrays and objects that may be open at once; a document nested
            deeper is refused before it is parsed.

    Returns:
        The parsed value (dict, list, str, int, float, bool or None); every float is finite.

    Raises:
        StrictJsonError: with a ``reason``; never any other exception.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise StrictJsonError("not_utf8", "the document is not UTF-8") from None
    else:
        text = data
    # NOTE: a document cannot nest deeper than its count of opening brackets: most are
    # under the limit by count alone and skip the scan.
    openers = text.count("[") + text.count("{")
    depth = nesting_depth(text) if openers > max_depth else 0
    if depth > max_depth:
        raise StrictJsonError(
            "too_deep", f"the document nests {depth} levels, more than the {max_depth} allowed"
        )
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
    except StrictJsonError:
        raise
    except json.JSONDecodeError as exc:
        raise StrictJsonError("malformed", f"not JSON: {exc.msg} at {exc.pos}") from None
    except (ValueError, RecursionError) as exc:
        # NOTE: ValueError also covers an integer longer than Python's 4300-digit limit;
        # RecursionError cannot happen after the depth check, but is kept as a backstop.
        raise StrictJsonError("malformed", f"not JSON: {type(exc).__name__}") from None


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, brackets in strings not counted.

    One regular-expression pass, no recursion. Malformed text is left for the parser to
    refuse: up to its first error the parser reads the same strings as this scan, so it can
    never nest deeper than the depth counted here.
    """
    depth = deepest = 0
    for match in _DEPTH_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise StrictJsonError("not_finite", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        # NOTE: 1e999 is valid JSON syntax but overflows to infinity; refused like Infinity.
        raise StrictJsonError("not_finite", f"{text[:40]} is not a finite number")
    return value


def _bounded_int(text: str) -> int:
    # NOTE: a whole number beyond 64 bits is no count, time or id of ours; 10**400 made
    # math.isfinite(), float() and SQLite raise OverflowError deep inside claim checks.
    if len(text.lstrip("-")) > 19:
        raise StrictJsonError("out_of_range", f"{text[:40]}… has more than 19 digits")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise StrictJsonError("out_of_range", f"{value} is outside 64 bits")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJsonError("duplicate_key", f"the key {key[:40]!r} appears twice")
        result[key] = value
    return result

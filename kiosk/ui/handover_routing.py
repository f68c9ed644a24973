"""Which scans belong to the hand-over screens: a peek at a code's unverified ``typ``.

Scanned codes arrive on the scanner's thread; the app routes pickup QR codes and staff cards
to the hand-over and everything else to check-in. The peek parses with
:mod:`kiosk.core.strict_json`: a deeply nested or otherwise hostile scan is "not a hand-over
code", never an exception on the scanner's thread. Nothing is trusted here: the signature,
office and expiry are checked by the core when the code is used.
"""

from __future__ import annotations

from kiosk.core.jws import MAX_TOKEN_LENGTH, b64url_decode
from kiosk.core.strict_json import loads as strict_loads

HANDOVER_TOKEN_TYPES = frozenset({"pickup", "staff"})
"""The ``typ`` claims of the hand-over's codes: pickup notices and staff cards."""


def is_handover_code(text: str) -> bool:
    """True when ``text`` looks like a pickup QR or a staff card (JWS ``typ`` pickup/staff)."""
    return token_type(text) in HANDOVER_TOKEN_TYPES


def token_type(text: str) -> str:
    """The unverified ``typ`` claim of a JWS (routing only); empty for anything else."""
    parts = text.strip().split(".")
    if len(parts) != 3 or not parts[1] or len(text) > MAX_TOKEN_LENGTH:
        return ""
    try:
        # NOTE: strict: a deeply nested payload used to raise RecursionError here, on the
        # scanner's thread, and the scan was dropped without a word (issue 10, item 14).
        claims = strict_loads(b64url_decode(parts[1]))
    except ValueError:  # bad base64 (JwsError), bad UTF-8, not strict JSON, too deep
        return ""
    typ = claims.get("typ") if isinstance(claims, dict) else None
    return typ if isinstance(typ, str) else ""


__all__ = ["HANDOVER_TOKEN_TYPES", "is_handover_code", "token_type"]

"""Booking tokens: the signed QR a resident brings to the entrance scanner (DESIGN §4).

A booking token is a compact JWS (``kiosk.core.jws``, EdDSA pinned, ``kid`` header) signed by
the central server. Its claims:

=========  ===========================================================================
``typ``    ``"booking"``, or ``"meeting"`` for a meeting with a named member of staff
           (``"pickup"`` tokens exist for passport pick-up: not a booking)
``bid``    booking id (text), remembered once used
``office`` office code the booking is for (``[kiosk] office``)
``svc``    service id (optional for a meeting)
``host``   meeting only: the host's staff id, whom the server notifies on arrival
``hname``  meeting only: the host's name as the resident knows it (shown as plain text;
           at most ``MAX_HOST_NAME`` characters, no control, bidi or line-break characters)
``wait``   meeting only, optional: where to wait, ``{"<language>": "<place>"}`` (each place
           at most ``MAX_WAIT_PLACE`` characters, the same characters refused)
``slot``   slot start, RFC 3339 with an offset, in the years ``SLOT_YEARS`` (UTC)
``win``    optional check-in window: ``{"before": min, "after": min}`` (else per service
           config, else the ``[checkin]`` default)
``exp``    expiry, seconds since the epoch (JWT NumericDate)
``code``   optional short booking code printed under the QR (``booking_codes``)
=========  ===========================================================================

The trusted keys are the booking list of ``[trust]`` (``kiosk.core.trust``; only keys of
that purpose), rotated by a signed ``config/desired`` (``TrustList.replace``). A key list
older than ``[trust] max_age_days`` is reported as a degraded ``booking_keys`` health.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kiosk.config import CheckInWindow
from kiosk.config.text import shown_line_problem
from kiosk.core import jws
from kiosk.core.trust import TrustList
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

BOOKING = "booking"
MEETING = "meeting"
PICKUP = "pickup"
MAX_WAIT_PLACES = 16
"""A meeting's ``wait`` names at most this many languages (a bigger map is a bad claim)."""
MAX_ID = 64
"""Characters of a shown id claim (``bid``, ``office``, ``svc``, ``code``, ``host``)."""
MAX_HOST_NAME = 40
"""Characters of a meeting's ``hname`` (shown in a sentence and as the slip's title)."""
MAX_WAIT_PLACE = 80
"""Characters of one ``wait`` place (shown in a sentence under the result)."""
MAX_WINDOW_MIN = 24 * 60
TRUST_HEALTH = "booking_keys"
"""The health board's device name for the trust list."""

_B64URL_DOT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_SIGNATURE_BYTES = 64
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
SLOT_YEARS = (1970, 9998)
"""A ``slot`` outside these years (UTC) is a bad claim: a day of window stays in range."""
MIN_READABLE_LENGTH = 6  # shorter leftovers are scraps of a bad read, not a code anyone printed


class BookingTokenError(KioskError, ValueError):
    """Raised when a scanned text is not a booking token this kiosk can trust.

    ``reason`` is stable: ``unreadable`` (cut off, too long, noise), ``not_a_token`` (a
    readable text that is no JWS: a URL, a product barcode), ``bad_signature`` (also a
    refused ``alg``), ``unknown_key``, ``not_a_booking`` (another token type or claims we
    cannot use). ``detail`` is the lower-level reason for logs and events.
    """

    def __init__(self, reason: str, detail: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Meeting:
    """What a meeting token adds to a booking: whom the resident meets, where to wait.

    Attributes:
        host: the host's staff id (the server notifies this person; never shown).
        host_name: the host's name as the resident knows it (shown as plain text).
        wait_at: language -> where to wait; empty when the token names no place.
    """

    host: str
    host_name: str
    wait_at: Mapping[str, str] = field(default_factory=dict)

    def place(self, language: str) -> str:
        """Where to wait in ``language``: its own entry, else Japanese, else English, else ""."""
        for candidate in (language, "ja", "en"):
            if candidate in self.wait_at:
                return self.wait_at[candidate]
        return ""


@dataclass(frozen=True)
class BookingToken:
    """A verified booking token's claims, typed.

    Attributes:
        kid: the key that signed it.
        booking_id: ``bid``.
        office: ``office``.
        service: ``svc``.
        slot: ``slot`` start (timezone-aware).
        window: ``win`` when the token sets it, else None (config decides).
        expires: ``exp`` (UTC).
        code: ``code`` (empty when absent).
        meeting: the host and place of a ``meeting`` token; None for a plain booking.
    """

    kid: str
    booking_id: str
    office: str
    service: str
    slot: datetime
    window: CheckInWindow | None
    expires: datetime
    code: str = ""
    meeting: Meeting | None = None


def read_booking_token(text: str, trust: TrustList, now: datetime | None = None) -> BookingToken:
    """Verify a scanned text and return its booking claims.

    Args:
        text: what the scanner read (control characters already stripped or not).
        trust: the booking keys.
        now: the time of the scan (retired keys are not used after their ``until``).

    Raises:
        BookingTokenError: with a ``reason`` (see the class); never any other exception.
    """
    cleaned = "".join(c for c in _ANSI_ESCAPE.sub("", text) if c.isprintable()).strip()
    if not cleaned:
        raise BookingTokenError("unreadable", "empty", "nothing readable was scanned")
    if len(cleaned) > jws.MAX_TOKEN_LENGTH:
        raise BookingTokenError("unreadable", "too_long", f"{len(cleaned)} characters")
    looks_like_jws = cleaned.startswith("eyJ") and set(cleaned) <= _B64URL_DOT
    if not looks_like_jws:
        # NOTE: a QR that reads cleanly but is something else (a URL, a product code) is
        # "not a booking"; noise with odd characters or a cut-off token is "unreadable".
        had_controls = len(cleaned) != len(text.strip())
        if had_controls or len(cleaned) < MIN_READABLE_LENGTH or _looks_like_noise(cleaned):
            raise BookingTokenError("unreadable", "noise", "the scan is not readable text")
        raise BookingTokenError("not_a_booking", "not_a_token", "the code is not a token")
    parts = cleaned.split(".")
    if len(parts) != 3 or not all(parts):
        raise BookingTokenError("unreadable", "truncated", f"{len(parts)} parts, need 3")
    try:
        if len(jws.b64url_decode(parts[2])) != _SIGNATURE_BYTES:
            raise BookingTokenError("unreadable", "truncated", "signature of the wrong length")
        verified = jws.verify(cleaned, trust.keys(now))
    except jws.JwsError as exc:
        raise _from_jws_error(exc) from None
    return _claims(verified)


def _looks_like_noise(text: str) -> bool:
    """True for scans that are not text anyone meant to encode (replacement chars, junk)."""
    if "\ufffd" in text:
        return True
    odd = sum(1 for c in text if not (c.isalnum() or c in " -_.:/?&=#%+@,;~()[]'\"!*$"))
    return odd * 4 > len(text)


def _from_jws_error(exc: jws.JwsError) -> BookingTokenError:
    reason = {
        "unknown_key": "unknown_key",
        "bad_signature": "bad_signature",
        "alg_not_allowed": "bad_signature",
        "bad_payload": "not_a_booking",
        "too_long": "unreadable",
    }.get(exc.reason)
    if reason is None:
        # malformed, bad_header: a header we cannot read is a cut-off or mangled scan,
        # except a readable header without a key id, which no trusted key can match.
        reason = "unknown_key" if "kid" in str(exc) else "unreadable"
    return BookingTokenError(reason, exc.reason, str(exc))


def _claims(verified: jws.VerifiedToken) -> BookingToken:
    claims = verified.claims
    typ = claims.get("typ")
    if typ not in (BOOKING, MEETING):
        raise BookingTokenError(
            "not_a_booking", f"typ_{typ}" if typ == PICKUP else "typ", f"token type {typ!r}"
        )
    # NOTE: ids are shown too (an unnamed service by its id, the booking on the slip): each
    # is one plain line like the meeting's names.
    bid = _shown_text(claims, "bid", MAX_ID)
    office = _shown_text(claims, "office", MAX_ID)
    meeting = _meeting(claims) if typ == MEETING else None
    # NOTE: a meeting is with a person, not at a service counter: its svc may be absent.
    service = _shown_text(claims, "svc", MAX_ID) if meeting is None or "svc" in claims else ""
    slot_text = _text(claims, "slot")
    try:
        slot = datetime.fromisoformat(slot_text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad_claims("slot", slot_text) from None
    if slot.tzinfo is None or not _slot_in_range(slot):
        raise _bad_claims("slot", slot_text)
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not _finite(exp):
        raise _bad_claims("exp", exp)
    try:
        expires = datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad_claims("exp", exp) from None
    code = claims.get("code", "")
    if not isinstance(code, str):
        raise _bad_claims("code", code)
    if code:
        _shown_text(claims, "code", MAX_ID)
    return BookingToken(
        kid=verified.kid,
        booking_id=bid,
        office=office,
        service=service,
        slot=slot,
        window=_window(claims.get("win")),
        expires=expires,
        code=code,
        meeting=meeting,
    )


def _meeting(claims: Mapping[str, Any]) -> Meeting:
    wait = claims.get("wait", {})
    if not isinstance(wait, Mapping) or len(wait) > MAX_WAIT_PLACES:
        raise _bad_claims("wait", wait)
    places: dict[str, str] = {}
    for language in wait:
        if not isinstance(language, str) or not 0 < len(language) <= 16:
            raise _bad_claims("wait", wait)
        places[language] = _shown_text(wait, language, MAX_WAIT_PLACE)
    return Meeting(
        host=_shown_text(claims, "host", MAX_ID),
        host_name=_shown_text(claims, "hname", MAX_HOST_NAME),
        wait_at=places,
    )


def _shown_text(claims: Mapping[str, Any], name: str, limit: int) -> str:
    """A claim shown to people or printed: at most ``limit`` characters, one line of text.

    NOTE: a signature proves who wrote a text, not that it is fit to show: a bidi override
    (U+202E) reorders the sentence it sits in, a line break or a control character makes a
    claim read as a second message on screen, and the printer refuses control characters.
    """
    value = _text(claims, name)
    if shown_line_problem(value, limit):
        raise _bad_claims(name, value)
    return value


def _finite(value: int | float) -> bool:
    """True for a finite number; an integer beyond a float's range (``10**400``) is not."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _slot_in_range(slot: datetime) -> bool:
    """True when ``slot`` lies in the years ``SLOT_YEARS`` (in UTC).

    NOTE: a signed slot of year 1 or 9999 passed here once and then overflowed the
    check-in window's arithmetic and every conversion to UTC (``OverflowError``).
    """
    try:
        year = slot.astimezone(UTC).year
    except OverflowError:
        return False
    return SLOT_YEARS[0] <= year <= SLOT_YEARS[1]


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _bad_claims(name, value)
    return value


def _window(value: object) -> CheckInWindow | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _bad_claims("win", value)
    before, after = value.get("before"), value.get("after")
    for part in (before, after):
        if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part <= MAX_WINDOW_MIN:
            raise _bad_claims("win", value)
    assert isinstance(before, int) and isinstance(after, int)
    return CheckInWindow(before, after)


def _bad_claims(name: str, value: object) -> BookingTokenError:
    return BookingTokenError("not_a_booking", "bad_claims", f"claim {name} = {value!r:.60}")

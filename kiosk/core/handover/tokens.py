"""Pickup tokens (the QR on a passport pickup notice) and staff cards, verified offline.

Both are compact JWS signed by the central server, each with keys of its own purpose
(``[trust.pickup]``, ``[trust.staff]``: :mod:`kiosk.core.trust`; ``alg`` pinned to EdDSA by
:mod:`kiosk.core.jws`). A booking key can sign neither: it is not in either list, and the
config refuses one public key under two purposes.

Pickup token claims:

==========  ===========================================================================
``typ``     ``"pickup"``
``cid``     case id (text, at most 64 characters): the case the assignment named
``office``  office code (``[kiosk] office``); another office's token is refused
``size``    optional compartment size the case needs (``S``/``M``/``L``), informational:
            the assignment's size rules
``exp``     valid until, seconds since the epoch (JWT NumericDate)
``nbf``     optional: not valid before (NumericDate)
==========  ===========================================================================

The PIN is NOT in the token: its salted scrypt verifier comes with the case assignment
(DESIGN §4, :mod:`kiosk.core.handover.pins`). A QR photographed off a notice must not let
anyone test PINs offline; at the kiosk every wrong PIN counts against the limits.

A token is "reused" when its case was already collected (or is being collected): the case's
state on disk is the record, so a token works once however many copies exist.

Staff card claims: ``typ: "staff"``, ``sid`` (staff id), ``office``, ``exp``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.core import jws
from kiosk.core.trust import TrustList
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

PICKUP = "pickup"
STAFF = "staff"
SIZES = ("S", "M", "L")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")  # fullmatch: no trailing newline


class HandoverTokenError(KioskError, ValueError):
    """Raised when a scanned text is not a pickup token or staff card this kiosk trusts.

    ``reason`` is one of ``unreadable``, ``bad_signature``, ``unknown_key``, ``not_a_pickup``
    (another type, or claims we cannot use).
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class HandoverTrust:
    """The two key lists of the hand-over: pickup notices and staff cards."""

    pickup: TrustList
    staff: TrustList


@dataclass(frozen=True)
class PickupToken:
    """A verified pickup token's claims.

    Attributes:
        kid: the signing key.
        case_id: ``cid``.
        office: ``office``.
        size: ``size`` or empty.
        expires: ``exp`` (UTC).
        not_before: ``nbf`` (UTC) or None.
    """

    kid: str
    case_id: str
    office: str
    size: str
    expires: datetime
    not_before: datetime | None = None


@dataclass(frozen=True)
class StaffCard:
    """A verified staff card: ``sid``, ``office``, ``exp``."""

    kid: str
    staff_id: str
    office: str
    expires: datetime


def read_pickup_token(text: str, trust: TrustList, now: datetime | None = None) -> PickupToken:
    """Verify a scanned text as a pickup token.

    Raises:
        HandoverTokenError: with a ``reason``; never any other exception.
    """
    claims, kid = _verified_claims(text, trust, PICKUP, now)
    size = claims.get("size", "")
    if size not in ("", *SIZES):
        raise _bad("size", size)
    nbf = claims.get("nbf")
    return PickupToken(
        kid=kid,
        case_id=_identifier(claims, "cid"),
        office=_identifier(claims, "office"),
        size=str(size),
        expires=_time(claims, "exp"),
        not_before=None if nbf is None else _time(claims, "nbf"),
    )


def read_staff_card(text: str, trust: TrustList, now: datetime | None = None) -> StaffCard:
    """Verify a scanned text as a staff card.

    Raises:
        HandoverTokenError: with a ``reason``; never any other exception.
    """
    claims, kid = _verified_claims(text, trust, STAFF, now)
    return StaffCard(
        kid=kid,
        staff_id=_identifier(claims, "sid"),
        office=_identifier(claims, "office"),
        expires=_time(claims, "exp"),
    )


def _verified_claims(
    text: str, trust: TrustList, typ: str, now: datetime | None
) -> tuple[Mapping[str, Any], str]:
    cleaned = "".join(c for c in text if c.isprintable()).strip()
    if not cleaned or len(cleaned) > jws.MAX_TOKEN_LENGTH or not cleaned.startswith("eyJ"):
        raise HandoverTokenError("unreadable", "the scan is not a token")
    try:
        verified = jws.verify(cleaned, trust.keys(now))
    except jws.JwsError as exc:
        reason = {
            "unknown_key": "unknown_key",
            "bad_signature": "bad_signature",
            "alg_not_allowed": "bad_signature",
            "bad_payload": "not_a_pickup",
        }.get(exc.reason, "unreadable")
        raise HandoverTokenError(reason, str(exc)) from None
    if verified.claims.get("typ") != typ:
        raise HandoverTokenError(
            "not_a_pickup", f"token type {verified.claims.get('typ')!r}, need {typ!r}"
        )
    return verified.claims, verified.kid


def _identifier(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise _bad(name, value)
    return value


def _time(claims: Mapping[str, Any], name: str) -> datetime:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(name, value)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad(name, value) from None


def _bad(name: str, value: object) -> HandoverTokenError:
    return HandoverTokenError("not_a_pickup", f"claim {name} = {value!r:.60}")


def issue_pickup_token(
    case_id: str,
    office: str,
    expires: datetime,
    *,
    key: Any,
    kid: str,
    size: str = "",
    not_before: datetime | None = None,
) -> str:
    """Sign a pickup token as the central server would (tests, the demo, the simulator).

    Args:
        case_id: ``cid``.
        office: ``office``.
        expires: ``exp``.
        key: an ``Ed25519PrivateKey``.
        kid: the key id.
        size: optional ``size``.
        not_before: optional ``nbf``.
    """
    claims: dict[str, Any] = {
        "typ": PICKUP,
        "cid": case_id,
        "office": office,
        "exp": int(expires.timestamp()),
    }
    if size:
        claims["size"] = size
    if not_before is not None:
        claims["nbf"] = int(not_before.timestamp())
    return jws.sign(claims, key, kid)


def issue_staff_card(staff_id: str, office: str, expires: datetime, *, key: Any, kid: str) -> str:
    """Sign a staff card as the central server would (tests, the demo)."""
    claims = {"typ": STAFF, "sid": staff_id, "office": office, "exp": int(expires.timestamp())}
    return jws.sign(claims, key, kid)

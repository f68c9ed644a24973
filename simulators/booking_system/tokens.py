"""Booking and meeting tokens as the city's booking system issues them (compact JWS, EdDSA,
the DEMO-ONLY booking key by default), written into the booking book when one is given."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.booking_codes import make_booking_code
from kiosk.core.jws import sign
from simulators.booking_system.book import BookedEntry, BookingBook
from simulators.demo_keys import DEMO_KID, demo_private_key


def issue_meeting_token(
    office: str,
    host: str,
    host_name: str,
    slot: datetime,
    *,
    wait: Mapping[str, str] | None = None,
    service: str = "",
    booking_id: str | None = None,
    code: str | None = None,
    window: tuple[int, int] | None = None,
    expires: datetime | None = None,
    key: Ed25519PrivateKey | None = None,
    kid: str = DEMO_KID,
    book: BookingBook | None = None,
) -> str:
    """A signed ``meeting`` token: a resident's appointment with a named member of staff.

    Args:
        office: office code the meeting is at.
        host: the host's staff id (the server notifies this person on arrival).
        host_name: the host's name as the resident knows it.
        slot: the meeting's start (timezone-aware).
        wait: where to wait, per language (``{"ja": "2階 相談室前", "en": "..."}``).
        service: a service id when the meeting belongs to one ("" for none).
        booking_id: the booking id (a new random one by default).
        code: the short code printed under the QR (a new valid one by default).
        window: ``(before, after)`` minutes for the ``win`` claim.
        expires: ``exp`` (default: a day after the slot).
        key: the signing key (default: the DEMO-ONLY booking key).
        kid: the key id in the header.
        book: the booking book to record it in, when given.
    """
    if slot.tzinfo is None:
        raise ValueError("the slot needs a time zone")
    claims: dict[str, Any] = {
        "typ": "meeting",
        "bid": booking_id or f"mt-{secrets.token_hex(6)}",
        "office": office,
        "host": host,
        "hname": host_name,
        "slot": slot.isoformat(timespec="seconds"),
        "exp": int((expires or slot + timedelta(days=1)).timestamp()),
        "code": code or make_booking_code(secrets.randbelow(10**7)),
    }
    if service:
        claims["svc"] = service
    if wait:
        claims["wait"] = dict(wait)
    if window is not None:
        claims["win"] = {"before": window[0], "after": window[1]}
    if book is not None:
        book.add(
            BookedEntry(
                booking_id=claims["bid"],
                code=claims["code"],
                office=office,
                service=service,
                kind="meeting",
                slot=claims["slot"],
                host=host,
                host_name=host_name,
            )
        )
    return sign(claims, key or demo_private_key(), kid)


def issue_booking(
    office: str,
    service: str,
    slot: datetime,
    *,
    book: BookingBook | None,
    booking_id: str | None = None,
    code: str | None = None,
    **kwargs: Any,
) -> str:
    """A signed ``booking`` token (``simulators.central.signing.issue_booking_token``),
    recorded in ``book`` so that the server can name the service of its typed code."""
    from simulators.central.signing import issue_booking_token

    booking_id = booking_id or f"bk-{secrets.token_hex(6)}"
    code = code or make_booking_code(secrets.randbelow(10**7))
    token = issue_booking_token(office, service, slot, booking_id=booking_id, code=code, **kwargs)
    if book is not None:
        book.add(
            BookedEntry(
                booking_id=booking_id,
                code=code,
                office=office,
                service=service,
                kind=str(kwargs.get("typ", "booking")),
                slot=slot.isoformat(timespec="seconds"),
            )
        )
    return token

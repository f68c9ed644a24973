"""What the central server signs: commands, desired configurations and booking tokens
(compact JWS, EdDSA; DEMO-ONLY keys by default)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.booking_codes import make_booking_code
from kiosk.core.jws import sign
from kiosk.core.trust import KeyPurpose
from kiosk.uuid7 import uuid7
from simulators.central.records import SignedCommand
from simulators.demo_keys import DEMO_KID, demo_key, demo_private_key


class CommandOptions(TypedDict, total=False):
    """A command's lifetime, and what a test may set instead of the right value."""

    exp_s: float
    cmd_id: str | None
    ctr: int | None
    iat: float | None
    aud: str | None


class CommandSigner:
    """Signs commands with a counter per kiosk that only goes up.

    Args:
        key: the command signing key.
        kid: its key id.
    """

    def __init__(self, key: Ed25519PrivateKey, kid: str):
        self._key = key
        self._kid = kid
        self._ctr: dict[str, int] = {}

    def sign(
        self,
        kiosk: str,
        action: str,
        args: dict[str, Any] | None = None,
        *,
        exp_s: float = 60.0,
        cmd_id: str | None = None,
        ctr: int | None = None,
        iat: float | None = None,
        aud: str | None = None,
    ) -> SignedCommand:
        """A signed command for ``kiosk``; ``ctr`` defaults to the next counter for the
        kiosk (never below the current time in milliseconds, so a restarted server keeps
        going up)."""
        now = time.time() if iat is None else iat
        if ctr is None:
            ctr = max(self._ctr.get(kiosk, 0) + 1, time.time_ns() // 1_000_000)
        self._ctr[kiosk] = max(self._ctr.get(kiosk, 0), ctr)
        claims = {
            "cmd_id": cmd_id or uuid7(),
            "aud": kiosk if aud is None else aud,
            "action": action,
            "args": args or {},
            "iat": int(now),
            "exp": int(now + exp_s),
            "ctr": ctr,
        }
        token = sign(claims, self._key, self._kid)
        return SignedCommand(str(claims["cmd_id"]), ctr, token, exp_s)


def issue_booking_token(
    office: str,
    service: str,
    slot: datetime,
    *,
    booking_id: str | None = None,
    code: str | None = None,
    window: tuple[int, int] | None = None,
    expires: datetime | None = None,
    typ: str = "booking",
    key: Ed25519PrivateKey | None = None,
    kid: str = DEMO_KID,
) -> str:
    """A signed booking token (compact JWS, EdDSA) as the central server would issue it.

    Args:
        office: office code the booking is for.
        service: service id.
        slot: slot start (timezone-aware).
        booking_id: the booking id (a new random one by default).
        code: the short booking code printed under the QR (a new valid one by default).
        window: ``(before, after)`` minutes for the ``win`` claim; None leaves it to the
            kiosk's config.
        expires: ``exp`` (default: a day after the slot).
        typ: token type (``booking``; ``pickup`` for passport pick-up notices).
        key: the signing key (default: the DEMO-ONLY key of ``simulators.demo_keys``).
        kid: the key id in the header.
    """
    if slot.tzinfo is None:
        raise ValueError("the slot needs a time zone")
    claims: dict[str, Any] = {
        "typ": typ,
        "bid": booking_id or f"bk-{secrets.token_hex(6)}",
        "office": office,
        "svc": service,
        "slot": slot.isoformat(timespec="seconds"),
        "exp": int((expires or slot + timedelta(days=1)).timestamp()),
        "code": code or make_booking_code(secrets.randbelow(10**7)),
    }
    if window is not None:
        claims["win"] = {"before": window[0], "after": window[1]}
    return sign(claims, key or demo_private_key(), kid)


def sign_desired_config(
    kiosk: str,
    document: Mapping[str, Any],
    *,
    key: Ed25519PrivateKey | None = None,
    kid: str | None = None,
    lifetime_s: float = 86400.0,
    issued_at: float | None = None,
) -> str:
    """A signed desired configuration as the central server publishes it (compact JWS).

    Args:
        kiosk: the kiosk id, the ``aud``.
        document: ``{"version": N, <sections>...}``; the sections go into ``config``.
        key: the config signing key (default: the DEMO-ONLY config key).
        kid: its key id.
        lifetime_s: ``exp - iat``.
        issued_at: ``iat`` (default: now).
    """
    if key is None:
        kid, key = demo_key(KeyPurpose.CONFIG)
    iat = int(time.time() if issued_at is None else issued_at)
    sections = {k: v for k, v in document.items() if k != "version"}
    claims = {
        "aud": kiosk,
        "version": document.get("version"),
        "iat": iat,
        "exp": iat + int(lifetime_s),
        "config": sections,
    }
    return sign(claims, key, kid or "config")

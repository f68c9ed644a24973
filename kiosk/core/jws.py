"""Compact JWS (RFC 7515) with Ed25519, the one algorithm we accept (``alg: EdDSA``).

Booking and pickup QR codes and the server's commands are compact JWS signed by the central
server; the kiosk verifies them offline against the public keys in its config, chosen by the
``kid`` header (several keys for rotation). The algorithm is pinned: a token that says
``none``, ``HS256`` or anything but ``EdDSA`` is refused before any key is touched.

Every part is checked against the base64url alphabet before anything else is done with the
token (a non-ASCII character anywhere is ``malformed``, never a ``UnicodeError``), and the
header and claims are parsed by :mod:`kiosk.core.strict_json` (no NaN or Infinity, no
duplicate keys, a bounded depth). ``verify`` raises ``JwsError`` and nothing else.

Why our own and not PyJWT or joserfc (``python -m bench.jws_libraries``, issue 14): with
EdDSA pinned in each, both accept 4 of the 14 tokens our refusal tests require refused. Both
take a header or claims with a repeated key (``"off":"chuo","off":"shisui"``: the last wins,
another parser may take the first) and NaN in the claims (``json.loads``), which
tests/core/test_jws.py refuses as ``bad_header`` / ``bad_payload``; PyJWT also takes a token
with ``==`` after the signature (the same token under another text) and joserfc lets a
``RecursionError`` escape on claims nested 5,000 deep. Keeping them would mean keeping our
strict parse and alphabet check in front, i.e. this module, plus a dependency: PyJWT costs
113 ms of CPU and 22.7 MB at import (with ``jwt.algorithms``), joserfc 127 ms and 23.0 MB,
this module 21 ms and 11.7 MB (mostly ``cryptography``, which both load too); verifying a
token takes 160 / 157 / 117 µs. joserfc also warns that ``EdDSA`` is deprecated by RFC 9864
in favour of ``Ed25519``: when the server moves to it, this module accepts only the pinned one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.errors import KioskError

if TYPE_CHECKING:
    # NOTE: imported where a key is first used, not here: `cryptography` costs about 7 MB
    # and 10 ms, and the kiosk needs it only at its first signature check (issue 14).
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ALGORITHM = "EdDSA"
MAX_TOKEN_LENGTH = 4096  # a QR holds less; anything longer is garbage, refused before parsing


class JwsError(KioskError, ValueError):
    """Raised when a token is not a valid compact JWS signed by a trusted key.

    ``reason`` is a stable code: ``malformed``, ``bad_header``, ``alg_not_allowed``,
    ``unknown_key``, ``bad_signature``, ``bad_payload``, ``too_long``.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature checked out."""

    kid: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url without padding; anything else is ``JwsError('malformed')``."""
    if not _is_b64url(text):
        raise JwsError("malformed", "a JWS part is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwsError("malformed", "a JWS part is not base64url") from None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _is_b64url(text: str) -> bool:
    # NOTE: a length of 1 mod 4 is never valid base64 (6 bits cannot make a byte).
    return bool(text) and len(text) % 4 != 1 and all(c in _B64URL for c in text)


def public_key_bytes(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key written in base64url (as in config).

    Everything ``public_key_from_text`` checks, without loading ``cryptography``: its
    ``from_public_bytes`` takes any 32 bytes (the point is decoded only when verifying).

    Raises:
        JwsError: not 32 bytes of base64url.
    """
    raw = b64url_decode(text.strip())
    if len(raw) != 32:
        raise JwsError("bad_key", f"an Ed25519 public key is 32 bytes, got {len(raw)}")
    return raw


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from the 32 bytes ``public_key_bytes`` returned."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its raw 32 bytes in base64url (as written in config).

    Raises:
        JwsError: not 32 bytes of base64url.
    """
    return public_key_from_bytes(public_key_bytes(text))


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw public key in base64url, the form the config holds."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return b64url_encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign(claims: Mapping[str, Any], key: Ed25519PrivateKey, kid: str) -> str:
    """Sign ``claims`` as a compact JWS (the central server and its simulator do this)."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode())
        for part in (header, claims)
    )
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def verify(
    token: str, keys: Mapping[str, Ed25519PublicKey], *, max_length: int = MAX_TOKEN_LENGTH
) -> VerifiedToken:
    """Check a compact JWS against the trusted keys and return its header and claims.

    Args:
        token: the text read from a QR code or an MQTT payload.
        keys: trusted public keys by ``kid``.
        max_length: longer tokens are refused before parsing (a QR's size by default; a
            desired config may be longer).

    Raises:
        JwsError: with a ``reason`` saying what is wrong; never any other exception.
    """
    if len(token) > max_length:
        raise JwsError("too_long", f"token of {len(token)} characters, more than {max_length}")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwsError("malformed", f"a compact JWS has 3 parts, this has {len(parts)}")
    # NOTE: all three parts first: the signing input is encoded as ASCII, and a non-ASCII
    # payload used to escape as UnicodeEncodeError (issue 10, item 9).
    for part in parts:
        if not _B64URL.issuperset(part):
            raise JwsError("malformed", "a JWS part is not base64url")
    header = _json_object(b64url_decode(parts[0]), "bad_header", "header")
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise JwsError("alg_not_allowed", f"algorithm {alg!r} is not accepted (only EdDSA)")
    if "crit" in header:
        raise JwsError("bad_header", "critical header extensions are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwsError("bad_header", "the header has no key id (kid)")
    key = keys.get(kid)
    if key is None:
        raise JwsError("unknown_key", f"key id {kid!r} is not trusted here")
    signature = b64url_decode(parts[2])
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        raise JwsError("bad_signature", f"signature does not match key {kid!r}") from None
    claims = _json_object(b64url_decode(parts[1]), "bad_payload", "payload")
    return VerifiedToken(kid=kid, header=header, claims=claims)


def _json_object(raw: bytes, reason: str, what: str) -> dict[str, Any]:
    try:
        value = strict_loads(raw)
    except StrictJsonError as exc:
        raise JwsError(reason, f"the {what} is not strict JSON ({exc.reason}): {exc}") from None
    if not isinstance(value, dict):
        raise JwsError(reason, f"the {what} is not a JSON object")
    return value

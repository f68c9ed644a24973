"""PIN verifiers: the salted scrypt hash of a pickup PIN that comes with a case's assignment.

The kiosk never sees a PIN in clear except while the citizen types it. The central server
sends, with each case, a *verifier* string::

    scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>

where ``hash = scrypt(password=pin.encode("ascii"), salt=salt, n=2**log2N, r=r, p=p,
dklen=32)`` and ``pin`` is the PIN as ASCII digits (full-width digits typed on a Japanese
keyboard are folded to ASCII first). The salt is 16 random bytes per case.

The default cost is ``log2 N = 17, r = 8, p = 1`` (128 MiB per check). A 4-digit PIN has only
10,000 values, so the cost of one guess is all that protects a verifier copied off a kiosk:
the earlier default (``log2 N = 14``) took ~23 ms a guess on one server core, the whole
4-digit space ~4 minutes. ``bench/pin_verifier.py`` measures both on one machine: the new
cost is ~11x the old one, ~0.27 s a guess on a 2-core AMD EPYC server core; a Raspberry Pi 4
is not faster per core than that at this memory-bound work (ratio >= 1; the bench states the
ratio it assumes), so >= 0.25 s a guess there too. The kiosk checks PINs on the hand-over's
worker thread, never the Qt main thread.

A verifier may choose a cost within :data:`COST_LIMITS` (a verifier from the server cannot
make the kiosk spend minutes or gigabytes on one PIN). Older verifiers with the earlier,
cheaper cost still verify. They are not re-hashed on use: a case's verifier is used once
(the case is then collected), and staff verifiers live in the config file, which the kiosk
does not write; :attr:`PinVerifier.weaker_than_default` lets the kiosk log them instead.

The same format is used for staff PINs (``[handover] staff_pins``; ``kiosk pin-verifier``
makes one).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import unicodedata
from dataclasses import dataclass

from kiosk.core.jws import JwsError, b64url_decode, b64url_encode
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

SCHEME = "scrypt"
HASH_BYTES = 32
SALT_BYTES = 16
DEFAULT_LOG2N = 17
LEGACY_LOG2N = 14
"""The default before issue 10 (4x less memory, ~10x faster to guess): still verified."""
DEFAULT_R = 8
DEFAULT_P = 1
COST_LIMITS = {"log2n": (10, 17), "r": (1, 16), "p": (1, 4)}
"""Inclusive bounds of the cost parameters a verifier may name."""
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12


class PinVerifierError(KioskError, ValueError):
    """Raised when a PIN verifier string is malformed or names a cost outside the limits."""


@dataclass(frozen=True)
class PinVerifier:
    """A parsed verifier.

    Attributes:
        log2n: scrypt's CPU/memory cost as a power of two.
        r: scrypt block size.
        p: scrypt parallelism.
        salt: the per-case salt.
        digest: the expected scrypt output.
    """

    log2n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> PinVerifier:
        """Parse ``scrypt$log2N$r$p$salt$hash``.

        Raises:
            PinVerifierError: not that format, or a cost outside :data:`COST_LIMITS`.
        """
        parts = text.split("$")
        if len(parts) != 6 or parts[0] != SCHEME:
            raise PinVerifierError(f"PIN verifier is not scrypt$log2N$r$p$salt$hash: {text:.20}")
        try:
            log2n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, digest = b64url_decode(parts[4]), b64url_decode(parts[5])
        except (ValueError, JwsError) as exc:
            raise PinVerifierError(f"PIN verifier has a bad field: {exc}") from None
        for name, value in (("log2n", log2n), ("r", r), ("p", p)):
            low, high = COST_LIMITS[name]
            if not low <= value <= high:
                raise PinVerifierError(f"PIN verifier {name} = {value} outside {low}..{high}")
        if len(salt) < 8 or len(digest) != HASH_BYTES:
            raise PinVerifierError(
                f"PIN verifier salt of {len(salt)} bytes or hash of {len(digest)} bytes"
            )
        return cls(log2n, r, p, salt, digest)

    def matches(self, pin: str) -> bool:
        """True when ``pin`` hashes to the digest (constant-time comparison)."""
        normalized = normalize_pin(pin)
        if normalized is None:
            return False
        return hmac.compare_digest(
            _scrypt(normalized, self.salt, self.log2n, self.r, self.p), self.digest
        )

    @property
    def weaker_than_default(self) -> bool:
        """True when this verifier costs less per guess than the default parameters."""
        return (1 << self.log2n) * self.r * self.p < (1 << DEFAULT_LOG2N) * DEFAULT_R * DEFAULT_P

    def text(self) -> str:
        """The verifier in its string form."""
        return (
            f"{SCHEME}${self.log2n}${self.r}${self.p}$"
            f"{b64url_encode(self.salt)}${b64url_encode(self.digest)}"
        )


def normalize_pin(pin: str) -> str | None:
    """The PIN as ASCII digits, or None when it is not 4-12 digits (after NFKC folding)."""
    folded = unicodedata.normalize("NFKC", pin).strip()
    if not (MIN_PIN_LENGTH <= len(folded) <= MAX_PIN_LENGTH) or not all(
        "0" <= c <= "9" for c in folded
    ):
        return None
    return folded


def make_pin_verifier(
    pin: str,
    *,
    log2n: int = DEFAULT_LOG2N,
    r: int = DEFAULT_R,
    p: int = DEFAULT_P,
    salt: bytes | None = None,
) -> str:
    """The verifier string for ``pin`` (what the central server, or its simulator, sends).

    Raises:
        PinVerifierError: ``pin`` is not 4-12 digits, or the cost is outside the limits.
    """
    normalized = normalize_pin(pin)
    if normalized is None:
        raise PinVerifierError("a PIN is 4 to 12 digits")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    text = (
        f"{SCHEME}${log2n}${r}${p}${b64url_encode(salt)}$"
        f"{b64url_encode(_scrypt(normalized, salt, log2n, r, p))}"
    )
    PinVerifier.parse(text)  # the same limits the kiosk applies
    return text


def _scrypt(pin: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    n = 1 << log2n
    return hashlib.scrypt(
        pin.encode("ascii"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r * p + 1024 * 1024,
        dklen=HASH_BYTES,
    )

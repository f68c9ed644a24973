"""Which public keys the kiosk trusts, for which purpose (DESIGN §4, §5; docs/security.md).

Every signature the kiosk checks is made by the central server with a key of ONE purpose:

==========  ========================================================================
purpose     what its keys sign
==========  ========================================================================
booking     booking QR codes at the entrance scanner
pickup      passport pickup QR codes (the notice a citizen brings)
staff       staff cards (staff signing in at the locker)
commands    MQTT commands on ``kiosk/v1/{id}/cmd``
config      the desired configuration on ``kiosk/v1/{id}/config/desired``
==========  ========================================================================

A key belongs to one purpose only: the config refuses the same public key under two
purposes, so a leaked booking key can never sign a staff card, a command or a config.

Rotation per purpose: a list may hold several keys. A key written as
``{ key = "…", until = "2027-01-31T00:00:00+09:00" }`` is retiring: it is trusted until
that time and not after, which gives the overlap window in which codes signed with the
old key still work while the server already signs with the new one.

The demo keys (``simulators/demo_keys.py``) are public: their public halves are listed
here so that any configuration but ``kiosk demo``'s refuses them by value.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.core import jws
from kiosk.devices.health import Health, HealthState

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from kiosk.config import TrustConfig

log = logging.getLogger(__name__)


class KeyPurpose(enum.StrEnum):
    """What a trusted key may sign (one purpose per key)."""

    BOOKING = "booking"
    PICKUP = "pickup"
    STAFF = "staff"
    COMMANDS = "commands"
    CONFIG = "config"


DEMO_PUBLIC_KEYS: Mapping[str, KeyPurpose] = {
    "BeWsef8ty6yR95pMa-gAxcipGZXvulR-o6tfnI_Iswg": KeyPurpose.BOOKING,
    "HG-G4el4g8FvWSskUe09WO51W1HQF8qen_Vv7OMtalw": KeyPurpose.PICKUP,
    "hIDk1mYojDeKIAGHPsqKZ2dFmJtk06-rdOXZFgCF688": KeyPurpose.STAFF,
    "H8whap4enelVmqmOHiQbbBAlJYqUWtG8ceg7fDnydBk": KeyPurpose.COMMANDS,
    "dx7qLvRi-SabxCG-URW3_SjMt3oiBfOAhy87kxEMNkQ": KeyPurpose.CONFIG,
}
"""The public halves of the DEMO-ONLY keys, whose private halves are in the source.

NOTE: refused by value everywhere but ``kiosk demo``: a production config that lists one
(copied from the demo, say) would let anyone who reads this repository open a locker.
A test checks that these equal the keys ``simulators.demo_keys`` signs with.
"""


class TrustError(jws.JwsError):
    """Raised when a key list cannot be trusted: a bad key, a demo key, a shared key."""


@dataclass(frozen=True)
class TrustedKey:
    """One trusted public key.

    Attributes:
        kid: the key id the server puts in the JWS header.
        key: the raw 32-byte Ed25519 public key in base64url.
        until: a retiring key is trusted until this time (None: no end).
    """

    kid: str
    key: str
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        """True while the key may be used."""
        return self.until is None or now < self.until


def is_demo_key(key_text: str) -> bool:
    """True for the public half of one of the public DEMO keys."""
    return key_text.strip() in DEMO_PUBLIC_KEYS


def check_key(key: TrustedKey, purpose: KeyPurpose, *, allow_demo: bool) -> bytes:
    """Parse one key and refuse a demo key outside the demo; return its raw 32 bytes.

    NOTE: ``cryptography`` is not loaded here (about 7 MB and 10 ms at every start, and
    ``kiosk config check``): its ``Ed25519PublicKey.from_public_bytes`` takes any 32 bytes,
    so a length-checked base64url key is refused or accepted exactly as it would refuse or
    accept it. The key object is made at the first signature check (``TrustList.keys``).

    Raises:
        TrustError: not a 32-byte Ed25519 key in base64url, or a demo key.
    """
    if not allow_demo and is_demo_key(key.key):
        raise TrustError(
            "demo_key",
            f"{purpose} key {key.kid!r} is a public DEMO key (simulators/demo_keys.py): "
            "anyone can sign with it; it is accepted only by `kiosk demo`",
        )
    try:
        return jws.public_key_bytes(key.key)
    except jws.JwsError as exc:
        raise TrustError("bad_key", f"{purpose} key {key.kid!r}: {exc}") from None


def check_one_purpose(lists: Mapping[KeyPurpose, Mapping[str, TrustedKey]]) -> None:
    """Refuse a public key listed under two purposes.

    Raises:
        TrustError: naming both purposes.
    """
    seen: dict[str, tuple[KeyPurpose, str]] = {}
    for purpose, keys in lists.items():
        for key in keys.values():
            text = key.key.strip()
            other = seen.get(text)
            if other is not None and other[0] is not purpose:
                raise TrustError(
                    "shared_key",
                    f"the same public key is listed as {other[0]} key {other[1]!r} and as "
                    f"{purpose} key {key.kid!r}; each key has one purpose",
                )
            seen[text] = (purpose, key.kid)


class TrustList:
    """The public keys one purpose's signatures are checked against, by ``kid``.

    Thread-safe; ``replace`` swaps the whole list at once (rotation, desired config).

    Args:
        keys: ``kid`` -> key, as ``TrustedKey`` or as the bare base64url text.
        purpose: what these keys sign (named in messages and logs).
        issued: when the server issued the list (None: unknown, never fresh).
        max_age: a list older than this is stale (degraded health).
        allow_demo: accept the public DEMO keys (``kiosk demo`` and tests only).

    Raises:
        TrustError: a key is malformed, or a demo key while ``allow_demo`` is False.
    """

    def __init__(
        self,
        keys: Mapping[str, str | TrustedKey],
        *,
        purpose: KeyPurpose = KeyPurpose.BOOKING,
        issued: datetime | None = None,
        max_age: timedelta = timedelta(days=30),
        allow_demo: bool = False,
    ):
        self.purpose = purpose
        self._allow_demo = allow_demo
        self._lock = threading.Lock()
        self._max_age = max_age
        self._keys: dict[str, tuple[TrustedKey, bytes]] = {}
        self._public: dict[bytes, Ed25519PublicKey] = {}  # made at the first check
        self._issued: datetime | None = None
        self.replace(keys, issued=issued)

    def replace(
        self, keys: Mapping[str, str | TrustedKey], *, issued: datetime | None = None
    ) -> None:
        """Swap in a new key set at once; every key is checked first (a bad one changes nothing).

        Raises:
            TrustError: a key is malformed, or a demo key outside the demo.
        """
        parsed: dict[str, tuple[TrustedKey, bytes]] = {}
        for kid, value in keys.items():
            key = value if isinstance(value, TrustedKey) else TrustedKey(str(kid), value)
            parsed[str(kid)] = (key, check_key(key, self.purpose, allow_demo=self._allow_demo))
        in_use = {raw for _, raw in parsed.values()}
        with self._lock:
            self._keys = parsed
            self._public = {raw: key for raw, key in self._public.items() if raw in in_use}
            self._issued = issued
        log.info("%s keys: %s (issued %s)", self.purpose, sorted(parsed) or "none", issued)

    @property
    def kids(self) -> list[str]:
        """Every key id in the list, retiring ones included."""
        with self._lock:
            return sorted(self._keys)

    def keys(self, now: datetime | None = None) -> dict[str, Ed25519PublicKey]:
        """The keys that may verify a signature now (retired keys left out)."""
        at = now or datetime.now(UTC)
        with self._lock:
            return {
                kid: self._public_key(raw)
                for kid, (key, raw) in self._keys.items()
                if key.active(at)
            }

    def _public_key(self, raw: bytes) -> Ed25519PublicKey:
        """The key object of ``raw``, made once (``cryptography`` loads here). Lock held."""
        public = self._public.get(raw)
        if public is None:
            public = self._public[raw] = jws.public_key_from_bytes(raw)
        return public

    def health(self, now: datetime) -> Health:
        """``ok``; ``degraded`` when no key is active, of unknown age or older than the limit."""
        with self._lock:
            active = sum(1 for key, _ in self._keys.values() if key.active(now))
            issued = self._issued
        if active == 0:
            return Health(HealthState.DEGRADED, "no_trusted_keys", f"no {self.purpose} keys")
        if issued is None:
            return Health(HealthState.DEGRADED, "trust_list_age_unknown", "no issue time")
        age = now - issued
        if age > self._max_age:
            return Health(
                HealthState.DEGRADED,
                "trust_list_stale",
                f"key list issued {issued.isoformat()}, {age.days} days ago "
                f"(limit {self._max_age.days})",
            )
        return Health(HealthState.OK)


def trust_list(config: TrustConfig, purpose: KeyPurpose, *, allow_demo: bool) -> TrustList:
    """The ``[trust]`` list of one purpose.

    Raises:
        TrustError: a key cannot be trusted (checked by the config already).
    """
    return TrustList(
        config.keys(purpose),
        purpose=purpose,
        issued=config.issued,
        max_age=timedelta(days=config.max_age_days),
        allow_demo=allow_demo,
    )


class TrustLists:
    """One ``TrustList`` per purpose, built from ``[trust]`` and rotated together.

    The services hold the lists of their purpose (check-in the booking list, the hand-over
    the pickup and staff lists, the command processor the command list, the desired config
    the config list); a signed desired config rotates them all through ``replace``.

    Raises:
        TrustError: a key cannot be trusted.
    """

    def __init__(self, config: TrustConfig, *, allow_demo: bool):
        self._allow_demo = allow_demo
        self._lists = {p: trust_list(config, p, allow_demo=allow_demo) for p in KeyPurpose}

    def __getitem__(self, purpose: KeyPurpose) -> TrustList:
        return self._lists[purpose]

    def replace(self, config: TrustConfig) -> None:
        """Rotate every list to ``config``'s keys; all are checked before any changes.

        Raises:
            TrustError: a key cannot be trusted; no list changed.
        """
        TrustLists(config, allow_demo=self._allow_demo)  # checks every key first
        for purpose, current in self._lists.items():
            current.replace(config.keys(purpose), issued=config.issued)


__all__ = [
    "DEMO_PUBLIC_KEYS",
    "KeyPurpose",
    "TrustError",
    "TrustList",
    "TrustLists",
    "TrustedKey",
    "check_key",
    "check_one_purpose",
    "is_demo_key",
    "trust_list",
]

"""The demo's signing keys, one per purpose: DEMO ONLY, NEVER FOR PRODUCTION.

These Ed25519 private keys are public (they are in the source): anyone can sign booking
codes, pickup notices, staff cards, commands and desired configs with them. ``kiosk demo``
trusts them so ``kiosk token``, the demo panel and the central-server simulator can issue
what the demo kiosk accepts. Every other configuration refuses their public halves by value
(``kiosk.core.trust.DEMO_PUBLIC_KEYS``; a test keeps both files in step).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.jws import b64url_decode, public_key_text
from kiosk.core.trust import KeyPurpose

DEMO_KID = "demo-1"
DEMO_PRIVATE_KEY = "xEuEX1XooQZz4zx5_XuuPyCwBmzkUD3jnWcFXNbkpgk"  # DEMO ONLY: raw 32-byte seed
DEMO_PUBLIC_KEY = "BeWsef8ty6yR95pMa-gAxcipGZXvulR-o6tfnI_Iswg"  # its public key, base64url

DEMO_COMMAND_KID = "demo-cmd-1"
DEMO_COMMAND_PRIVATE_KEY = "3FG3WMHjCPARIbxn0vcmnFpy7VBiyskux87LQXkVL2M"  # DEMO ONLY: raw seed
DEMO_COMMAND_PUBLIC_KEY = "H8whap4enelVmqmOHiQbbBAlJYqUWtG8ceg7fDnydBk"  # its public key

DEMO_KEYS: dict[KeyPurpose, tuple[str, str]] = {
    KeyPurpose.BOOKING: (DEMO_KID, DEMO_PRIVATE_KEY),
    KeyPurpose.PICKUP: ("demo-pickup-1", "RtEPcwkjYNvnUp225uQu5hvYTc73c4VTsCUN6ipHCCY"),
    KeyPurpose.STAFF: ("demo-staff-1", "2eZS7foAEacUw-EHnamzDHXCNQfEneah0xQCYup5HEU"),
    KeyPurpose.COMMANDS: (DEMO_COMMAND_KID, DEMO_COMMAND_PRIVATE_KEY),
    KeyPurpose.CONFIG: ("demo-config-1", "IfYxLYL7vtUKkQLxK14qmfQTahSwxsMdVjiYclxHOPY"),
}
"""purpose -> (kid, raw 32-byte seed in base64url). DEMO ONLY."""


def demo_key(purpose: KeyPurpose) -> tuple[str, Ed25519PrivateKey]:
    """``(kid, private key)`` of the demo key of one purpose (DEMO ONLY)."""
    kid, seed = DEMO_KEYS[purpose]
    return kid, Ed25519PrivateKey.from_private_bytes(b64url_decode(seed))


def demo_private_key() -> Ed25519PrivateKey:
    """The demo booking-token signing key (DEMO ONLY)."""
    return demo_key(KeyPurpose.BOOKING)[1]


def demo_command_private_key() -> Ed25519PrivateKey:
    """The demo server's command signing key (DEMO ONLY)."""
    return demo_key(KeyPurpose.COMMANDS)[1]


def demo_public_keys(purpose: KeyPurpose) -> dict[str, str]:
    """``{kid: public key}`` of one purpose, as a ``[trust.<purpose>]`` table holds it."""
    kid, key = demo_key(purpose)
    return {kid: public_key_text(key.public_key())}


def demo_trusted_keys() -> dict[str, str]:
    """The demo booking keys (``[trust.booking]``)."""
    return demo_public_keys(KeyPurpose.BOOKING)


def demo_command_keys() -> dict[str, str]:
    """The demo command keys (``[trust.commands]``)."""
    return demo_public_keys(KeyPurpose.COMMANDS)


def demo_trust_table(issued: str) -> dict[str, Any]:
    """The whole ``[trust]`` table of the demo config: every purpose's demo key.

    Args:
        issued: RFC 3339 time the lists count as issued (the demo passes "now").
    """
    table: dict[str, Any] = {p.value: demo_public_keys(p) for p in KeyPurpose}
    table["issued"] = issued
    return table

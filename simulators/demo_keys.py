"""The demo's booking-token signing key: DEMO ONLY, NEVER FOR PRODUCTION.

This Ed25519 private key is public (it is in the source): anyone can sign booking tokens
with it. ``kiosk demo`` trusts it (kid ``demo-1``) so ``kiosk token`` and the central-server
simulator can issue QR codes the demo kiosk accepts. A real kiosk's config must never list
``DEMO_PUBLIC_KEY`` in ``[checkin] trusted_keys``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.jws import b64url_decode, public_key_text

DEMO_KID = "demo-1"
DEMO_PRIVATE_KEY = "xEuEX1XooQZz4zx5_XuuPyCwBmzkUD3jnWcFXNbkpgk"  # DEMO ONLY: raw 32-byte seed
DEMO_PUBLIC_KEY = "BeWsef8ty6yR95pMa-gAxcipGZXvulR-o6tfnI_Iswg"  # its public key, base64url


def demo_private_key() -> Ed25519PrivateKey:
    """The demo signing key (DEMO ONLY)."""
    return Ed25519PrivateKey.from_private_bytes(b64url_decode(DEMO_PRIVATE_KEY))


def demo_trusted_keys() -> dict[str, str]:
    """``{kid: public key}`` as ``[checkin] trusted_keys`` of the demo config holds it."""
    return {DEMO_KID: public_key_text(demo_private_key().public_key())}


# ---- the demo server's COMMAND signing key (DEMO ONLY, NEVER FOR PRODUCTION) -------------
# The central-server simulator signs MQTT commands with it; ``kiosk demo`` lists its public
# key in ``[mqtt.command_keys]``. A real kiosk's config must never trust it: anyone who
# reads this file could command such a kiosk.

DEMO_COMMAND_KID = "demo-cmd-1"
DEMO_COMMAND_PRIVATE_KEY = "3FG3WMHjCPARIbxn0vcmnFpy7VBiyskux87LQXkVL2M"  # DEMO ONLY: raw seed
DEMO_COMMAND_PUBLIC_KEY = "H8whap4enelVmqmOHiQbbBAlJYqUWtG8ceg7fDnydBk"  # its public key


def demo_command_private_key() -> Ed25519PrivateKey:
    """The demo server's command signing key (DEMO ONLY)."""
    return Ed25519PrivateKey.from_private_bytes(b64url_decode(DEMO_COMMAND_PRIVATE_KEY))


def demo_command_keys() -> dict[str, str]:
    """``{kid: public key}`` as ``[mqtt.command_keys]`` of the demo config holds it."""
    return {DEMO_COMMAND_KID: public_key_text(demo_command_private_key().public_key())}

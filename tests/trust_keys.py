"""Signing keys of the tests, one per purpose (not the demo keys: tests run production configs).

Derived from fixed seeds so a failing test names the same kid and key every run.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.jws import public_key_text
from kiosk.core.trust import KeyPurpose


def signing_key(purpose: KeyPurpose, generation: int = 1) -> tuple[str, Ed25519PrivateKey]:
    """``(kid, private key)`` of the tests' key for ``purpose`` (``generation`` for rotations)."""
    seed = hashlib.sha256(f"kiosk-tests/{purpose}/{generation}".encode()).digest()
    return f"test-{purpose}-{generation}", Ed25519PrivateKey.from_private_bytes(seed)


def public_entry(purpose: KeyPurpose, generation: int = 1) -> dict[str, str]:
    """``{kid: public key}`` as a ``[trust.<purpose>]`` table holds it."""
    kid, key = signing_key(purpose, generation)
    return {kid: public_key_text(key.public_key())}


def trust_table(*purposes: KeyPurpose, issued: str = "") -> dict[str, Any]:
    """A ``[trust]`` table with the tests' key of each purpose (all purposes by default)."""
    table: dict[str, Any] = {p.value: public_entry(p) for p in (purposes or tuple(KeyPurpose))}
    if issued:
        table["issued"] = issued
    return table


def central_keys() -> dict[str, Any]:
    """``CentralSimulator`` keyword arguments: sign commands and configs with the tests' keys."""
    command_kid, command_key = signing_key(KeyPurpose.COMMANDS)
    config_kid, config_key = signing_key(KeyPurpose.CONFIG)
    return {
        "command_key": command_key,
        "command_kid": command_kid,
        "config_key": config_key,
        "config_kid": config_kid,
    }

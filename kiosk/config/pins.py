"""PIN verifier tables (``[handover] staff_pins``, ``[diagnostics] technician_pins``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kiosk.config.schema import Table

HOW = "make one with `kiosk pin-verifier` and put that here"


def pin_verifiers(table: Table, name: str, value: object, who: str) -> dict[str, str]:
    """Number -> PIN verifier (``scrypt$…``); a PIN in clear is refused and never echoed.

    Raises:
        ConfigError: not a table, a number that is not 1-10 digits, a PIN in clear or a text
            that is not a verifier.
    """
    from kiosk.core.handover.pins import PinVerifier, PinVerifierError, normalize_pin

    if not isinstance(value, Mapping):
        table.fail(name, value, 'must be a table like { "1024" = "scrypt$…" }')
    pins: dict[str, str] = {}
    for number, verifier in value.items():
        key = f"{name}.{number}"
        if not re.fullmatch(r"[0-9]{1,10}", str(number)):
            table.fail(key, "…", f"a {who} number is 1 to 10 digits (the keypad has digits)")
        if not isinstance(verifier, str):
            table.fail(key, "…", f"must be a PIN verifier text: {HOW}")
        if normalize_pin(verifier) is not None:
            # NOTE: the value is never echoed: it is somebody's PIN.
            table.fail(key, "…", f"is a PIN in clear; never write a PIN here: {HOW}")
        try:
            PinVerifier.parse(verifier)
        except PinVerifierError as exc:
            # NOTE: the parser's message quotes the text; only when it looks like a verifier.
            why = f" ({exc})" if verifier.startswith("scrypt$") else ""
            table.fail(key, "…", f"is not a PIN verifier{why}: {HOW}")
        pins[str(number)] = verifier
    return pins

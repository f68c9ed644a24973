"""Passport hand-over through the locker: staff loading, citizen pickup, restart settlement.

The app builds one :class:`HandoverService` and calls :meth:`HandoverService.recover` once
at start, before any journey. See :mod:`.machine` for the states, :mod:`.recovery` for the
restart table, :mod:`.tokens` and :mod:`.pins` for the pickup token and the PIN verifier;
:mod:`.service` puts together :mod:`.engine`, :mod:`.loading`, :mod:`.pickup` and
:mod:`.desk`.

The names below are loaded on first use (PEP 562): a screen that only needs the states
(:mod:`.machine`) does not load the journal, the tokens and the scrypt verifier at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.core.handover.intake import IntakeSlot
    from kiosk.core.handover.journal import HandoverJournal
    from kiosk.core.handover.machine import HandoverRecord, HandoverState, Kind, OutcomeCode
    from kiosk.core.handover.pins import PinVerifier, PinVerifierError, make_pin_verifier
    from kiosk.core.handover.recovery import Settlement
    from kiosk.core.handover.service import HandoverOutcome, HandoverService
    from kiosk.core.handover.settings import HandoverSettings, ReturnMode
    from kiosk.core.handover.tokens import (
        HandoverTokenError,
        PickupToken,
        StaffCard,
        issue_pickup_token,
        issue_staff_card,
        read_pickup_token,
        read_staff_card,
    )

_WHERE = {
    "IntakeSlot": "intake",
    "HandoverJournal": "journal",
    "HandoverRecord": "machine",
    "HandoverState": "machine",
    "Kind": "machine",
    "OutcomeCode": "machine",
    "PinVerifier": "pins",
    "PinVerifierError": "pins",
    "make_pin_verifier": "pins",
    "Settlement": "recovery",
    "HandoverOutcome": "service",
    "HandoverService": "service",
    "HandoverSettings": "settings",
    "ReturnMode": "settings",
    "HandoverTokenError": "tokens",
    "PickupToken": "tokens",
    "StaffCard": "tokens",
    "issue_pickup_token": "tokens",
    "issue_staff_card": "tokens",
    "read_pickup_token": "tokens",
    "read_staff_card": "tokens",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "HandoverJournal",
    "HandoverOutcome",
    "HandoverRecord",
    "HandoverService",
    "HandoverSettings",
    "HandoverState",
    "HandoverTokenError",
    "IntakeSlot",
    "Kind",
    "OutcomeCode",
    "PickupToken",
    "PinVerifier",
    "PinVerifierError",
    "ReturnMode",
    "Settlement",
    "StaffCard",
    "issue_pickup_token",
    "issue_staff_card",
    "make_pin_verifier",
    "read_pickup_token",
    "read_staff_card",
]

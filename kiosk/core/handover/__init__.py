"""Passport hand-over through the locker: staff loading, citizen pickup, restart settlement.

The app builds one :class:`HandoverService` and calls :meth:`HandoverService.recover` once
at start, before any journey. See :mod:`.machine` for the states, :mod:`.recovery` for the
restart table, :mod:`.tokens` and :mod:`.pins` for the pickup token and the PIN verifier.
"""

from __future__ import annotations

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

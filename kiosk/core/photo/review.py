"""Staff review of an ID photo (issue 12): what staff signed in at the kiosk may approve.

The Ministry allows a head covering worn for religious or medical reasons on application. The
booth cannot judge that: the rule is *person-checked* (``person_checked`` in the rule set,
every ``review`` rule by default). A photo whose only problems are on person-checked rules
(failed, or left for a person to decide) can be approved by a staff member who signs in at the
kiosk with their staff card or number and PIN (the hand-over's staff sign-in, through the core:
:class:`StaffVerifier`), with a reason chosen from :data:`REVIEW_REASONS`. A photo that fails or
could not measure any machine-checked rule can never be approved: the approval is refused here
and again when the photo is stored (:meth:`~kiosk.core.photo.session.PhotoBoothService.accept`).

The approval is stored with the photo in one transaction (table ``photo_approval``) and
reported as a ``photo.approved`` event: the staff id, how they signed in, the reason, the rules
waived and the time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.checks import PhotoReport, VerdictStatus
from kiosk.errors import KioskError


class ReviewReason(enum.StrEnum):
    """Why staff approved a photo (shown as ``photo.review.reason.<value>``)."""

    RELIGIOUS = "religious"  # a head covering worn for religious reasons
    MEDICAL = "medical"  # a head covering (or dressing) worn for medical reasons


REVIEW_REASONS: tuple[ReviewReason, ...] = tuple(ReviewReason)
"""The reasons staff choose from, in the order the screen lists them."""


class StaffApprovalRefusedError(KioskError, ValueError):
    """Raised when a staff approval cannot cover a photo: a machine-checked rule failed, no
    person-checked rule is left to approve, the staff member is not signed in, or the reason
    is not one of :data:`REVIEW_REASONS`."""

    def __init__(self, why: str, detail: str = "") -> None:
        self.why = why
        super().__init__(f"staff approval refused: {why}{f' ({detail})' if detail else ''}")


class StaffVerifier(Protocol):
    """The staff sign-in (``HandoverService`` fits: the same cards, PINs and PIN budget)."""

    @property
    def accepts_staff_pins(self) -> bool:
        """True when staff may sign in by number and PIN (else with their card only)."""
        ...

    def verify_staff_card(self, text: str) -> StaffSignIn:
        """Check a scanned staff card."""
        ...

    def verify_staff_pin(self, staff_id: str, pin: str) -> StaffSignIn:
        """Check a staff number and PIN (wrong PINs count against the staff keypad's budget)."""
        ...


@dataclass(frozen=True)
class StaffApproval:
    """A staff member's approval of one checked photo.

    Attributes:
        staff_id: who approved.
        signed_in_by: ``card`` or ``pin``.
        reason: why (one of :data:`REVIEW_REASONS`).
        rules_waived: the person-checked rules the photo did not pass, in rule-set order.
        approved_at: when.
    """

    staff_id: str
    signed_in_by: str
    reason: ReviewReason
    rules_waived: tuple[str, ...]
    approved_at: datetime


def machine_problems(report: PhotoReport) -> tuple[str, ...]:
    """Machine-checked rules that failed or could not be measured (these are never waived)."""
    return tuple(v.rule.name for v in report.failed if not v.rule.person_checked)


def waivable_rules(report: PhotoReport) -> tuple[str, ...]:
    """Person-checked rules the photo did not pass (failed, unmeasured or left for a person)."""
    return tuple(
        v.rule.name
        for v in report.verdicts
        if v.rule.person_checked and v.status is not VerdictStatus.PASS
    )


def approve(
    report: PhotoReport | None, sign_in: StaffSignIn, reason: str, now: datetime
) -> StaffApproval:
    """The approval of a photo with ``report`` by the signed-in staff member, for ``reason``.

    Raises:
        StaffApprovalRefusedError: ``not_checked`` (no report: no face, not cropped),
            ``machine_rule_failed``, ``nothing_to_approve``, ``not_signed_in`` or
            ``unknown_reason``.
    """
    if report is None:
        raise StaffApprovalRefusedError("not_checked")
    machine = machine_problems(report)
    if machine:
        raise StaffApprovalRefusedError("machine_rule_failed", ", ".join(machine))
    waived = waivable_rules(report)
    if not waived:
        raise StaffApprovalRefusedError("nothing_to_approve")
    if not sign_in.ok or not sign_in.staff_id:
        raise StaffApprovalRefusedError("not_signed_in", sign_in.staff_id)
    try:
        why = ReviewReason(reason)
    except ValueError:
        raise StaffApprovalRefusedError("unknown_reason", reason) from None
    return StaffApproval(sign_in.staff_id, sign_in.how, why, waived, now)


__all__ = [
    "REVIEW_REASONS",
    "ReviewReason",
    "StaffApproval",
    "StaffApprovalRefusedError",
    "StaffVerifier",
    "approve",
    "machine_problems",
    "waivable_rules",
]

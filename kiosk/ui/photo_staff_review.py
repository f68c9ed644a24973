"""The photo's staff review on screen (issue 12): a staff member signs in and approves.

A photo whose only problems are person-checked rules (a head covering worn for religious or
medical reasons) offers "Staff approval" on the result screen. A staff member signs in (staff
card scanned, or number and PIN on the shared :class:`~kiosk.ui.keypad.NumberPinKeypad`: the
hand-over's sign-in through the core, :class:`~kiosk.core.photo.review.StaffVerifier`),
chooses a reason and approves; the core refuses any photo failing a machine-checked rule,
stores the approval with the photo and reports it (``photo.approved``).

:class:`PhotoStaffReview` is plain Python: the state of the two staff screens (the typed
number and PIN, who signed in, the reason chosen). The photo view-model composes it: it owns
the screens, the worker and the Qt properties, and asks this part what a key, a scan or a
sign-in's answer means.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.result import PhotoResult
from kiosk.core.photo.review import REVIEW_REASONS, StaffVerifier
from kiosk.ui.keypad import NumberPinKeypad

log = logging.getLogger(__name__)

STAFF_ID_MAX = 10  # digits of a staff number typed on the keypad (as the hand-over's)
STAFF_PIN_MIN, STAFF_PIN_MAX = 4, 8  # digits of a staff PIN (as the hand-over's)
SIGN_IN_FAILED = "handover.store_unavailable.body"
"""The message shown when a sign-in could not be checked (the hand-over's text)."""


class PhotoStaffReview:
    """Who is signing in or signed in to review the photo on screen, and the reason chosen.

    Args:
        verifier: the staff sign-in (the hand-over service); None: no staff review offered.
        on_change: called after every change (the view-model's ``staffChanged``).
    """

    def __init__(self, verifier: StaffVerifier | None, on_change: Callable[[], None]) -> None:
        self._verifier = verifier
        self._on_change = on_change
        self.keypad = NumberPinKeypad(
            number_max=STAFF_ID_MAX,
            pin_min=STAFF_PIN_MIN,
            pin_max=STAFF_PIN_MAX,
            on_change=on_change,
        )
        self.sign_in: StaffSignIn | None = None  # the staff member signed in for this photo
        self.reason = ""

    @property
    def enabled(self) -> bool:
        """True when a staff review can be offered at all (a staff sign-in is configured)."""
        return self._verifier is not None

    @property
    def keypad_enabled(self) -> bool:
        """True when staff may sign in with number and PIN (False: staff card only)."""
        return self._verifier is not None and self._verifier.accepts_staff_pins

    @property
    def reviewer_id(self) -> str:
        """The signed-in staff member's number (empty before a sign-in)."""
        return self.sign_in.staff_id if self.sign_in is not None else ""

    def offered(self, result: PhotoResult | None) -> bool:
        """True when the result screen offers "Staff approval" for ``result``."""
        return self._verifier is not None and result is not None and result.staff_reviewable

    def rule_keys(self, result: PhotoResult | None) -> list[str]:
        """Message ids of the rules the signed-in staff member would waive."""
        if result is None or self.sign_in is None:
            return []
        return [f"photo.review.rule.{rule}" for rule in result.rules_to_waive]

    # -- the sign-in screen --------------------------------------------------------------------

    def begin(self) -> None:
        """The sign-in screen opens: an empty keypad, no error."""
        log.info("photo staff review: staff sign-in asked")
        self.keypad.reset()

    def press(self, digit: str) -> None:
        """A digit key: typed into the field, and the error shown is cleared."""
        before = (self.keypad.number, self.keypad.pin)
        self.keypad.press(digit)
        if (self.keypad.number, self.keypad.pin) != before:
            self.keypad.set(error="")

    def pin_check(self) -> Callable[[], StaffSignIn] | None:
        """ "OK": the sign-in to run on the worker, or None (on to the PIN field, or not yet).

        The PIN is not kept once it is on its way.
        """
        verifier = self._verifier
        if verifier is None or not verifier.accepts_staff_pins or not self.keypad.advance():
            return None
        staff_id, pin = self.keypad.number, self.keypad.pin
        self.keypad.set(pin="")
        return lambda: verifier.verify_staff_pin(staff_id, pin)

    def card_check(self, text: str) -> Callable[[], StaffSignIn] | None:
        """A staff card scanned: the sign-in to run on the worker (None: no staff review)."""
        verifier = self._verifier
        if verifier is None:
            return None
        return lambda: verifier.verify_staff_card(text)

    def signed_in(self, sign_in: StaffSignIn) -> bool:
        """A sign-in's answer: True when the staff member is signed in (on to the review);
        a refusal is shown on the keypad."""
        if sign_in.refusal is not None:
            log.info("photo staff review: sign-in refused (%s)", sign_in.refusal.code.value)
            self.keypad.set(error=sign_in.refusal.body_id)
            return False
        log.info("photo staff review: staff %s signed in by %s", sign_in.staff_id, sign_in.how)
        self.sign_in = sign_in
        self.reason = ""
        self.keypad.reset()
        return True

    def sign_in_failed(self) -> None:
        """The sign-in could not be checked (the store): said on the keypad."""
        self.keypad.set(error=SIGN_IN_FAILED)

    # -- the review screen ---------------------------------------------------------------------

    def choose(self, reason: str) -> None:
        """A reason button (anything but a known reason is ignored)."""
        if reason in REVIEW_REASONS and reason != self.reason:
            self.reason = reason
            self._on_change()

    def sign_out(self) -> None:
        """Forget the staff member, their typed digits and the chosen reason."""
        changed = self.sign_in is not None or bool(self.reason)
        self.sign_in = None
        self.reason = ""
        self.keypad.reset()
        if changed:
            self._on_change()


__all__ = ["STAFF_ID_MAX", "STAFF_PIN_MAX", "STAFF_PIN_MIN", "PhotoStaffReview"]

"""What one check-in attempt ends in: a result code, the screen it belongs on, its texts."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.booking_tokens import Meeting


class OutcomeFamily(enum.StrEnum):
    """Which screen shows an outcome."""

    ACCEPTED = "accepted"  # green: checked in (also "checked in, to be confirmed")
    REJECTED = "rejected"  # calm: why not, and what to do next
    UNREADABLE = "unreadable"  # try again, or type the code


class CheckInResult(enum.StrEnum):
    """The outcome code of one check-in attempt (also the event's ``reason``)."""

    ACCEPTED = "accepted"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    EXPIRED = "expired"
    WRONG_DAY = "wrong_day"
    WRONG_OFFICE = "wrong_office"
    ALREADY_USED = "already_used"
    NOT_A_BOOKING = "not_a_booking"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    UNREADABLE = "unreadable"
    CODE_PENDING = "code_pending"  # typed code, online: the server is asked
    CODE_UNVERIFIED = "code_unverified"  # typed code, offline: queued, confirmed later
    CODE_INVALID = "code_invalid"  # the check digit does not fit: type it again
    CODE_REFUSED = "code_refused"  # the server does not know the booking
    UNAVAILABLE = "unavailable"  # the check-in could not be stored
    CLOCK_UNSET = "clock_unset"  # the kiosk's clock cannot judge the booking's times

    @property
    def family(self) -> OutcomeFamily:
        """The screen this outcome is shown on."""
        if self in _ACCEPTED_RESULTS:
            return OutcomeFamily.ACCEPTED
        if self in (CheckInResult.UNREADABLE, CheckInResult.CODE_INVALID):
            return OutcomeFamily.UNREADABLE
        return OutcomeFamily.REJECTED


_ACCEPTED_RESULTS = frozenset(
    {CheckInResult.ACCEPTED, CheckInResult.CODE_PENDING, CheckInResult.CODE_UNVERIFIED}
)


@dataclass(frozen=True)
class ScreenText:
    """What a check-in screen says, in one language."""

    title: str
    body: str
    detail: str = ""


@dataclass(frozen=True)
class CheckInOutcome:
    """The result of one scan or typed code.

    Attributes:
        result: the outcome code.
        texts: the screen text per configured language.
        at: when it was decided.
        ref: what a later server answer refers to: the booking id, or ``code:<digits>``.
        booking_id: the token's booking id (empty when unknown).
        service_id: the booking's service (empty when unknown).
        expected: when the resident's turn is expected (accepted outcomes).
        repeated: True when this was the same scan again within the dedupe time.
        position: the queue position from the server's answer, when it came.
        meeting: the host and place of a meeting booking (None for a service booking).
        host_notified: True once the server says the meeting's host was told.
    """

    result: CheckInResult
    texts: Mapping[str, ScreenText]
    at: datetime
    ref: str = ""
    booking_id: str = ""
    service_id: str = ""
    expected: datetime | None = None
    repeated: bool = False
    position: int | None = None
    code: str = ""
    slot: datetime | None = field(default=None, compare=False)
    meeting: Meeting | None = None
    host_notified: bool = False

    @property
    def family(self) -> OutcomeFamily:
        """The screen this outcome is shown on."""
        return self.result.family

    def text(self, language: str) -> ScreenText:
        """The screen text in ``language`` (else the first language)."""
        if language in self.texts:
            return self.texts[language]
        return next(iter(self.texts.values()))

"""Check-in of residents with a booking: a scanned booking QR or a typed short code.

Every scan ends in one ``CheckInOutcome``: a stable result code, the screen text in every
configured language, and an event in the outbox (category ``checkin``). An accepted
check-in is remembered in ``used_booking`` in the same transaction as its event, before the
screen says so (DESIGN §6); a booking is accepted once, a reuse is reported.

Rules for a verified booking token, in order: signed by a trusted key → type ``booking``
→ this office → not used before (the same booking again within ``dedupe_s`` of its
acceptance is the same scan and shows the accepted screen again) → the slot's local day is
today → inside the check-in window (``win`` claim, else per service, else default) → not
expired. Everything works offline: the keys are in the config.

The short code typed on the keypad proves nothing by itself: it is recorded as unverified
(``checkin.code_entered``) and the server's answer arrives later through
``apply_server_answer`` (the link delivers it).
"""

from __future__ import annotations

import enum
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from kiosk.config import KioskConfig
from kiosk.core import events
from kiosk.core.booking_codes import format_booking_code, normalize_booking_code
from kiosk.core.booking_tokens import (
    TRUST_HEALTH,
    BookingToken,
    BookingTokenError,
    Meeting,
    read_booking_token,
)
from kiosk.core.clock import Clock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.refusal_gate import RefusalGate
from kiosk.core.trust import KeyPurpose, TrustedKey, TrustList, trust_list
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.protocol import Ticket
from kiosk.errors import ConfigError, StoreError
from kiosk.i18n.catalog import Catalog
from kiosk.store.database import Database, Transaction
from kiosk.store.outbox import Outbox, Priority, rfc3339
from kiosk.store.used_bookings import UsedBooking, UsedBookingRepository

log = logging.getLogger(__name__)

EXPECTED_ROUNDING_MIN = 5
CODE_REF_PREFIX = "code:"
REMEMBERED_OUTCOMES = 64  # recent outcomes kept in memory for repeated scans


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


class SlipPrinter(Protocol):
    """Prints a check-in slip (``TicketService.print_slip`` fits)."""

    def print_slip(self, layout: Ticket) -> bool:
        """Print and cut; True when it came out."""
        ...


OutcomeListener = Callable[[CheckInOutcome], None]


class CheckInService:
    """Checks residents in with a booking token or a short code (thread-safe).

    Args:
        config: the kiosk config (``[kiosk] office``, ``[checkin]``, services, languages).
        db: the kiosk database.
        outbox: where the ``checkin`` events go.
        catalogs: one message catalogue per configured language.
        clock: the time source when a call does not pass ``now``.
        trust: the booking token keys (default: ``[trust.booking]``).
        health: the health board; the trust list's age is reported as ``booking_keys``.
        slip_printer: prints a slip after an accepted check-in when ``print_slip`` is on.
        refusal_gate: bounds the events of scans that did not verify (``RefusalGate``).
        clock_guard: says whether the clock may judge a booking's window and expiry; a
            verified booking is refused (``clock_unset``, not marked used) while it may not.
            None: the clock is not questioned (tests of the rules alone).
    """

    def __init__(
        self,
        config: KioskConfig,
        db: Database,
        outbox: Outbox,
        catalogs: Mapping[str, Catalog],
        clock: Clock,
        *,
        trust: TrustList | None = None,
        health: HealthBoard | None = None,
        slip_printer: SlipPrinter | None = None,
        refusal_gate: RefusalGate | None = None,
        clock_guard: ClockGuard | None = None,
    ):
        self._config = config
        self._db = db
        self._outbox = outbox
        self._catalogs = dict(catalogs)
        self._clock = clock
        self._trust = trust or trust_list(config.trust, KeyPurpose.BOOKING, allow_demo=config.demo)
        self._health = health
        self._slip_printer = slip_printer
        self._repo = UsedBookingRepository(db)
        self._refusals = refusal_gate or RefusalGate()
        self._clock_guard = clock_guard
        self._lock = threading.RLock()
        self._online = False
        self._listeners: list[OutcomeListener] = []
        self._outcomes: dict[str, CheckInOutcome] = {}  # last accepted outcome per ref
        if health is not None:
            health.register(TRUST_HEALTH)
        self.report_trust_health()

    # -- configuration and wiring -------------------------------------------------------------

    @property
    def trust(self) -> TrustList:
        """The trusted token keys."""
        return self._trust

    @property
    def prints_slips(self) -> bool:
        """True when an accepted check-in prints a slip."""
        return self._config.checkin.print_slip and self._slip_printer is not None

    def set_config(self, config: KioskConfig) -> None:
        """Use a new configuration (a desired config): windows, offices, the office's name.

        The booking keys rotate with every other list (``TrustLists.replace``, which the
        app calls first); this reports the list's health afterwards.
        """
        self._config = config
        self.report_trust_health()

    def replace_trusted_keys(
        self, keys: Mapping[str, str | TrustedKey], issued: datetime | None
    ) -> None:
        """Swap the token keys (``config/desired``); a bad key leaves the old ones in place.

        Raises:
            JwsError: a key is not an Ed25519 public key in base64url.
        """
        self._trust.replace(keys, issued=issued)
        self.report_trust_health()

    def report_trust_health(self, now: datetime | None = None) -> None:
        """Report the trust list's age to the health board (degraded when stale)."""
        if self._health is not None:
            self._health.report(TRUST_HEALTH, self._trust.health(now or self._clock.now()))

    def set_link_online(self, online: bool) -> None:
        """The link to the central server is up or down (typed codes are asked or queued)."""
        self._online = online

    def subscribe(self, listener: OutcomeListener) -> None:
        """Call ``listener(outcome)`` when a server answer changes an outcome (any thread)."""
        self._listeners.append(listener)

    # -- scans ---------------------------------------------------------------------------------

    def check_in(self, text: str, now: datetime | None = None) -> CheckInOutcome:
        """Check a scanned text in; never raises, every problem is an outcome.

        Args:
            text: what the scanner read.
            now: the time of the scan (the clock's time by default).
        """
        now = now or self._clock.now()
        try:
            code = normalize_booking_code(text) if len(text) < 64 else None
            if code is not None:
                return self.check_in_code(code, now)  # a scanned short code (barcode)
            self.report_trust_health(now)
            try:
                token = read_booking_token(text, self._trust, now)
            except BookingTokenError as exc:
                return self._refuse_unverified(exc, now)
            with self._lock:
                return self._check_token(token, now)
        except StoreError:
            log.exception("check-in could not be stored")
            return self._outcome(CheckInResult.UNAVAILABLE, now)

    def _refuse_unverified(self, exc: BookingTokenError, now: datetime) -> CheckInOutcome:
        result = CheckInResult(exc.reason if exc.reason != "not_a_token" else "not_a_booking")
        log.info("check-in refused: %s (%s: %s)", result, exc.detail, exc)
        # NOTE: a scan that proved nothing is telemetry, and only a few per minute are
        # recorded (the rest counted): noise or a forger must not fill the outbox.
        suppressed = self._refusals.admit(result.value)
        if suppressed is not None:
            data: dict[str, Any] = {"detail": exc.detail}
            if suppressed:
                data["suppressed"] = suppressed
            self._record_rejection(result, data, now, Priority.TELEMETRY)
        return self._outcome(result, now)

    def _check_token(self, token: BookingToken, now: datetime) -> CheckInOutcome:
        base: dict[str, Any] = {
            "booking_id": token.booking_id,
            "office": token.office,
            "service": token.service,
            "slot": rfc3339(token.slot),
            "kid": token.kid,
        }
        if token.meeting is not None:
            # The server notifies the host from this event: the id only, never the name.
            base["kind"] = "meeting"
            base["host"] = token.meeting.host
        if token.office != self._config.office:
            self._record_rejection(CheckInResult.WRONG_OFFICE, base, now)
            return self._outcome(CheckInResult.WRONG_OFFICE, now, token=token, office=token.office)
        if self._clock_guard is not None:
            verdict = self._clock_guard.check()
            if not verdict.trusted:
                log.warning(
                    "booking %s not judged: the clock cannot be trusted (%s)",
                    token.booking_id,
                    verdict.health.reason,
                )
                data = {**base, "clock": verdict.health.reason}
                self._record_rejection(CheckInResult.CLOCK_UNSET, data, now)
                return self._outcome(CheckInResult.CLOCK_UNSET, now, token=token)
        with self._db.transaction() as tx:
            used = UsedBookingRepository.find(tx, token.booking_id)
            if used is None and token.code:
                used = UsedBookingRepository.find_by_code(tx, token.code)
            if used is not None:
                return self._used_again(tx, token, used, base, now)
            result = self._rule(token, now)
            if result is not CheckInResult.ACCEPTED:
                self._append(tx, events.CHECKIN_REJECTED, {"reason": result.value, **base}, now)
                log.info("booking %s refused: %s", token.booking_id, result)
                return self._outcome(result, now, token=token)
            expected = _expected_time(token.slot, now)
            detail = {**base, "expected": rfc3339(expected), "code": token.code}
            UsedBookingRepository.insert(
                tx, token.booking_id, token.office, rfc3339(now), "accepted", detail
            )
            self._append(tx, events.CHECKIN_ACCEPTED, detail, now)
        log.info("booking %s checked in (%s, slot %s)", token.booking_id, token.service, token.slot)
        outcome = self._outcome(CheckInResult.ACCEPTED, now, token=token, expected=expected)
        self._remember(outcome)
        return outcome

    def _rule(self, token: BookingToken, now: datetime) -> CheckInResult:
        window = token.window or self._config.checkin.window_for(token.service)
        opens = token.slot - timedelta(minutes=window.before_min)
        closes = token.slot + timedelta(minutes=window.after_min)
        same_day = self._local(now).date() == self._local(token.slot).date()
        if now < opens:
            return CheckInResult.TOO_EARLY if same_day else CheckInResult.WRONG_DAY
        if now > closes:
            return CheckInResult.TOO_LATE if same_day else CheckInResult.WRONG_DAY
        if now >= token.expires:
            return CheckInResult.EXPIRED
        return CheckInResult.ACCEPTED

    def _used_again(
        self,
        tx: Transaction,
        token: BookingToken,
        used: UsedBooking,
        base: dict[str, Any],
        now: datetime,
    ) -> CheckInOutcome:
        used_at = _parse_time(used.used_at) or now
        same_scan = (
            used.booking_id == token.booking_id
            and used.outcome == "accepted"
            and timedelta(0) <= now - used_at <= timedelta(seconds=self._config.checkin.dedupe_s)
        )
        if same_scan:
            log.info("booking %s scanned again within the dedupe time", token.booking_id)
            previous = self._outcomes.get(token.booking_id)
            if previous is not None:
                return replace(previous, repeated=True)
            expected = _parse_time(str(used.detail.get("expected", ""))) or token.slot
            return replace(
                self._outcome(CheckInResult.ACCEPTED, used_at, token=token, expected=expected),
                repeated=True,
            )
        self._append(
            tx,
            events.CHECKIN_REJECTED,
            {"reason": CheckInResult.ALREADY_USED.value, "used_at": used.used_at, **base},
            now,
        )
        log.info("booking %s already checked in at %s", token.booking_id, used.used_at)
        return self._outcome(CheckInResult.ALREADY_USED, now, token=token, used_at=used_at)

    # -- typed codes ---------------------------------------------------------------------------

    def check_in_code(self, code: str, now: datetime | None = None) -> CheckInOutcome:
        """Check in with the short booking code typed on the keypad; never raises.

        Online the server is asked (``checkin.code_entered``, answer later); offline the
        check-in is queued as unverified. Both are remembered, so the same code typed again
        later reads as already used.
        """
        now = now or self._clock.now()
        digits = normalize_booking_code(code)
        if digits is None:
            log.info("typed booking code refused: check digit or length wrong")
            return self._outcome(CheckInResult.CODE_INVALID, now)
        ref = CODE_REF_PREFIX + digits
        online = self._online
        try:
            with self._lock, self._db.transaction() as tx:
                used = UsedBookingRepository.find_by_code(tx, digits)
                if used is not None:
                    return self._code_used_again(tx, digits, used, now)
                detail = {"code": digits, "verified": False, "online": online}
                UsedBookingRepository.insert(
                    tx, ref, self._config.office, rfc3339(now), "unverified", detail
                )
                self._append(tx, events.CHECKIN_CODE_ENTERED, detail, now)
        except StoreError:
            log.exception("typed booking code could not be stored")
            return self._outcome(CheckInResult.UNAVAILABLE, now)
        result = CheckInResult.CODE_PENDING if online else CheckInResult.CODE_UNVERIFIED
        log.info("booking code %s entered (%s)", format_booking_code(digits), result)
        outcome = self._outcome(result, now, ref=ref, code=digits)
        self._remember(outcome)
        return outcome

    def _code_used_again(
        self, tx: Transaction, digits: str, used: UsedBooking, now: datetime
    ) -> CheckInOutcome:
        used_at = _parse_time(used.used_at) or now
        previous = self._outcomes.get(used.booking_id)
        if previous is not None and timedelta(0) <= now - used_at <= timedelta(
            seconds=self._config.checkin.dedupe_s
        ):
            return replace(previous, repeated=True)
        self._append(
            tx,
            events.CHECKIN_REJECTED,
            {"reason": CheckInResult.ALREADY_USED.value, "code": digits, "used_at": used.used_at},
            now,
        )
        return self._outcome(CheckInResult.ALREADY_USED, now, code=digits, used_at=used_at)

    # -- the server's answer -------------------------------------------------------------------

    def apply_server_answer(
        self,
        ref: str,
        *,
        accepted: bool,
        position: int | None = None,
        wait_minutes: int | None = None,
        service_id: str = "",
        host_notified: bool = False,
        now: datetime | None = None,
    ) -> CheckInOutcome | None:
        """The server answered about a check-in (the link calls this; any thread).

        Args:
            ref: the outcome's ``ref``: a booking id or ``code:<digits>``.
            accepted: False when the server does not know the booking (a wrong code).
            position: the resident's place in the queue, when the server gives one.
            wait_minutes: the server's expected wait.
            service_id: the booking's service, when the server names it.
            host_notified: the server told a meeting's host that the resident is here.
            now: when the answer arrived.

        Returns:
            the updated outcome (also given to the listeners), or None for an unknown ref.
        """
        now = now or self._clock.now()
        try:
            with self._lock, self._db.transaction() as tx:
                used = UsedBookingRepository.find(tx, ref)
                if used is None:
                    log.warning("server answer for unknown check-in %s ignored", ref)
                    return None
                server: dict[str, Any] = {"accepted": accepted, "at": rfc3339(now)}
                if position is not None:
                    server["position"] = position
                if wait_minutes is not None:
                    server["wait_minutes"] = wait_minutes
                if host_notified:
                    server["host_notified"] = True
                UsedBookingRepository.update_detail(tx, ref, {**used.detail, "server": server})
        except StoreError:
            log.exception("server answer for %s could not be stored", ref)
            return None
        previous = self._outcomes.get(ref)
        service = service_id or (previous.service_id if previous else "")
        code = previous.code if previous else str(used.detail.get("code", ""))
        if not accepted:
            outcome = self._outcome(CheckInResult.CODE_REFUSED, now, ref=ref, code=code)
        else:
            expected = (
                _round_up(now + timedelta(minutes=wait_minutes))
                if wait_minutes is not None
                else (previous.expected if previous else None)
            )
            outcome = self._outcome(
                CheckInResult.ACCEPTED,
                now,
                ref=ref,
                booking_id=previous.booking_id if previous else "",
                service_id=service,
                expected=expected,
                position=position,
                code=code,
                confirmed=True,
                meeting=previous.meeting if previous else None,
                host_notified=host_notified or bool(previous and previous.host_notified),
            )
        self._remember(outcome)
        log.info("server answer for %s: accepted=%s position=%s", ref, accepted, position)
        for listener in list(self._listeners):
            listener(outcome)
        return outcome

    # -- the slip ------------------------------------------------------------------------------

    def print_slip(self, outcome: CheckInOutcome, language: str) -> bool:
        """Print the check-in slip of an accepted outcome when configured; True if printed."""
        printer = self._slip_printer
        if printer is None or not self.prints_slips or outcome.family is not OutcomeFamily.ACCEPTED:
            return False
        return printer.print_slip(self.slip_layout(outcome, language))

    def slip_layout(self, outcome: CheckInOutcome, language: str) -> Ticket:
        """The check-in slip: office, service, expected time large, booking details."""
        catalog = self._catalog(language)
        expected = outcome.expected or outcome.at
        lines = [
            catalog.text("checkin.slip.expected"),
            catalog.text("checkin.slip.checked_in", self._hhmm(outcome.at)),
        ]
        if outcome.slot is not None:
            lines.append(catalog.text("checkin.slip.slot", self._hhmm(outcome.slot)))
        if outcome.code:
            lines.append(catalog.text("checkin.slip.code", format_booking_code(outcome.code)))
        if outcome.meeting is not None:
            title = catalog.text("checkin.meeting.slip_title", outcome.meeting.host_name)
        else:
            title = self._service_name(outcome.service_id, language) or catalog.text(
                "checkin.slip.title"
            )
        return Ticket(
            header=self._config.office_name.get(language),
            title=title,
            number=self._hhmm(expected),
            lines=tuple(lines),
            qr=self._config.tickets.status_url.format(
                office=self._config.office,
                ticket_id=outcome.booking_id or outcome.ref,
                number=outcome.code,
                service=outcome.service_id,
            ),
            footer=(catalog.text("checkin.slip.footer"),),
            language=language,  # the printer draws scripts its fonts lack
        )

    # -- helpers -------------------------------------------------------------------------------

    def _remember(self, outcome: CheckInOutcome) -> None:
        """Keep the last accepted outcomes by ref (a repeated scan shows the same screen)."""
        with self._lock:
            self._outcomes.pop(outcome.ref, None)
            self._outcomes[outcome.ref] = outcome
            while len(self._outcomes) > REMEMBERED_OUTCOMES:
                del self._outcomes[next(iter(self._outcomes))]

    def _append(
        self,
        tx: Transaction,
        event_type: str,
        data: dict[str, Any],
        now: datetime,
        priority: Priority = Priority.PERSON,
    ) -> None:
        self._outbox.append(tx, events.CHECKIN, event_type, data, priority=priority, now=now)

    def _record_rejection(
        self,
        result: CheckInResult,
        data: dict[str, Any],
        now: datetime,
        priority: Priority = Priority.PERSON,
    ) -> None:
        try:
            with self._db.transaction() as tx:
                self._append(
                    tx, events.CHECKIN_REJECTED, {"reason": result.value, **data}, now, priority
                )
        except StoreError:
            # NOTE: the refusal on screen is true either way; only its event is lost.
            log.exception("could not store the checkin.rejected event (%s)", result)

    def _outcome(
        self,
        result: CheckInResult,
        now: datetime,
        *,
        token: BookingToken | None = None,
        ref: str = "",
        booking_id: str = "",
        service_id: str = "",
        expected: datetime | None = None,
        office: str = "",
        used_at: datetime | None = None,
        position: int | None = None,
        code: str = "",
        confirmed: bool = False,
        meeting: Meeting | None = None,
        host_notified: bool = False,
    ) -> CheckInOutcome:
        if token is not None:
            booking_id = booking_id or token.booking_id
            service_id = service_id or token.service
            code = code or token.code
            meeting = meeting or token.meeting
        texts = {
            language: self._texts(
                result,
                language,
                token=token,
                service_id=service_id,
                expected=expected,
                office=office,
                used_at=used_at,
                position=position,
                confirmed=confirmed,
                meeting=meeting,
                host_notified=host_notified,
            )
            for language in self._config.ui.languages
        }
        return CheckInOutcome(
            result=result,
            texts=texts,
            at=now,
            ref=ref or booking_id,
            booking_id=booking_id,
            service_id=service_id,
            expected=expected,
            position=position,
            code=code,
            slot=token.slot if token else None,
            meeting=meeting,
            host_notified=host_notified,
        )

    def _texts(
        self,
        result: CheckInResult,
        language: str,
        *,
        token: BookingToken | None,
        service_id: str,
        expected: datetime | None,
        office: str,
        used_at: datetime | None,
        position: int | None,
        confirmed: bool,
        meeting: Meeting | None = None,
        host_notified: bool = False,
    ) -> ScreenText:
        catalog = self._catalog(language)
        key = f"checkin.{result.value}"
        title = catalog.text(f"{key}.title")
        args: tuple[object, ...] = ()
        if result is CheckInResult.ACCEPTED and meeting is not None:
            return self._meeting_text(catalog, language, meeting, host_notified)
        if result is CheckInResult.ACCEPTED:
            service = self._service_name(service_id, language)
            when = self._hhmm(expected) if expected else ""
            if confirmed:
                title = catalog.text("checkin.confirmed.title")
            if service and when:
                return ScreenText(
                    title,
                    catalog.text("checkin.accepted.body", service, when),
                    catalog.text("checkin.position", position) if position else "",
                )
            body = (
                catalog.text("checkin.accepted.body_no_service", when)
                if when
                else catalog.text("checkin.accepted.body_seat")
            )
            detail = catalog.text("checkin.position", position) if position else ""
            return ScreenText(title, body, detail)
        if token is not None and result in (CheckInResult.TOO_EARLY, CheckInResult.TOO_LATE):
            window = token.window or self._config.checkin.window_for(token.service)
            if result is CheckInResult.TOO_EARLY:
                args = (self._hhmm(token.slot - timedelta(minutes=window.before_min)),)
            else:
                args = (self._hhmm(token.slot + timedelta(minutes=window.after_min)),)
        elif token is not None and result is CheckInResult.WRONG_DAY:
            args = (self._date(token.slot, catalog),)
        elif result is CheckInResult.WRONG_OFFICE:
            names = self._config.checkin.office_names
            if office in names:
                args = (names[office].get(language),)
            else:
                # NOTE: never an office code on screen ("shisui" means nothing to a resident).
                key = "checkin.wrong_office_unnamed"
        elif result is CheckInResult.ALREADY_USED:
            args = (self._hhmm(used_at) if used_at else "",)
        return ScreenText(
            catalog.text(f"{key}.title", *args),
            catalog.text(f"{key}.body", *args),
        )

    def _meeting_text(
        self, catalog: Catalog, language: str, meeting: Meeting, host_notified: bool
    ) -> ScreenText:
        """Who was told (or will be, or could not be) and where to wait."""
        place = meeting.place(language) or catalog.text("checkin.meeting.default_place")
        if host_notified:
            body = catalog.text("checkin.meeting.notified", meeting.host_name)
        elif self._online:
            body = catalog.text("checkin.meeting.notifying", meeting.host_name)
        else:
            # NOTE: offline the event waits in the outbox: the host may not know for a while,
            # so the resident is sent to the counter rather than left waiting unseen.
            body = catalog.text("checkin.meeting.offline", meeting.host_name)
        return ScreenText(
            catalog.text("checkin.meeting.title"),
            body,
            catalog.text("checkin.meeting.wait_at", place),
        )

    def _catalog(self, language: str) -> Catalog:
        return self._catalogs.get(language) or next(iter(self._catalogs.values()))

    def _service_name(self, service_id: str, language: str) -> str:
        if not service_id:
            return ""
        try:
            return self._config.service(service_id).name.get(language)
        except ConfigError:
            return service_id  # NOTE: a booked service need not be one with tickets

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._config.timezone)

    def _hhmm(self, moment: datetime) -> str:
        return self._local(moment).strftime("%H:%M")

    def _date(self, moment: datetime, catalog: Catalog) -> str:
        local = self._local(moment)
        month = catalog.text(f"checkin.month.{local.month}")
        return catalog.text("checkin.date", month, local.day)


def _expected_time(slot: datetime, now: datetime) -> datetime:
    """When the resident's turn is expected: the slot, or now when they came late."""
    return _round_up(max(slot, now))


def _round_up(moment: datetime) -> datetime:
    """Up to the next whole ``EXPECTED_ROUNDING_MIN`` minutes ("about 10:40")."""
    step = EXPECTED_ROUNDING_MIN * 60
    seconds = moment.minute * 60 + moment.second + moment.microsecond / 1e6
    extra = math.ceil(seconds / step) * step - seconds
    return moment + timedelta(seconds=extra)


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None

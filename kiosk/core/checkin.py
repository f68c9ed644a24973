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

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
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
from kiosk.core.checkin_outcome import (
    CheckInOutcome,
    CheckInResult,
    OutcomeFamily,
)
from kiosk.core.checkin_texts import CheckInWording
from kiosk.core.clock import Clock
from kiosk.core.clock_guard import ClockGuard
from kiosk.core.refusal_gate import RefusalGate
from kiosk.core.trust import KeyPurpose, TrustedKey, TrustList, trust_list
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.protocol import Ticket
from kiosk.errors import StoreError
from kiosk.i18n.catalog import Catalog
from kiosk.store.database import Database, Transaction
from kiosk.store.outbox import Outbox, Priority, rfc3339
from kiosk.store.used_bookings import UsedBooking, UsedBookingRepository

log = logging.getLogger(__name__)

__all__ = [
    "CODE_REF_PREFIX",
    "CheckInOutcome",
    "CheckInResult",
    "CheckInService",
    "OutcomeFamily",
    "OutcomeListener",
    "SlipPrinter",
]

EXPECTED_ROUNDING_MIN = 5
CODE_REF_PREFIX = "code:"
REMEMBERED_OUTCOMES = 64  # recent outcomes kept in memory for repeated scans


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
        self._wording = CheckInWording(config, catalogs)
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
        self._wording.config = config
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
        timezone = self._config.timezone
        same_day = now.astimezone(timezone).date() == token.slot.astimezone(timezone).date()
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
        """The check-in slip: office, service (or the meeting's host), expected time large."""
        return self._wording.slip(outcome, language)

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
            language: self._wording.screen(
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
                online=self._online,
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

"""The passport hand-over screens: citizen pickup, staff loading, staff review.

State only; the QML files (``Handover*.qml``) lay it out. Every call into the
:class:`~kiosk.core.handover.service.HandoverService` runs on one worker thread (the service
serialises on the RS-485 line anyway); its outcome comes back to the GUI thread through a
queued signal. While a hand-over is on screen the view-model polls it every 250 ms; otherwise
it calls ``watch()`` once a second (tamper watch and door alarms of an idle kiosk).

Scanned codes arrive on the scanner's thread: :func:`~kiosk.ui.handover_routing.is_handover_code`
lets the app route pickup QR codes and staff cards here (everything else goes to check-in),
and :meth:`HandoverViewModel.wants_code` also claims case barcodes while staff are loading
and every scan while the pickup scan screen asks for a pickup code (so that anything scanned
there gets the hand-over's own "not a pickup code" answer and refusal event).

PIN checks (scrypt, about a quarter of a second or more on a Pi) run on the worker thread
like every service call; the Qt main thread only shows "busy".
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.config import KioskConfig
from kiosk.core.handover.machine import HandoverState, OutcomeCode
from kiosk.core.handover.outcome import HandoverOutcome, StaffLists
from kiosk.i18n.catalog import Catalog
from kiosk.i18n.linebreak import phrased
from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.handover_routing import is_handover_code, token_type
from kiosk.ui.handover_screens import (
    DOOR_CODES,
    LOCKS_PER_BOARD,
    WAITING_STATES,
    WARNING_CODES,
    CaseListModel,
    HandoverScreen,
    door_place,
    tone_of,
)
from kiosk.ui.keypad import MASK, NumberPinKeypad
from kiosk.ui.kiosk_view_model import KioskViewModel, Screen
from kiosk.ui.qml_property import changed, reads

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kiosk.core.handover.service import HandoverService
    from kiosk.devices.scanner.protocol import ScannedCode

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_MS = 250
"""Poll interval while a hand-over is on screen."""
WATCH_MS = 1000
"""Watch interval of an idle kiosk."""
PIN_MIN, PIN_MAX = 4, 8
"""Digits a pickup or staff PIN may have."""
STAFF_ID_MAX = 10
"""Digits of a staff number typed on the keypad."""


class HandoverViewModel(QObject):
    """The state of the hand-over screens.

    Properties (QML): ``available``, ``screen``, ``busy``, ``code``, ``tone`` (``success``,
    ``warning``, ``problem``, ``info``), ``title``, ``body``, ``door``, ``doorColumn``,
    ``doorRow``, ``lockerColumns``, ``lockerRows``, ``pinMask``, ``pinComplete``,
    ``pinError``, ``staffId``, ``staffPinMask``, ``staffField``, ``staffError``,
    ``staffErrorText``, ``staffKeypad`` (False when no staff PINs are configured: card only),
    ``staffSession``, ``notice``, ``cases``, ``returned``.

    Args:
        config: the kiosk config (``[ui] inactivity_s``, ``[checkin] screen_s``).
        service: the hand-over service, or None (the home button is hidden).
        kiosk: the ticket journey's view-model (language, whether a ticket is printing).
        catalogs: the message catalogues by language (outcome texts with their door).
        parent: Qt parent.
    """

    screenChanged = Signal()
    busyChanged = Signal()
    outcomeChanged = Signal()
    pinChanged = Signal()
    staffChanged = Signal()
    handoverFinished = Signal(object)  # HandoverOutcome of a finished call (GUI thread)
    scanIgnored = Signal(str)

    def __init__(
        self,
        config: KioskConfig,
        service: HandoverService | None,
        kiosk: KioskViewModel,
        catalogs: Mapping[str, Catalog],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._service = service
        self._kiosk = kiosk
        self._catalogs = dict(catalogs)
        self._screen = HandoverScreen.NONE
        self._outcome: HandoverOutcome | None = None
        self._handover_id = ""
        self._active = False
        self._pin = ""
        self._pin_wrong: HandoverOutcome | None = None  # shown under the PIN until it is right
        # NOTE: its number is the staff number typed, then the identified staff member.
        self._staff = NumberPinKeypad(
            number_max=STAFF_ID_MAX,
            pin_min=PIN_MIN,
            pin_max=PIN_MAX,
            on_change=self.staffChanged.emit,
            typing_clears_error=True,
        )
        self._staff_session = False
        self._notice: HandoverOutcome | None = None
        self._user_jobs = 0
        self._tick_running = False
        self._claims_barcodes = False  # read from the scanner thread: a plain bool
        self._claims_all_scans = False  # the pickup scan screen: likewise
        self._worker = GuiWorker("handover", self)
        self.cases: CaseListModel = CaseListModel(self)
        self.returned: CaseListModel = CaseListModel(self)
        doors = [0]
        if service is not None:
            doors += list(service.settings.compartments) + list(service.settings.return_doors)
        self._columns = max(1, math.ceil(max(doors) / LOCKS_PER_BOARD))
        self._locker_rows = LOCKS_PER_BOARD

        self._scans = GuiInbox(self._on_scanned, "scan", self)  # from the scanner's thread
        kiosk.languageChanged.connect(self.outcomeChanged)

        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self._tick)
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(WATCH_MS)
        self._watch_timer.timeout.connect(self._tick)
        kiosk.idle.add(self)  # the kiosk's one inactivity limit (holds_screen, clear_person)
        self._result_timer = QTimer(self)
        self._result_timer.setSingleShot(True)
        self._result_timer.setInterval(round(config.checkin.screen_s * 1000))
        self._result_timer.timeout.connect(self._on_result_timeout)
        if service is not None:
            self._watch_timer.start()

    # -- entry points from other threads -------------------------------------------------------

    def wants_code(self, text: str) -> bool:
        """Thread-safe: True when a scan of ``text`` belongs to the hand-over screens.

        Pickup QR codes and staff cards always do; any other code does while staff are
        choosing a case (a case barcode).
        """
        if self._service is None:
            return False
        return self._claims_barcodes or self._claims_all_scans or is_handover_code(text)

    def on_scanned_code(self, code: ScannedCode) -> None:
        """Thread-safe: a scanner read a code (route it here when :meth:`wants_code`)."""
        self._scans.post(code.text)

    def submit_scan(self, text: str) -> None:
        """Thread-safe: handle ``text`` as if scanned."""
        self._scans.post(text)

    # -- slots for QML: citizen pickup -----------------------------------------------------------

    @Slot()
    def openPickup(self) -> None:
        """The home button: ask for the pickup QR code."""
        if self._service is None or self._screen is not HandoverScreen.NONE:
            return
        self._touched()
        self._set_screen(HandoverScreen.SCAN)

    @Slot(str)
    def pressDigit(self, digit: str) -> None:
        """A digit key (PIN keypad or staff keypad)."""
        self._touched()
        if len(digit) != 1 or not digit.isdigit():
            return
        if self._screen is HandoverScreen.PIN and len(self._pin) < PIN_MAX:
            self._set_pin(self._pin + digit)
        elif self._screen is HandoverScreen.STAFF and self._staff_keypad():
            self._staff.press(digit)

    @Slot()
    def deleteDigit(self) -> None:
        """The "delete" key."""
        self._touched()
        if self._screen is HandoverScreen.PIN:
            self._set_pin(self._pin[:-1])
        else:
            self._staff.delete()

    @Slot()
    def clearDigits(self) -> None:
        """The "clear" key."""
        self._touched()
        if self._screen is HandoverScreen.PIN:
            self._set_pin("")
        else:
            self._staff.clear()

    @Slot()
    def submitPin(self) -> None:
        """The "OK" key of the PIN keypad."""
        self._touched()
        service = self._service
        if service is None or self._user_jobs or len(self._pin) < PIN_MIN:
            return
        pin, handover_id = self._pin, self._handover_id
        self._set_pin("")
        self._act("enter_pin", lambda: service.enter_pin(handover_id, pin))

    @Slot()
    def cancel(self) -> None:
        """ "Cancel" / "Done": end a hand-over nobody unlocked anything for, and go home."""
        self._touched()
        self._leave()

    # -- slots for QML: staff -----------------------------------------------------------------

    @Slot()
    def openStaff(self) -> None:
        """The hidden staff entry (long press on the office name): staff identify."""
        if self._service is None or self._screen is not HandoverScreen.NONE:
            return
        self._touched()
        self._staff.reset()
        self._set_screen(HandoverScreen.STAFF)

    @Slot(str)
    def selectStaffField(self, field: str) -> None:
        """Tap on the staff number or the PIN field."""
        self._touched()
        self._staff.select(field)

    @Slot()
    def submitStaff(self) -> None:
        """ "OK" on the staff keypad: next field, or identify with staff number and PIN."""
        self._touched()
        service = self._service
        if service is None or self._user_jobs or not self._staff_keypad():
            return
        if not self._staff.advance():
            return
        staff_id, pin = self._staff.number, self._staff.pin
        self._staff.set(pin="", error="")
        self._act("identify_staff_pin", lambda: service.identify_staff_pin(staff_id, pin))

    @Slot(str)
    def selectCase(self, case_id: str) -> None:
        """Staff chose a case from the list: a compartment opens."""
        self._touched()
        service = self._service
        if service is None or self._user_jobs or self._screen is not HandoverScreen.CASES:
            return
        handover_id = self._handover_id
        self._act("select_case", lambda: service.select_case(handover_id, case_id))

    @Slot()
    def loadNext(self) -> None:
        """ "Load next case": the same staff member, without identifying again."""
        self._touched()
        service = self._service
        if service is None or self._user_jobs or not self._staff_session:
            return
        handover_id = self._handover_id
        self._act("continue_loading", lambda: service.continue_loading(handover_id))

    @Slot()
    def openReview(self) -> None:
        """The staff screen's "Returned passports" button."""
        self._touched()
        if self._service is None or not self._staff_session:
            return
        self._set_screen(HandoverScreen.REVIEW)
        self._refresh_lists()

    @Slot()
    def closeReview(self) -> None:
        """Back from the review list to the case list."""
        self._touched()
        if self._screen is HandoverScreen.REVIEW:
            self._set_screen(HandoverScreen.CASES)
            self._refresh_lists()

    @Slot(str)
    def markReviewed(self, case_id: str) -> None:
        """Staff took the old passport of ``case_id`` out and cancelled it."""
        self._touched()
        service = self._service
        if service is None or not self._staff_session:
            return
        staff_id = self._staff.number
        self._submit(
            "mark_return_reviewed",
            lambda: service.mark_return_reviewed(case_id, staff_id),
            self._or_unavailable(lambda _reviewed: self._refresh_lists()),
        )

    # -- the worker ------------------------------------------------------------------------------

    def _submit(
        self,
        what: str,
        call: Callable[[], T],
        then: Callable[[T | Exception], None],
        *,
        busy: bool = True,
    ) -> None:
        """Run ``call`` on the worker; ``busy``: the screen shows busy until ``then`` ran."""
        if not busy:
            self._worker.submit(what, call, then)
            return

        def done(value: T | Exception) -> None:
            self._user_jobs -= 1
            if self._user_jobs == 0:
                self.busyChanged.emit()
            then(value)

        if self._worker.submit(what, call, done):
            self._user_jobs += 1
            if self._user_jobs == 1:
                self.busyChanged.emit()

    def _act(self, what: str, call: Callable[[], HandoverOutcome]) -> None:
        """A person's action: busy until its outcome is shown."""
        self._submit(what, call, self._or_unavailable(self._show))

    def _or_unavailable(self, then: Callable[[T], None]) -> Callable[[T | Exception], None]:
        """``then(value)``; a call that failed shows "not available" instead."""

        def answer(value: T | Exception) -> None:
            if isinstance(value, Exception):
                self._show(HandoverOutcome(OutcomeCode.STORE_UNAVAILABLE))
            else:
                then(value)

        return answer

    def _on_tick(self, handover_id: str, value: object) -> None:
        self._tick_running = False
        if not isinstance(value, HandoverOutcome):
            return  # watch()'s outcomes, or a failure (logged by the worker)
        if handover_id != self._handover_id or self._screen is HandoverScreen.NONE:
            return  # the screen moved on
        self._show(value, from_poll=True)

    def _on_lists(self, lists: StaffLists) -> None:
        if self._screen is HandoverScreen.NONE:
            return  # the staff member left meanwhile: their lists are not kept
        self.cases.set_cases(lists.to_load)
        self.returned.set_cases(lists.returned)

    def _on_actor(self, actor: str) -> None:
        if actor:
            self._staff.set(number=actor, error="")

    @Slot()
    def _tick(self) -> None:
        service = self._service
        if service is None or self._tick_running or self._worker.closed:
            return
        self._tick_running = True
        handover_id = self._handover_id if self._active else ""
        if handover_id:
            call: Callable[[], object] = lambda: service.poll(handover_id)  # noqa: E731
        else:
            call = service.watch
        self._submit("tick", call, lambda value: self._on_tick(handover_id, value), busy=False)

    def _refresh_lists(self) -> None:
        service = self._service
        if service is None:
            return
        self._submit(
            "staff_lists", service.staff_lists, self._or_unavailable(self._on_lists), busy=False
        )

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Stop the timers and wait for the worker (tests and shutdown); True when done."""
        self._poll_timer.stop()
        self._watch_timer.stop()
        return self._worker.wait_idle(timeout)

    def close(self) -> None:
        """Stop the timers and the worker thread (GUI thread; at shutdown)."""
        self._poll_timer.stop()
        self._watch_timer.stop()
        self._result_timer.stop()
        self._worker.close()

    # -- GUI thread ----------------------------------------------------------------------------

    @Slot(str)
    def _on_scanned(self, text: str) -> None:
        service = self._service
        if service is None:
            self._ignore("hand-over is not configured")
        elif self._kiosk.current_screen is not Screen.HOME or self._kiosk.property("busy"):
            self._ignore("another journey is on screen")
        elif self._user_jobs:
            self._ignore("a hand-over call is in progress")
        elif self._screen is HandoverScreen.CASES and self._active:
            handover_id = self._handover_id
            self._touched()
            self._act("select_case", lambda: service.select_case(handover_id, text))
        elif self._active:
            self._ignore("a hand-over is in progress")
        elif not is_handover_code(text) and self._screen is not HandoverScreen.SCAN:
            self._ignore("not a pickup code or staff card")
        else:
            # NOTE: on the pickup scan screen anything scanned is answered by the service
            # (a refusal on screen and a handover.refused event), not silently dropped.
            self._touched()
            self._result_timer.stop()
            if token_type(text) == "staff":
                self._act("identify_staff_card", lambda: service.identify_staff_card(text))
            else:
                self._act("scan_pickup", lambda: service.scan_pickup(text))

    def _ignore(self, why: str) -> None:
        log.info("hand-over scan ignored: %s", why)
        self.scanIgnored.emit(why)

    def _show(self, outcome: HandoverOutcome, *, from_poll: bool = False) -> None:
        """Show an outcome: pick the screen, start or stop polling."""
        code, state = outcome.code, outcome.state
        if outcome.handover_id and outcome.handover_id != self._handover_id:
            self._handover_id = outcome.handover_id
            self._pin_wrong = None
        self._set_active(state is not None and not state.terminal)
        if code is OutcomeCode.STAFF_IDENTIFIED and not self._staff_session:
            self._staff_session = True
            self.staffChanged.emit()
            service, handover_id = self._service, outcome.handover_id
            if service is not None:
                self._submit(
                    "actor",
                    lambda: _actor(service, handover_id),
                    self._or_unavailable(self._on_actor),
                    busy=False,
                )
        if from_poll and self._outcome == outcome:
            return
        if code is not OutcomeCode.ENTER_PIN:
            self._pin_wrong = outcome if code is OutcomeCode.PIN_WRONG else None
        self._outcome = outcome
        self.outcomeChanged.emit()
        self._result_timer.stop()
        if code is OutcomeCode.PIN_WRONG or code is OutcomeCode.ENTER_PIN:
            self._set_screen(HandoverScreen.PIN)
        elif (
            code in (OutcomeCode.STAFF_REFUSED, OutcomeCode.STAFF_PIN_PAUSED)
            and self._screen is HandoverScreen.STAFF
        ):
            self._staff.set(error="refused")
        elif state is HandoverState.STAFF_IDENTIFIED:
            self._notice = None if code is OutcomeCode.STAFF_IDENTIFIED else outcome
            self.outcomeChanged.emit()
            self._set_screen(HandoverScreen.CASES)
            self._claims_barcodes = True
            self._refresh_lists()
        elif code in DOOR_CODES and self._active:
            self._set_screen(HandoverScreen.DOOR)
        else:
            self._set_screen(HandoverScreen.RESULT)
            if not self._active:
                self._result_timer.start()
        if state is not HandoverState.STAFF_IDENTIFIED:
            self._claims_barcodes = False
        if not from_poll or code in WARNING_CODES:
            self._kiosk.noteActivity()  # news on the screen: the inactivity limit restarts
        if (not self._active and not from_poll) or (state is not None and state.terminal):
            self.handoverFinished.emit(outcome)

    def _set_active(self, active: bool) -> None:
        if active == self._active and (self._poll_timer.isActive() or self._watch_timer.isActive()):
            return
        self._active = active
        if self._worker.closed:
            return
        if active:
            self._watch_timer.stop()
            self._poll_timer.start()
        else:
            self._poll_timer.stop()
            self._watch_timer.start()

    def holds_screen(self) -> bool:
        """True while a door is open or opening (the screen must keep saying which one) or
        a call is under way (``IdleJourney``)."""
        if self._user_jobs:
            return True
        outcome = self._outcome
        return self._active and (outcome is None or outcome.state not in WAITING_STATES)

    def clear_person(self) -> None:
        """The inactivity limit passed: cancel a hand-over waiting for a PIN or a case, go
        home and forget the digits, the staff member and the case lists (``IdleJourney``)."""
        if self._screen is not HandoverScreen.NONE:
            log.info("no touch on the hand-over screen: back home")
        self._leave()

    @Slot()
    def _on_result_timeout(self) -> None:
        if self._screen is HandoverScreen.RESULT and not self._staff_session:
            self._leave()

    def _leave(self) -> None:
        """Back to the home screen; cancel a hand-over that waits for a PIN or a case."""
        service = self._service
        outcome = self._outcome
        if service is not None and self._active and outcome is not None:
            if outcome.state in WAITING_STATES:
                handover_id = self._handover_id
                self._submit(
                    "cancel",
                    lambda: service.cancel(handover_id),
                    self._or_unavailable(_ignore),
                    busy=False,
                )
                self._set_active(False)
            else:
                return  # a door is open: stay until the machine ends it
        self._result_timer.stop()
        was_showing = self._screen is not HandoverScreen.NONE
        self._set_screen(HandoverScreen.NONE)
        self._claims_barcodes = False
        self._handover_id = ""
        self._outcome = None
        self._notice = None
        self._pin_wrong = None
        self._set_pin("")
        self._staff_session = False
        self._staff.reset()
        if self.cases.rowCount() or self.returned.rowCount():
            self.cases.set_rows([])  # NOTE: the case ids are the citizens' (privacy)
            self.returned.set_rows([])
        self.outcomeChanged.emit()
        if was_showing and self._kiosk.current_screen is Screen.HOME:
            self._kiosk.setLanguage(self._config.ui.languages[0])

    def _touched(self) -> None:
        self._kiosk.noteActivity()

    def _set_screen(self, screen: HandoverScreen) -> None:
        self._claims_all_scans = screen is HandoverScreen.SCAN
        if screen != self._screen:
            log.debug("hand-over screen %r -> %r", self._screen.value, screen.value)
        changed(self, "_screen", screen, self.screenChanged)

    def _set_pin(self, pin: str) -> None:
        changed(self, "_pin", pin, self.pinChanged)

    # -- properties ----------------------------------------------------------------------------

    def _text(self, outcome: HandoverOutcome | None, part: str) -> str:
        if outcome is None:
            return ""
        catalog = self._catalogs.get(self._kiosk.current_language)
        if catalog is None:
            return ""
        message_id = outcome.title_id if part == "title" else outcome.body_id
        # Word joiners keep each phrase on one line (kiosk/i18n/linebreak.py).
        return phrased(catalog.text(message_id, *outcome.args), catalog.language)

    def _get_busy(self) -> bool:
        return self._user_jobs > 0

    def _get_code(self) -> str:
        return self._outcome.code.value if self._outcome else ""

    def _get_tone(self) -> str:
        return tone_of(self._outcome.code) if self._outcome is not None else ""

    def _get_title(self) -> str:
        return self._text(self._outcome, "title")

    def _get_body(self) -> str:
        return self._text(self._outcome, "body")

    def _get_door(self) -> int:
        door = self._outcome.door if self._outcome else None
        return door or 0

    def _get_door_column(self) -> int:
        return door_place(self._get_door())[0]

    def _get_door_row(self) -> int:
        return door_place(self._get_door())[1]

    def _get_available(self) -> bool:
        return self._service is not None

    def _get_pin_mask(self) -> str:
        return MASK * len(self._pin)

    def _get_staff_error(self) -> bool:
        return bool(self._staff.error)

    def _get_pin_complete(self) -> bool:
        return len(self._pin) >= PIN_MIN

    def _get_pin_error(self) -> str:
        return self._text(self._pin_wrong, "body")

    def _staff_keypad(self) -> bool:
        return self._service is not None and bool(self._service.settings.staff_pins)

    def _get_staff_error_text(self) -> str:
        outcome = self._outcome
        if outcome is None or outcome.code not in (
            OutcomeCode.STAFF_REFUSED,
            OutcomeCode.STAFF_PIN_PAUSED,
        ):
            return ""
        return self._text(outcome, "body")

    def _get_notice(self) -> str:
        if self._notice is None:
            return ""
        return self._text(self._notice, "title") + "\n" + self._text(self._notice, "body")

    available = Property(bool, _get_available, constant=True)
    screen = reads(str, "_screen", notify=screenChanged)
    busy = Property(bool, _get_busy, notify=busyChanged)
    code = Property(str, _get_code, notify=outcomeChanged)
    tone = Property(str, _get_tone, notify=outcomeChanged)
    title = Property(str, _get_title, notify=outcomeChanged)
    body = Property(str, _get_body, notify=outcomeChanged)
    door = Property(int, _get_door, notify=outcomeChanged)
    doorColumn = Property(int, _get_door_column, notify=outcomeChanged)
    doorRow = Property(int, _get_door_row, notify=outcomeChanged)
    lockerColumns = reads(int, "_columns")
    lockerRows = reads(int, "_locker_rows")
    pinMask = Property(str, _get_pin_mask, notify=pinChanged)
    pinComplete = Property(bool, _get_pin_complete, notify=pinChanged)
    pinError = Property(str, _get_pin_error, notify=outcomeChanged)
    staffId = reads(str, "_staff.number", notify=staffChanged)
    staffPinMask = reads(str, "_staff.pin_mask", notify=staffChanged)
    staffField = reads(str, "_staff.field", notify=staffChanged)
    staffError = Property(bool, _get_staff_error, notify=staffChanged)
    staffSession = reads(bool, "_staff_session", notify=staffChanged)
    staffKeypad = Property(bool, _staff_keypad, constant=True)
    staffErrorText = Property(str, _get_staff_error_text, notify=outcomeChanged)
    notice = Property(str, _get_notice, notify=outcomeChanged)
    caseList = reads(QObject, "cases")
    returnedList = reads(QObject, "returned")

    # -- Python-side read access (tests, the app) ---------------------------------------------

    @property
    def current_screen(self) -> HandoverScreen:
        """The hand-over screen shown now (NONE: the other journeys)."""
        return self._screen

    @property
    def last_outcome(self) -> HandoverOutcome | None:
        """The outcome on screen."""
        return self._outcome

    @property
    def handover_id(self) -> str:
        """The hand-over on screen (empty when none)."""
        return self._handover_id


def _actor(service: HandoverService, handover_id: str) -> str:
    record = service.handover(handover_id)
    return record.actor if record is not None else ""


def _ignore(_value: object) -> None:
    """An answer nobody waits for (a cancel: the screen has gone home already)."""


__all__ = ["CaseListModel", "HandoverScreen", "HandoverViewModel", "is_handover_code"]

"""The check-in screens: a scanned booking QR or a typed code, and what came of it.

State only; the QML files lay it out. Codes arrive on the scanner's thread and are handed to
the GUI thread with a queued signal; the check-in itself (a signature check and one SQLite
commit) and an optional slip run on a worker thread, and the outcome comes back through
another queued signal. Server answers (queue position) arrive the same way.
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.config import KioskConfig
from kiosk.core.booking_codes import CODE_LENGTH, format_booking_code
from kiosk.core.checkin import CheckInOutcome, CheckInResult, OutcomeFamily, OutcomeListener
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.i18n.linebreak import phrased
from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.kiosk_view_model import KioskViewModel, Screen
from kiosk.ui.qml_property import changed, reads

log = logging.getLogger(__name__)


class CheckInScreen(enum.StrEnum):
    """The check-in screens (``CheckInViewModel.screen``); NONE shows the ticket screens."""

    NONE = ""
    KEYPAD = "checkin_keypad"
    ACCEPTED = "checkin_accepted"
    REJECTED = "checkin_rejected"
    UNREADABLE = "checkin_unreadable"


_FAMILY_SCREENS = {
    "accepted": CheckInScreen.ACCEPTED,
    "rejected": CheckInScreen.REJECTED,
    "unreadable": CheckInScreen.UNREADABLE,
}


class CheckInDesk(Protocol):
    """What the screens need from the check-in service (``CheckInService`` fits)."""

    @property
    def prints_slips(self) -> bool:
        """True when an accepted check-in prints a slip."""
        ...

    def check_in(self, text: str) -> CheckInOutcome:
        """Check a scanned text in (never raises)."""
        ...

    def check_in_code(self, code: str) -> CheckInOutcome:
        """Check a typed short code in (never raises)."""
        ...

    def print_slip(self, outcome: CheckInOutcome, language: str) -> bool:
        """Print the slip of an accepted check-in."""
        ...

    def subscribe(self, listener: OutcomeListener) -> None:
        """Be told when a server answer changes an outcome (any thread)."""
        ...


class CheckInViewModel(QObject):
    """The state of the check-in screens.

    Properties (QML): ``available`` (False: no check-in service, the home button is hidden),
    ``screen``, ``busy``, ``resultCode``, ``family``, ``title``, ``body``, ``detail``,
    ``enteredCode``, ``codeComplete``, ``keypadError``, ``screenSeconds``.

    Args:
        config: the kiosk config (``[checkin] screen_s``, ``[ui] inactivity_s``).
        desk: the check-in service, or None when check-in is not configured.
        kiosk: the ticket journey's view-model (language, and whether a ticket is printing).
        parent: Qt parent.
    """

    screenChanged = Signal()
    busyChanged = Signal()
    resultChanged = Signal()
    keypadChanged = Signal()
    checkinFinished = Signal(object)  # CheckInOutcome, on the GUI thread (tests, the app)
    scanIgnored = Signal(str)  # why a scan was not checked in (tests, logs)

    def __init__(
        self,
        config: KioskConfig,
        desk: CheckInDesk | None,
        kiosk: KioskViewModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._desk = desk
        self._kiosk = kiosk
        self._screen = CheckInScreen.NONE
        self._outcome: CheckInOutcome | None = None
        self._entered = ""
        self._keypad_error = False
        self._busy = False
        self._worker = GuiWorker("check-in", self)

        self._scans = GuiInbox(self._on_scanned, "scan", self)  # from the scanner's thread
        self._decisions = GuiInbox(self._on_decided, "check-in outcome", self)  # its slip next
        self._answers = GuiInbox(self._on_answered, "server answer", self)  # from the link
        kiosk.languageChanged.connect(self.resultChanged)
        if desk is not None:
            desk.subscribe(self._answers.post)

        self._result_timer = QTimer(self)
        self._result_timer.setSingleShot(True)
        self._result_timer.setInterval(round(config.checkin.screen_s * 1000))
        self._result_timer.timeout.connect(self._finish)
        kiosk.idle.add(self)  # the kiosk's one inactivity limit clears the keypad and results

    # -- entry points from other threads -------------------------------------------------------

    def on_scanned_code(self, code: ScannedCode) -> None:
        """Thread-safe: check a scanned code in (the scanner's ``on_code`` listener)."""
        self._scans.post(code.text)

    def submit_scan(self, text: str) -> None:
        """Thread-safe: check ``text`` in, as if scanned."""
        self._scans.post(text)

    # -- slots for QML ---------------------------------------------------------------------------

    @Slot()
    def openKeypad(self) -> None:
        """Show the keypad for the short booking code (home button, unreadable screen)."""
        if self._desk is None or self._busy:
            return
        self._kiosk.noteActivity()
        self._result_timer.stop()
        self._set_entered("", error=False)
        self._set_screen(CheckInScreen.KEYPAD)

    @Slot(str)
    def pressDigit(self, digit: str) -> None:
        """A digit key on the keypad."""
        self._keypad_touched()
        if len(digit) == 1 and digit.isdigit() and len(self._entered) < CODE_LENGTH:
            self._set_entered(self._entered + digit, error=False)

    @Slot()
    def deleteDigit(self) -> None:
        """The "delete" key: remove the last digit."""
        self._keypad_touched()
        self._set_entered(self._entered[:-1], error=False)

    @Slot()
    def clearCode(self) -> None:
        """The "clear" key: start again."""
        self._keypad_touched()
        self._set_entered("", error=False)

    @Slot()
    def submitCode(self) -> None:
        """The "OK" key: check the typed code in."""
        self._keypad_touched()
        if self._desk is None or self._busy or len(self._entered) != CODE_LENGTH:
            return
        self._start(self._desk.check_in_code, self._entered)

    @Slot()
    def done(self) -> None:
        """ "Done" or "Cancel": back to the ticket screens."""
        self._kiosk.noteActivity()
        self._finish()

    # -- GUI thread ----------------------------------------------------------------------------

    @Slot(str)
    def _on_scanned(self, text: str) -> None:
        if self._desk is None:
            self._ignore("check-in is not configured")
        elif self._kiosk.current_screen is Screen.PRINTING or self._kiosk.property("busy"):
            self._ignore("a ticket is printing")
        elif self._busy:
            self._ignore("a check-in is in progress")
        else:
            self._kiosk.noteActivity()
            self._start(self._desk.check_in, text)

    def _ignore(self, why: str) -> None:
        log.info("scan ignored: %s", why)
        self.scanIgnored.emit(why)

    def _start(self, action: Callable[[str], CheckInOutcome], text: str) -> None:
        self._set_busy(True)
        language = self._kiosk.current_language
        desk = self._desk

        def work() -> None:
            outcome = action(text)
            # NOTE: shown at once; the slip prints meanwhile, and the screen stays busy (no
            # second check-in) until it is out.
            self._decisions.post(outcome)
            wants_slip = outcome.result is CheckInResult.ACCEPTED and not outcome.repeated
            if desk is not None and wants_slip and desk.prints_slips:
                desk.print_slip(outcome, language)

        self._worker.submit("check-in", work, self._on_idle)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for a running check-in and its slip (tests and shutdown); True when done."""
        return self._worker.wait_idle(timeout)

    @Slot(object)
    def _on_decided(self, outcome: CheckInOutcome) -> None:
        if outcome.result is CheckInResult.CODE_INVALID:
            self._set_entered(self._entered, error=True)
            self._kiosk.noteActivity()  # the answer is news on the screen: the limit restarts
        else:
            self._outcome = outcome
            self.resultChanged.emit()
            self._set_entered("", error=False)
            self._set_screen(_FAMILY_SCREENS[outcome.family.value])
            self._result_timer.start()
        log.info("check-in %s shown (%s)", outcome.ref or "-", outcome.result)
        self.checkinFinished.emit(outcome)

    def _on_idle(self, _failure: Exception | None) -> None:
        self._set_busy(False)  # NOTE: also after a failure (logged): never stays busy

    @Slot(object)
    def _on_answered(self, outcome: CheckInOutcome) -> None:
        current = self._outcome
        # NOTE: only a check-in on screen waits for the server's word. A refusal with the same
        # ref (a copied QR scanned after the original's check-in) must not turn green when
        # the original's answer arrives.
        if (
            current is None
            or current.ref != outcome.ref
            or current.family is not OutcomeFamily.ACCEPTED
            or self._screen
            in (
                CheckInScreen.NONE,
                CheckInScreen.KEYPAD,
            )
        ):
            return  # the screen has moved on; the answer is stored by the service
        self._outcome = outcome
        self.resultChanged.emit()
        self._set_screen(_FAMILY_SCREENS[outcome.family.value])
        self._result_timer.start()

    @Slot()
    def _finish(self) -> None:
        self._result_timer.stop()
        was_showing = self._screen is not CheckInScreen.NONE
        self._set_screen(CheckInScreen.NONE)
        self._set_entered("", error=False)
        if self._outcome is not None:
            self._outcome = None
            self.resultChanged.emit()
        if was_showing and self._kiosk.current_screen is Screen.HOME:
            self._kiosk.setLanguage(self._config.ui.languages[0])  # the next person starts fresh

    def _keypad_touched(self) -> None:
        self._kiosk.noteActivity()

    def holds_screen(self) -> bool:
        """True while a code is being checked: its answer comes next (``IdleJourney``)."""
        return self._busy

    def clear_person(self) -> None:
        """The inactivity limit passed: forget the typed digits and the result shown."""
        self._finish()

    def _set_screen(self, screen: CheckInScreen) -> None:
        if screen != self._screen:
            log.debug("check-in screen %r -> %r", self._screen.value, screen.value)
        changed(self, "_screen", screen, self.screenChanged)

    def _set_busy(self, busy: bool) -> None:
        changed(self, "_busy", busy, self.busyChanged)

    def _set_entered(self, entered: str, *, error: bool) -> None:
        if entered != self._entered or error != self._keypad_error:
            self._entered = entered
            self._keypad_error = error
            self.keypadChanged.emit()

    # -- properties ----------------------------------------------------------------------------

    def _text(self, part: str) -> str:
        if self._outcome is None:
            return ""
        language = self._kiosk.current_language
        text = self._outcome.text(language)
        return phrased(str(getattr(text, part)), language)  # each phrase kept on one line

    def _get_available(self) -> bool:
        return self._desk is not None

    def _get_result_code(self) -> str:
        return self._outcome.result.value if self._outcome else ""

    def _get_family(self) -> str:
        return self._outcome.family.value if self._outcome else ""

    def _get_title(self) -> str:
        return self._text("title")

    def _get_body(self) -> str:
        return self._text("body")

    def _get_detail(self) -> str:
        return self._text("detail")

    def _get_entered_code(self) -> str:
        return format_booking_code(self._entered)

    def _get_code_complete(self) -> bool:
        return len(self._entered) == CODE_LENGTH

    def _get_screen_seconds(self) -> int:
        return round(self._config.checkin.screen_s)

    available = Property(bool, _get_available, constant=True)
    screen = reads(str, "_screen", notify=screenChanged)
    busy = reads(bool, "_busy", notify=busyChanged)
    resultCode = Property(str, _get_result_code, notify=resultChanged)
    family = Property(str, _get_family, notify=resultChanged)
    title = Property(str, _get_title, notify=resultChanged)
    body = Property(str, _get_body, notify=resultChanged)
    detail = Property(str, _get_detail, notify=resultChanged)
    enteredCode = Property(str, _get_entered_code, notify=keypadChanged)
    codeComplete = Property(bool, _get_code_complete, notify=keypadChanged)
    keypadError = reads(bool, "_keypad_error", notify=keypadChanged)
    screenSeconds = Property(int, _get_screen_seconds, constant=True)

    # -- read from Python (tests, the app) ------------------------------------------------------

    @property
    def current_screen(self) -> CheckInScreen:
        """The check-in screen shown now (NONE: the ticket screens)."""
        return self._screen

    @property
    def last_outcome(self) -> CheckInOutcome | None:
        """The outcome on screen."""
        return self._outcome

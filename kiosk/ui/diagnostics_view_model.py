"""The technicians' diagnostics screen: sign in with a number and PIN, then the kiosk's state.

State only; ``DiagnosticsSignInScreen.qml`` and ``DiagnosticsScreen.qml`` lay it out. The way
in is a hidden gesture (a 5-second press on the status bar's clock, ``KioskStatusBar.qml``)
that exists only when ``[diagnostics] technician_pins`` names a technician, then the
technician's number and PIN (:class:`~kiosk.core.diagnostics.technician.TechnicianAccess`:
scrypt verifiers and a budget of wrong PINs that pauses this keypad only). The screen is
never shown without a PIN accepted for the sign-in on screen, and it closes itself after
``[diagnostics] inactivity_s`` without a touch and as soon as a citizen's journey starts (a
scan, a ticket, a hand-over or a photo screen): it is never on a citizen's path.

It reads everything through the :class:`~kiosk.core.diagnostics.model.Diagnostics` Protocol:
``status()`` (devices with reason and since, the link, disk, clock, versions, counters,
recent faults, the flight recorder's frames) every :data:`REFRESH_MS` while shown, and
``run_self_test`` for each self-test's button. Every call runs on a worker thread (a PIN
check is scrypt, a self-test waits for devices and people); results come back to the GUI
thread through a queued signal. A diagnostics that also tells what a running test asks of
the person at the kiosk (``subscribe_prompts``: scan the code shown, open door 7, close it)
and can end a waiting test (``cancel_self_test``), as ``DiagnosticsService`` does, gets its
prompt on screen (with the code as a QR to scan) and a "cancel" button; closing the screen
cancels a test that waits for a person. One whose ``run_self_test`` takes ``via`` and
``actor`` is told ``screen`` and the signed-in technician (for its audit events).
An open staff call (the call-staff button, issue 13) is shown with one button that
acknowledges it in the signed-in technician's name (``acknowledgeStaffCall``).
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import enum
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.config import KioskConfig
from kiosk.core.diagnostics.model import (
    Diagnostics,
    SelfTestInfo,
    SelfTestResult,
    StatusReport,
)
from kiosk.core.diagnostics.technician import CloseReason, SignIn, TechnicianAccess
from kiosk.i18n.catalog import Catalog
from kiosk.ui.diagnostics_rows import DiagnosticsRows, error_text
from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.keypad import NumberPinKeypad
from kiosk.ui.kiosk_view_model import KioskViewModel, Screen
from kiosk.ui.qml_property import changed, reads
from kiosk.ui.qr_image import qr_source
from kiosk.ui.row_model import RowListModel
from kiosk.ui.staff_call_view_model import StaffCallViewModel

log = logging.getLogger(__name__)

REFRESH_MS = 2000
"""How often the status is read again while the screen is shown."""
GESTURE_HOLD_MS = 5000
"""The hidden gesture: how long the status bar's clock must be pressed (KioskStatusBar.qml)."""
ID_MAX = 10
"""Digits of a technician number."""
PIN_MIN, PIN_MAX = 4, 12
"""Digits a technician PIN may have (``kiosk pin-verifier`` takes 4 to 12)."""
SECTIONS = ("overview", "tests", "faults", "frames")
"""The screen's sections (its tab buttons)."""
CITIZEN_FREE_SCREENS = frozenset({Screen.HOME.value, Screen.OUT_OF_SERVICE.value})
"""The ticket journey's screens over which the diagnostics may show."""


class SelfTestPrompt(Protocol):
    """What a running self-test asks of the person at the kiosk (``self_tests.Prompt``)."""

    @property
    def kind(self) -> str:
        """``scan_code``, ``open_door`` or ``close_door``."""
        ...

    @property
    def text_id(self) -> str:
        """The instruction's message id (its ``%1`` is the code or the door)."""
        ...

    @property
    def payload(self) -> str:
        """The code to scan (empty otherwise)."""
        ...

    @property
    def door(self) -> int | None:
        """The door to open or close (None otherwise)."""
        ...


class DiagnosticsScreen(enum.StrEnum):
    """The diagnostics screens (``DiagnosticsViewModel.screen``); NONE shows the others."""

    NONE = ""
    SIGN_IN = "diagnostics_sign_in"
    MAIN = "diagnostics"


class DiagnosticsViewModel(QObject):
    """The state of the diagnostics screens.

    Properties (QML): ``available`` (False: no technician PINs or no diagnostics: the
    gesture does not exist), ``screen``, ``busy``, ``technicianId``, ``pinMask``, ``field``
    (``id`` or ``pin``), ``signInError`` (``""``, ``refused``, ``paused``), ``section``,
    ``statusError``, ``takenAt``, ``worst``, ``testRunning``, ``promptActive``,
    ``promptText``, ``promptCode``, ``promptQr``, ``canCancel``, and the lists ``summary``
    (label, value, tone), ``devices``, ``counters``, ``faults``, ``frames``, ``tests``.

    Args:
        config: the kiosk config (``[diagnostics] inactivity_s``, the time zone).
        diagnostics: the kiosk's diagnostics, or None (no way in).
        access: the technicians' PIN check, or None (no way in).
        kiosk: the ticket journey's view-model (language, its screen).
        catalogs: the message catalogues by language (the rows are translated here).
        journeys: the other journeys' view-models (``checkinModel``, ``photoModel``,
            ``handoverModel``): a screen of theirs closes the diagnostics.
        parent: Qt parent.
        staff_call: the open staff call (``staffCallModel``); None: no call-staff button.
    """

    screenChanged = Signal()
    busyChanged = Signal()
    signInChanged = Signal()
    sectionChanged = Signal()
    reportChanged = Signal()
    testsChanged = Signal()
    selfTestFinished = Signal(object)  # SelfTestResult, on the GUI thread (tests)
    closedBecause = Signal(str)  # CloseReason value, on the GUI thread (tests)

    promptChanged = Signal()

    def __init__(
        self,
        config: KioskConfig,
        diagnostics: Diagnostics | None,
        access: TechnicianAccess | None,
        kiosk: KioskViewModel,
        catalogs: Mapping[str, Catalog],
        journeys: Sequence[QObject] = (),
        parent: QObject | None = None,
        *,
        staff_call: StaffCallViewModel | None = None,
    ) -> None:
        super().__init__(parent)
        self._staff_call = staff_call
        self._config = config
        self._diagnostics = diagnostics
        self._access = access
        self._kiosk = kiosk
        self._catalogs = dict(catalogs)
        self._journeys = list(journeys)
        self._available = diagnostics is not None and access is not None and access.available
        self._screen = DiagnosticsScreen.NONE
        # NOTE: its number is the technician typed, then the signed-in one.
        self._keypad = NumberPinKeypad(
            number_max=ID_MAX, pin_min=PIN_MIN, pin_max=PIN_MAX, on_change=self.signInChanged.emit
        )
        self._attempt = 0  # a sign-in result opens the screen only for the attempt on screen
        self._signing_in = False
        self._section = SECTIONS[0]
        self._report: StatusReport | None = None
        self._status_error = ""
        self._status_pending = False
        self._infos: list[SelfTestInfo] = []
        self._results: dict[tuple[str, str], SelfTestResult | str] = {}  # str: "running"
        self._running: tuple[str, str] | None = None
        self._prompt: SelfTestPrompt | None = None
        self._worker = GuiWorker("diagnostics", self)
        self._test_worker = GuiWorker("self-test", self)
        self._rows = DiagnosticsRows(self._text, config.timezone)

        self.summary = RowListModel(("key", "label", "value", "tone"), self)
        self.devices = RowListModel(
            ("name", "label", "health", "stateText", "reason", "detail", "since"), self
        )
        self.counters = RowListModel(("name", "label", "value"), self)
        self.faults = RowListModel(
            ("device", "label", "health", "stateText", "reason", "detail", "since"), self
        )
        self.frames = RowListModel(("device", "label", "at", "direction", "hex"), self)
        self.tests = RowListModel(
            (
                "device",
                "name",
                "title",
                "needsPerson",
                "result",
                "stateText",
                "measured",
                "detail",
            ),
            self,
        )

        self._prompts = GuiInbox(self._on_prompt, "self-test prompt", self)  # from a test
        subscribe = getattr(diagnostics, "subscribe_prompts", None)
        if callable(subscribe):
            subscribe(self._prompts.post)  # a prompt, or None: no longer waiting
        self._tests_take_actor = diagnostics is not None and _takes(
            diagnostics.run_self_test, "via", "actor"
        )
        kiosk.languageChanged.connect(self._retranslate)
        kiosk.screenChanged.connect(self._on_journey_changed)
        for journey in self._journeys:
            signal = getattr(journey, "screenChanged", None)
            if signal is not None:
                signal.connect(self._on_journey_changed)

        self._inactivity = QTimer(self)
        self._inactivity.setSingleShot(True)
        self._inactivity.setInterval(round(config.diagnostics.inactivity_s * 1000))
        self._inactivity.timeout.connect(self._on_inactive)
        kiosk.idle.add(self)  # holds the citizens' limit off while shown (holds_screen)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)

    # -- slots for QML: the way in --------------------------------------------------------------

    @Slot()
    def openSignIn(self) -> None:
        """The hidden gesture: ask for a technician number and PIN.

        Ignored when there is no way in, while another screen is up or a citizen's journey
        is on.
        """
        if not self._available or self._screen is not DiagnosticsScreen.NONE:
            return
        if not self._citizen_free():
            log.info("diagnostics gesture ignored: a citizen's journey is on screen")
            return
        log.info("diagnostics sign-in asked for (hidden gesture)")
        self._keypad.reset()
        self._set_screen(DiagnosticsScreen.SIGN_IN)
        self.noteActivity()

    @Slot(str)
    def pressDigit(self, digit: str) -> None:
        """A digit key of the sign-in keypad."""
        self.noteActivity()
        if self._screen is DiagnosticsScreen.SIGN_IN:
            self._keypad.press(digit)

    @Slot()
    def deleteDigit(self) -> None:
        """The "delete" key."""
        self.noteActivity()
        self._keypad.delete()

    @Slot()
    def clearDigits(self) -> None:
        """The "clear" key."""
        self.noteActivity()
        self._keypad.clear()

    @Slot(str)
    def selectField(self, field: str) -> None:
        """A tap on the number or the PIN field."""
        self.noteActivity()
        self._keypad.select(field)

    @Slot()
    def submit(self) -> None:
        """ "OK": on to the PIN, or check the number and PIN (on the worker)."""
        self.noteActivity()
        access = self._access
        keypad = self._keypad
        if access is None or self._screen is not DiagnosticsScreen.SIGN_IN or self._signing_in:
            return
        if not keypad.advance():
            return
        technician, pin, attempt = keypad.number, keypad.pin, self._attempt + 1
        keypad.set(pin="", error="")
        self._attempt = attempt
        self._set_signing_in(True)
        self._worker.submit(
            "sign_in",
            lambda: access.sign_in(technician, pin),
            lambda value: self._on_signed_in(attempt, technician, value),
        )

    # -- slots for QML: the screen ---------------------------------------------------------------

    @Slot(str)
    def showSection(self, section: str) -> None:
        """A section button (``overview``, ``tests``, ``faults``, ``frames``)."""
        self.noteActivity()
        if section in SECTIONS and section != self._section:
            self._section = section
            self.sectionChanged.emit()

    @Slot()
    def refresh(self) -> None:
        """Read the status again (on the worker; one read at a time)."""
        diagnostics = self._diagnostics
        if diagnostics is None or self._screen is not DiagnosticsScreen.MAIN:
            return
        # NOTE: the ticket journey's own inactivity (30 s) would switch the language back to
        # the first one under a technician reading the screen; it restarts once we close.
        self._kiosk.noteActivity()
        if self._status_pending:
            return
        self._status_pending = True
        self._worker.submit("status", diagnostics.status, self._on_status)

    @Slot(str, str)
    def runSelfTest(self, device: str, name: str) -> None:
        """A self-test's button: run it on the self-test worker (one at a time)."""
        self.noteActivity()
        diagnostics = self._diagnostics
        if diagnostics is None or self._screen is not DiagnosticsScreen.MAIN:
            return
        if self._running is not None:
            log.info("self-test %s/%s not started: %s/%s is running", device, name, *self._running)
            return
        if not any(i.device == device and i.name == name for i in self._infos):
            log.warning("self-test %s/%s is not offered by this kiosk", device, name)
            return
        log.info("self-test %s/%s started from the diagnostics screen", device, name)
        self._running = (device, name)
        self._results[(device, name)] = "running"
        self.testsChanged.emit()
        self._rebuild_tests()
        technician, audited = self._keypad.number, self._tests_take_actor

        def run() -> SelfTestResult:
            if audited:
                # NOTE: a test's audit events (a door test's audit.locker_open) name who ran it.
                with_actor: Callable[..., SelfTestResult] = diagnostics.run_self_test
                return with_actor(device, name, via="screen", actor=technician)
            return diagnostics.run_self_test(device, name)

        self._test_worker.submit(
            f"self-test {device}/{name}", run, lambda value: self._on_self_test(device, name, value)
        )

    @Slot()
    def acknowledgeStaffCall(self) -> None:
        """The open staff call's button: staff took it, in the signed-in technician's name."""
        self.noteActivity()
        if self._staff_call is None or self._screen is not DiagnosticsScreen.MAIN:
            return
        self._staff_call.acknowledge(self._keypad.number)

    @Slot()
    def cancelSelfTest(self) -> None:
        """ "Cancel" on a test's prompt: end the waiting test (it fails as cancelled)."""
        self.noteActivity()
        self._cancel_running("the cancel button")

    @Slot()
    def noteActivity(self) -> None:
        """Someone touched the screen: restart the inactivity timer (while it is shown)."""
        if self._screen is not DiagnosticsScreen.NONE:
            self._inactivity.start()

    @Slot()
    def cancel(self) -> None:
        """ "Close" (or "Cancel" on the sign-in): back to the screen underneath."""
        self._close(CloseReason.DONE)

    # -- the workers' answers (GUI thread) ------------------------------------------------------

    def _on_status(self, value: StatusReport | Exception) -> None:
        self._status_pending = False
        if self._screen is not DiagnosticsScreen.MAIN:
            return
        if isinstance(value, StatusReport):
            self._report = value
            self._status_error = ""
        else:
            self._status_error = error_text(value)
        self._rebuild_report()

    def _on_self_tests(self, value: Sequence[SelfTestInfo] | Exception) -> None:
        if isinstance(value, Sequence):
            self._infos = [i for i in value if isinstance(i, SelfTestInfo)]
        else:
            log.error("the self-tests could not be listed: %s", error_text(value))
            self._infos = []
        self._rebuild_tests()

    def _on_signed_in(self, attempt: int, technician: str, value: SignIn | Exception) -> None:
        self._set_signing_in(False)
        if attempt != self._attempt or self._screen is not DiagnosticsScreen.SIGN_IN:
            # NOTE: the sign-in screen closed (inactivity, a citizen) while the PIN was being
            # checked: a late "opened" must never show the diagnostics to whoever is there.
            log.info("diagnostics sign-in answer for a closed sign-in ignored")
            return
        if value is SignIn.OPENED:
            self._keypad.set(number=technician, pin="", error="")
            self._section = SECTIONS[0]
            self.sectionChanged.emit()
            self._results.clear()
            self._set_screen(DiagnosticsScreen.MAIN)
            self.noteActivity()
            diagnostics = self._diagnostics
            if diagnostics is not None:
                self._worker.submit("self_tests", diagnostics.self_tests, self._on_self_tests)
            self.refresh()
            self._refresh_timer.start()
            return
        error = "paused" if value is SignIn.PAUSED else "refused"
        if not isinstance(value, SignIn):
            log.error("diagnostics sign-in failed: %s", error_text(value))
        self._keypad.set(pin="", field="pin", error=error)

    def _on_self_test(self, device: str, name: str, value: SelfTestResult | Exception) -> None:
        self._running = None
        self._set_prompt(None)
        if not isinstance(value, SelfTestResult):
            value = SelfTestResult(
                device=device,
                name=name,
                passed=False,
                measured={},
                detail=error_text(value),
                started_at=datetime.now().astimezone(),
                duration_s=0.0,
            )
        log.info(
            "self-test %s/%s %s: %s %s",
            device,
            name,
            "passed" if value.passed else "failed",
            dict(value.measured),
            value.detail,
        )
        if self._screen is DiagnosticsScreen.MAIN:
            self._results[(device, name)] = value
            self._rebuild_tests()
            self.refresh()  # a self-test changes health and counters
        self.testsChanged.emit()
        self.selfTestFinished.emit(value)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for the workers (tests and shutdown); True when both are idle."""
        return all(worker.wait_idle(timeout) for worker in (self._worker, self._test_worker))

    def close(self) -> None:
        """Stop the timers and the workers (GUI thread; at shutdown).

        NOTE: a self-test still running is waited for (it drives a device; it is not cut off
        mid-frame); one waiting for a person is cancelled first, or the kiosk would wait up to
        its timeout (two minutes for a door) to stop.
        """
        self._cancel_running("the kiosk stopping")
        self._inactivity.stop()
        self._refresh_timer.stop()
        self._worker.close()
        self._test_worker.close()

    # -- GUI thread ----------------------------------------------------------------------------

    @Slot(object)
    def _on_prompt(self, prompt: SelfTestPrompt | None) -> None:
        if prompt is not None and (
            self._screen is not DiagnosticsScreen.MAIN or self._running is None
        ):
            return  # a test started elsewhere (kiosk diag, diag.run): not this screen's
        self._set_prompt(prompt)
        if prompt is not None:
            self.noteActivity()
            if self._section != "tests":
                self._section = "tests"
                self.sectionChanged.emit()

    def _set_prompt(self, prompt: SelfTestPrompt | None) -> None:
        changed(self, "_prompt", prompt, self.promptChanged)

    def _cancel_running(self, why: str) -> None:
        cancel = getattr(self._diagnostics, "cancel_self_test", None)
        if self._running is None or not callable(cancel):
            return
        log.info("self-test %s/%s cancelled by %s", *self._running, why)
        cancel()

    @Slot()
    def _on_journey_changed(self) -> None:
        if self._screen is not DiagnosticsScreen.NONE and not self._citizen_free():
            log.info("a citizen's journey started: the diagnostics screen closes")
            self._close(CloseReason.CITIZEN)

    def holds_screen(self) -> bool:
        """True while shown: the technicians' screen has its own, longer limit
        (``[diagnostics] inactivity_s``), and closing clears it (``IdleJourney``)."""
        return self._screen is not DiagnosticsScreen.NONE

    def clear_person(self) -> None:
        """Nothing to clear: the screen is closed whenever the citizens' limit acts."""
        self._close(CloseReason.INACTIVITY)

    @Slot()
    def _on_inactive(self) -> None:
        if self._screen is DiagnosticsScreen.NONE:
            return
        if self._running is not None:
            self._inactivity.start()  # a self-test is under way: its result must be seen
            return
        log.info(
            "no touch on the diagnostics screen for %.0f s: closed",
            self._config.diagnostics.inactivity_s,
        )
        self._close(CloseReason.INACTIVITY)

    def _close(self, reason: CloseReason) -> None:
        if self._screen is DiagnosticsScreen.NONE:
            return
        was = self._screen
        self._attempt += 1  # a PIN being checked now can no longer open the screen
        # NOTE: nobody is left to scan the code or to shut the door a test waits for.
        self._cancel_running(f"the screen closing ({reason.value})")
        self._set_prompt(None)
        self._inactivity.stop()
        self._refresh_timer.stop()
        technician = self._keypad.number
        self._set_screen(DiagnosticsScreen.NONE)
        self._keypad.reset()
        self._report = None
        self._status_error = ""
        self._results.clear()
        self._infos = []
        self.summary.set_rows([])
        self.devices.set_rows([])
        self.counters.set_rows([])
        self.faults.set_rows([])
        self.frames.set_rows([])
        self.tests.set_rows([])
        self.reportChanged.emit()
        access = self._access
        if was is DiagnosticsScreen.MAIN and access is not None:
            self._worker.submit("closed", lambda: access.closed(technician, reason), _ignore)
        self.closedBecause.emit(reason.value)

    def _citizen_free(self) -> bool:
        if str(self._kiosk.property("screen")) not in CITIZEN_FREE_SCREENS:
            return False
        if self._kiosk.property("busy"):
            return False
        return all(not journey.property("screen") for journey in self._journeys)

    def _set_screen(self, screen: DiagnosticsScreen) -> None:
        if screen != self._screen:
            log.debug("diagnostics screen %r -> %r", self._screen.value, screen.value)
        changed(self, "_screen", screen, self.screenChanged)

    def _set_signing_in(self, busy: bool) -> None:
        changed(self, "_signing_in", busy, self.busyChanged)

    # -- the rows ------------------------------------------------------------------------------

    def _catalog(self) -> Catalog | None:
        return self._catalogs.get(self._kiosk.current_language)

    def _text(self, message_id: str, *args: object, fallback: str | None = None) -> str:
        catalog = self._catalog()
        if catalog is None or (fallback is not None and message_id not in catalog.messages):
            return fallback if fallback is not None else message_id
        return catalog.text(message_id, *args)

    @Slot()
    def _retranslate(self) -> None:
        self.promptChanged.emit()
        if self._screen is DiagnosticsScreen.MAIN:
            self._rebuild_report()
            self._rebuild_tests()

    def _rebuild_report(self) -> None:
        report = self._report
        if report is not None:
            rows = self._rows
            self.summary.set_rows(rows.summary(report))
            self.devices.set_rows(rows.devices(report))
            self.counters.set_rows(rows.counters(report))
            self.faults.set_rows(rows.faults(report))
            self.frames.set_rows(rows.frames(report))
        self.reportChanged.emit()

    def _rebuild_tests(self) -> None:
        self.tests.set_rows(self._rows.tests(self._infos, self._results))

    # -- properties ----------------------------------------------------------------------------

    def _get_taken_at(self) -> str:
        return "" if self._report is None else self._rows.local(self._report.taken_at)

    def _get_worst(self) -> str:
        return "" if self._report is None else self._report.worst

    def _get_test_running(self) -> bool:
        return self._running is not None

    def _get_prompt_active(self) -> bool:
        return self._prompt is not None

    def _get_prompt_text(self) -> str:
        prompt = self._prompt
        if prompt is None:
            return ""
        argument = prompt.payload or (prompt.door if prompt.door is not None else "")
        return self._text(prompt.text_id, argument)

    def _get_prompt_code(self) -> str:
        return self._prompt.payload if self._prompt is not None else ""

    def _get_prompt_qr(self) -> str:
        code = self._get_prompt_code()
        return qr_source(code) if code else ""

    def _get_can_cancel(self) -> bool:
        return callable(getattr(self._diagnostics, "cancel_self_test", None))

    available = reads(bool, "_available")
    screen = reads(str, "_screen", notify=screenChanged)
    busy = reads(bool, "_signing_in", notify=busyChanged)
    technicianId = reads(str, "_keypad.number", notify=signInChanged)
    pinMask = reads(str, "_keypad.pin_mask", notify=signInChanged)
    field = reads(str, "_keypad.field", notify=signInChanged)
    signInError = reads(str, "_keypad.error", notify=signInChanged)
    section = reads(str, "_section", notify=sectionChanged)
    statusError = reads(str, "_status_error", notify=reportChanged)
    takenAt = Property(str, _get_taken_at, notify=reportChanged)
    worst = Property(str, _get_worst, notify=reportChanged)
    testRunning = Property(bool, _get_test_running, notify=testsChanged)
    promptActive = Property(bool, _get_prompt_active, notify=promptChanged)
    promptText = Property(str, _get_prompt_text, notify=promptChanged)
    promptCode = Property(str, _get_prompt_code, notify=promptChanged)
    promptQr = Property(str, _get_prompt_qr, notify=promptChanged)
    canCancel = Property(bool, _get_can_cancel, constant=True)
    summaryList = reads(QObject, "summary")
    deviceList = reads(QObject, "devices")
    counterList = reads(QObject, "counters")
    faultList = reads(QObject, "faults")
    frameList = reads(QObject, "frames")
    testList = reads(QObject, "tests")

    # -- Python-side read access (tests, the app) ---------------------------------------------

    @property
    def current_screen(self) -> DiagnosticsScreen:
        """The diagnostics screen shown now (NONE: the other journeys)."""
        return self._screen

    @property
    def report(self) -> StatusReport | None:
        """The status on screen (None when closed or not read yet)."""
        return self._report


def _takes(function: Callable[..., object], *names: str) -> bool:
    """True when ``function`` has keyword parameters of all these names."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return all(name in parameters for name in names)


def _ignore(_value: object) -> None:
    """A worker call whose answer nobody waits for (its failure is logged by the worker)."""


__all__ = ["DiagnosticsScreen", "DiagnosticsViewModel", "RowListModel"]

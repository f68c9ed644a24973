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
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import enum
import inspect
import logging
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from PySide6.QtCore import (
    Property,
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from kiosk.config import KioskConfig
from kiosk.core.diagnostics.model import (
    Diagnostics,
    SelfTestInfo,
    SelfTestResult,
    StatusReport,
)
from kiosk.core.diagnostics.technician import CloseReason, SignIn, TechnicianAccess
from kiosk.devices.health import Health
from kiosk.i18n.catalog import Catalog
from kiosk.ui.kiosk_view_model import KioskViewModel, Screen
from kiosk.ui.qr_image import qr_source

log = logging.getLogger(__name__)

REFRESH_MS = 2000
"""How often the status is read again while the screen is shown."""
GESTURE_HOLD_MS = 5000
"""The hidden gesture: how long the status bar's clock must be pressed (KioskStatusBar.qml)."""
ID_MAX = 10
"""Digits of a technician number."""
PIN_MIN, PIN_MAX = 4, 12
"""Digits a technician PIN may have (``kiosk pin-verifier`` takes 4 to 12)."""
FRAMES_SHOWN = 64
"""The newest frames shown per device (as many as the drivers' flight recorders keep)."""
CLOCK_DEVICE = "clock"
"""The health entry of the clock's synchronisation (``kiosk.core.clock_guard``)."""
SECTIONS = ("overview", "tests", "faults", "frames")
"""The screen's sections (its tab buttons)."""
_ARROWS = {"tx": "→", "rx": "←"}
"""A frame's direction: kiosk to device, device to kiosk (others, such as ``--``, as they are)."""
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


class RowListModel(QAbstractListModel):
    """A flat list of rows for a QML ``Repeater`` or ``ListView``; roles are the row's keys.

    Args:
        roles: the role names, in order (each row is a mapping with these keys).
        parent: Qt parent.
    """

    countChanged = Signal()

    def __init__(self, roles: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roles = tuple(roles)
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the list (a reset: the lists are short and read whole)."""
        new = [{role: row.get(role, "") for role in self._roles} for row in rows]
        if new == self._rows:
            return
        count_changed = len(new) != len(self._rows)
        self.beginResetModel()
        self._rows = new
        self.endResetModel()
        if count_changed:
            self.countChanged.emit()

    def rows(self) -> list[dict[str, Any]]:
        """A copy of the rows (tests)."""
        return [dict(row) for row in self._rows]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        """Number of rows (0 under any parent: a flat list)."""
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The role's value of one row."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        number = role - Qt.ItemDataRole.UserRole - 1
        if role == Qt.ItemDataRole.DisplayRole:
            number = 0
        if not 0 <= number < len(self._roles):
            return None
        return self._rows[index.row()][self._roles[number]]

    def roleNames(self) -> dict[int, QByteArray]:
        """QML role names."""
        return {
            Qt.ItemDataRole.UserRole + 1 + n: QByteArray(name.encode())
            for n, name in enumerate(self._roles)
        }

    def _get_count(self) -> int:
        return len(self._rows)

    count = Property(int, _get_count, notify=countChanged)


@dataclass(frozen=True)
class _Result:
    """What came back from a worker: which call, its attempt or test, and its value."""

    tag: str
    key: object
    value: object


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

    _done = Signal(object)  # worker thread -> GUI thread: _Result
    _prompted = Signal(object)  # self-test thread -> GUI thread: SelfTestPrompt | None

    def __init__(
        self,
        config: KioskConfig,
        diagnostics: Diagnostics | None,
        access: TechnicianAccess | None,
        kiosk: KioskViewModel,
        catalogs: Mapping[str, Catalog],
        journeys: Sequence[QObject] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._diagnostics = diagnostics
        self._access = access
        self._kiosk = kiosk
        self._catalogs = dict(catalogs)
        self._journeys = list(journeys)
        self._available = diagnostics is not None and access is not None and access.available
        self._screen = DiagnosticsScreen.NONE
        self._technician = ""  # typed, then the signed-in technician
        self._pin = ""
        self._field = "id"
        self._sign_in_error = ""
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
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="diagnostics")
        self._test_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="self-test")

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

        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._prompted.connect(self._on_prompt, Qt.ConnectionType.QueuedConnection)
        subscribe = getattr(diagnostics, "subscribe_prompts", None)
        if callable(subscribe):
            subscribe(self._prompt_from_test)
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
        self._set_sign_in(technician="", pin="", field="id", error="")
        self._set_screen(DiagnosticsScreen.SIGN_IN)
        self.noteActivity()

    @Slot(str)
    def pressDigit(self, digit: str) -> None:
        """A digit key of the sign-in keypad."""
        self.noteActivity()
        if self._screen is not DiagnosticsScreen.SIGN_IN or len(digit) != 1:
            return
        if not "0" <= digit <= "9":
            return
        if self._field == "id" and len(self._technician) < ID_MAX:
            self._set_sign_in(technician=self._technician + digit)
        elif self._field == "pin" and len(self._pin) < PIN_MAX:
            self._set_sign_in(pin=self._pin + digit)

    @Slot()
    def deleteDigit(self) -> None:
        """The "delete" key."""
        self.noteActivity()
        if self._field == "id":
            self._set_sign_in(technician=self._technician[:-1])
        else:
            self._set_sign_in(pin=self._pin[:-1])

    @Slot()
    def clearDigits(self) -> None:
        """The "clear" key."""
        self.noteActivity()
        if self._field == "id":
            self._set_sign_in(technician="")
        else:
            self._set_sign_in(pin="")

    @Slot(str)
    def selectField(self, field: str) -> None:
        """A tap on the number or the PIN field."""
        self.noteActivity()
        if field in ("id", "pin"):
            self._set_sign_in(field=field)

    @Slot()
    def submit(self) -> None:
        """ "OK": on to the PIN, or check the number and PIN (on the worker)."""
        self.noteActivity()
        access = self._access
        if (
            access is None
            or self._screen is not DiagnosticsScreen.SIGN_IN
            or self._signing_in
            or not self._technician
        ):
            return
        if self._field == "id" or len(self._pin) < PIN_MIN:
            self._set_sign_in(field="pin")
            return
        technician, pin = self._technician, self._pin
        self._set_sign_in(pin="", error="")
        self._attempt += 1
        self._set_signing_in(True)
        self._submit(
            "sign_in", (self._attempt, technician), lambda: access.sign_in(technician, pin)
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
        self._submit("status", None, diagnostics.status)

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
        technician, audited = self._technician, self._tests_take_actor

        def run() -> SelfTestResult:
            if audited:
                # NOTE: a test's audit events (a door test's audit.locker_open) name who ran it.
                with_actor: Callable[..., SelfTestResult] = diagnostics.run_self_test
                return with_actor(device, name, via="screen", actor=technician)
            return diagnostics.run_self_test(device, name)

        future = self._test_executor.submit(run)
        future.add_done_callback(lambda f: self._finished("self_test", (device, name), f))

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

    # -- the worker ------------------------------------------------------------------------------

    def _submit(self, tag: str, key: object, call: Callable[[], object]) -> None:
        if self._closed:
            return
        future = self._executor.submit(call)
        future.add_done_callback(lambda f: self._finished(tag, key, f))

    def _finished(self, tag: str, key: object, future: Future[Any]) -> None:
        """Worker thread: hand the result (or the failure) to the GUI thread."""
        try:
            value: object = future.result()
        except Exception as exc:  # NOTE: the screen must never stay busy or "running"
            log.exception("diagnostics call %s failed", tag)
            value = exc
        try:
            self._done.emit(_Result(tag, key, value))
        except RuntimeError:
            log.debug("diagnostics result after the screen was destroyed")

    @Slot(object)
    def _on_done(self, result: _Result) -> None:
        if result.tag == "sign_in":
            self._on_signed_in(result)
        elif result.tag == "status":
            self._status_pending = False
            if self._screen is not DiagnosticsScreen.MAIN:
                return
            if isinstance(result.value, StatusReport):
                self._report = result.value
                self._status_error = ""
            else:
                self._status_error = _error_text(result.value)
            self._rebuild_report()
        elif result.tag == "self_tests":
            if isinstance(result.value, Sequence):
                self._infos = [i for i in result.value if isinstance(i, SelfTestInfo)]
            else:
                log.error("the self-tests could not be listed: %s", _error_text(result.value))
                self._infos = []
            self._rebuild_tests()
        elif result.tag == "self_test":
            self._on_self_test(result)

    def _on_signed_in(self, result: _Result) -> None:
        attempt, technician = cast(tuple[int, str], result.key)
        self._set_signing_in(False)
        if attempt != self._attempt or self._screen is not DiagnosticsScreen.SIGN_IN:
            # NOTE: the sign-in screen closed (inactivity, a citizen) while the PIN was being
            # checked: a late "opened" must never show the diagnostics to whoever is there.
            log.info("diagnostics sign-in answer for a closed sign-in ignored")
            return
        if result.value is SignIn.OPENED:
            self._technician = str(technician)
            self._set_sign_in(pin="", error="")
            self._section = SECTIONS[0]
            self.sectionChanged.emit()
            self._results.clear()
            self._set_screen(DiagnosticsScreen.MAIN)
            self.noteActivity()
            diagnostics = self._diagnostics
            if diagnostics is not None:
                self._submit("self_tests", None, diagnostics.self_tests)
            self.refresh()
            self._refresh_timer.start()
            return
        error = "paused" if result.value is SignIn.PAUSED else "refused"
        if not isinstance(result.value, SignIn):
            log.error("diagnostics sign-in failed: %s", _error_text(result.value))
        self._set_sign_in(pin="", field="pin", error=error)

    def _on_self_test(self, result: _Result) -> None:
        device, name = cast(tuple[str, str], result.key)
        self._running = None
        self._set_prompt(None)
        value = result.value
        if not isinstance(value, SelfTestResult):
            value = SelfTestResult(
                device=device,
                name=name,
                passed=False,
                measured={},
                detail=_error_text(value),
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
        if self._closed:
            return True  # close() shut both down and waited for them
        done = [threading.Event(), threading.Event()]
        self._executor.submit(done[0].set)
        self._test_executor.submit(done[1].set)
        return all(event.wait(timeout) for event in done)

    def close(self) -> None:
        """Stop the timers and the workers (GUI thread; at shutdown).

        NOTE: a self-test still running is waited for (it drives a device; it is not cut off
        mid-frame); one waiting for a person is cancelled first, or the kiosk would wait up to
        its timeout (two minutes for a door) to stop.
        """
        self._cancel_running("the kiosk stopping")
        self._closed = True
        self._inactivity.stop()
        self._refresh_timer.stop()
        self._executor.shutdown(wait=True)
        self._test_executor.shutdown(wait=True)

    def _prompt_from_test(self, prompt: SelfTestPrompt | None) -> None:
        """The self-test's thread: a prompt (None: no longer waiting), to the GUI thread."""
        try:
            self._prompted.emit(prompt)
        except RuntimeError:
            log.debug("self-test prompt after the diagnostics screen was destroyed")

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
        if prompt is not self._prompt:
            self._prompt = prompt
            self.promptChanged.emit()

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
        technician = self._technician
        self._set_screen(DiagnosticsScreen.NONE)
        self._set_sign_in(technician="", pin="", field="id", error="")
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
            self._submit("closed", None, lambda: access.closed(technician, reason))
        self.closedBecause.emit(reason.value)

    def _citizen_free(self) -> bool:
        if str(self._kiosk.property("screen")) not in CITIZEN_FREE_SCREENS:
            return False
        if self._kiosk.property("busy"):
            return False
        return all(not journey.property("screen") for journey in self._journeys)

    def _set_screen(self, screen: DiagnosticsScreen) -> None:
        if screen is not self._screen:
            log.debug("diagnostics screen %r -> %r", self._screen.value, screen.value)
            self._screen = screen
            self.screenChanged.emit()

    def _set_signing_in(self, busy: bool) -> None:
        if busy != self._signing_in:
            self._signing_in = busy
            self.busyChanged.emit()

    def _set_sign_in(
        self,
        *,
        technician: str | None = None,
        pin: str | None = None,
        field: str | None = None,
        error: str | None = None,
    ) -> None:
        new = (
            self._technician if technician is None else technician,
            self._pin if pin is None else pin,
            self._field if field is None else field,
            self._sign_in_error if error is None else error,
        )
        if new != (self._technician, self._pin, self._field, self._sign_in_error):
            self._technician, self._pin, self._field, self._sign_in_error = new
            self.signInChanged.emit()

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
        if report is None:
            self.reportChanged.emit()
            return
        self.summary.set_rows(self._summary_rows(report))
        self.devices.set_rows(
            [
                {"name": name, **self._health_row(name, status.health)}
                for name, status in sorted(report.devices.items())
            ]
        )
        self.counters.set_rows(
            [
                {"name": name, "label": self._counter_label(name), "value": f"{value:,}"}
                for name, value in sorted(report.counters.items(), key=_counter_order)
            ]
        )
        self.faults.set_rows(
            [
                {"device": fault.device, **self._health_row(fault.device, fault.health)}
                for fault in report.recent_faults
            ]
        )
        frames: list[dict[str, Any]] = []
        for device, device_frames in sorted(report.frames.items()):
            newest = sorted(device_frames, key=lambda f: f.at, reverse=True)[:FRAMES_SHOWN]
            label = self._text(f"diag.device.{device}", fallback=device)
            frames.extend(
                {
                    "device": device,
                    "label": label,
                    "at": self._local(frame.at, with_ms=True),
                    "direction": _ARROWS.get(frame.direction, frame.direction),
                    "hex": _frame_text(frame.hex, frame.size),
                }
                for frame in newest
            )
        self.frames.set_rows(frames)
        self.reportChanged.emit()

    def _summary_rows(self, report: StatusReport) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []

        def add(key: str, value: str, tone: str = "") -> None:
            rows.append(
                {
                    "key": key,
                    "label": self._text(f"diag.summary.{key}"),
                    "value": value,
                    "tone": tone,
                }
            )

        link = report.link
        if link is None or not link.broker:
            add("link", self._text("diag.link.offline_by_config"))
        else:
            add(
                "link",
                f"{link.broker}  "
                + self._text("diag.link.connected" if link.connected else "diag.link.down"),
                "" if link.connected else "problem",
            )
            server = (
                "diag.server.unknown"
                if link.server_online is None
                else "diag.server.online"
                if link.server_online
                else "diag.server.offline"
            )
            add("server", self._text(server), "" if link.server_online else "warning")
            oldest = (
                self._text("diag.outbox.none_waiting")
                if link.oldest_unsent_age_s is None
                else self._text("diag.outbox.oldest", self._duration(link.oldest_unsent_age_s))
            )
            add(
                "outbox",
                self._text("diag.outbox.depth", link.outbox_depth) + "  " + oldest,
                "warning" if link.outbox_depth and (link.oldest_unsent_age_s or 0) > 300 else "",
            )
        disk = report.disk
        if disk is not None and disk.total_bytes > 0:
            share = disk.free_bytes / disk.total_bytes
            add(
                "disk",
                self._text(
                    "diag.disk.free",
                    _size(disk.free_bytes),
                    _size(disk.total_bytes),
                    math.floor(share * 100),
                )
                + f"  ({disk.path})",
                "problem" if share < 0.05 else "warning" if share < 0.15 else "",
            )
        else:
            add("disk", self._text("diag.unknown"), "warning")
        clock = report.devices.get(CLOCK_DEVICE)
        if clock is not None:
            health = clock.health
            state = self._text(f"diag.state.{health.state.value}")
            add(
                "clock",
                f"{self._local(report.taken_at)}  {state}"
                + (f"  {health.reason}" if health.reason else ""),
                _tone(health),
            )
        else:
            add("clock", self._local(report.taken_at))
        add("software", report.software_version)
        add("config", str(report.config_version))
        add("kiosk", report.kiosk_id)
        return rows

    def _counter_label(self, name: str) -> str:
        """``door_cycles.7`` reads ``diag.counter.door_cycles`` with the door as ``%1``."""
        base, _, door = name.partition(".")
        if door.isdigit():
            return self._text(f"diag.counter.{base}", int(door), fallback=name)
        return self._text(f"diag.counter.{name}", fallback=name)

    def _health_row(self, device: str, health: Health) -> dict[str, Any]:
        return {
            "label": self._text(f"diag.device.{device}", fallback=device),
            "health": health.state.value,
            "stateText": self._text(f"diag.state.{health.state.value}"),
            "reason": health.reason,
            "detail": health.detail,
            "since": self._local(health.since),
        }

    def _rebuild_tests(self) -> None:
        rows: list[dict[str, Any]] = []
        for info in self._infos:
            result = self._results.get((info.device, info.name))
            state, measured, detail = "idle", "", ""
            if result == "running":
                state = "running"
            elif isinstance(result, SelfTestResult):
                state = "passed" if result.passed else "failed"
                measured = _measured_text(result.measured)
                detail = result.detail
            door = re.fullmatch(r"door-(\d+)", info.name)
            title_args = (int(door.group(1)),) if door else ()
            rows.append(
                {
                    "device": info.device,
                    "name": info.name,
                    "title": self._text(
                        info.title_id, *title_args, fallback=f"{info.device} · {info.name}"
                    ),
                    "needsPerson": info.needs_person,
                    "result": state,
                    "stateText": "" if state == "idle" else self._text(f"diag.test.{state}"),
                    "measured": measured,
                    "detail": detail,
                }
            )
        self.tests.set_rows(rows)

    def _local(self, moment: datetime, *, with_ms: bool = False) -> str:
        local = moment.astimezone(self._config.timezone)
        text = local.strftime("%Y-%m-%d %H:%M:%S")
        return f"{text}.{local.microsecond // 1000:03d}" if with_ms else text

    def _duration(self, seconds: float) -> str:
        whole = max(0, round(seconds))
        if whole < 60:
            return self._text("diag.duration.seconds", whole)
        if whole < 3600:
            return self._text("diag.duration.minutes", whole // 60, whole % 60)
        return self._text("diag.duration.hours", whole // 3600, (whole % 3600) // 60)

    # -- properties ----------------------------------------------------------------------------

    def _get_available(self) -> bool:
        return self._available

    def _get_screen(self) -> str:
        return self._screen.value

    def _get_busy(self) -> bool:
        return self._signing_in

    def _get_technician_id(self) -> str:
        return self._technician

    def _get_pin_mask(self) -> str:
        return "●" * len(self._pin)

    def _get_field(self) -> str:
        return self._field

    def _get_sign_in_error(self) -> str:
        return self._sign_in_error

    def _get_section(self) -> str:
        return self._section

    def _get_status_error(self) -> str:
        return self._status_error

    def _get_taken_at(self) -> str:
        return "" if self._report is None else self._local(self._report.taken_at)

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

    def _get_summary(self) -> RowListModel:
        return self.summary

    def _get_devices(self) -> RowListModel:
        return self.devices

    def _get_counters(self) -> RowListModel:
        return self.counters

    def _get_faults(self) -> RowListModel:
        return self.faults

    def _get_frames(self) -> RowListModel:
        return self.frames

    def _get_tests(self) -> RowListModel:
        return self.tests

    available = Property(bool, _get_available, constant=True)
    screen = Property(str, _get_screen, notify=screenChanged)
    busy = Property(bool, _get_busy, notify=busyChanged)
    technicianId = Property(str, _get_technician_id, notify=signInChanged)
    pinMask = Property(str, _get_pin_mask, notify=signInChanged)
    field = Property(str, _get_field, notify=signInChanged)
    signInError = Property(str, _get_sign_in_error, notify=signInChanged)
    section = Property(str, _get_section, notify=sectionChanged)
    statusError = Property(str, _get_status_error, notify=reportChanged)
    takenAt = Property(str, _get_taken_at, notify=reportChanged)
    worst = Property(str, _get_worst, notify=reportChanged)
    testRunning = Property(bool, _get_test_running, notify=testsChanged)
    promptActive = Property(bool, _get_prompt_active, notify=promptChanged)
    promptText = Property(str, _get_prompt_text, notify=promptChanged)
    promptCode = Property(str, _get_prompt_code, notify=promptChanged)
    promptQr = Property(str, _get_prompt_qr, notify=promptChanged)
    canCancel = Property(bool, _get_can_cancel, constant=True)
    summaryList = Property(QObject, _get_summary, constant=True)
    deviceList = Property(QObject, _get_devices, constant=True)
    counterList = Property(QObject, _get_counters, constant=True)
    faultList = Property(QObject, _get_faults, constant=True)
    frameList = Property(QObject, _get_frames, constant=True)
    testList = Property(QObject, _get_tests, constant=True)

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


def _tone(health: Health) -> str:
    return {"ok": "", "degraded": "warning"}.get(health.state.value, "problem")


def _error_text(value: object) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return f"unexpected answer {type(value).__name__}"


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop always returns


def _counter_order(item: tuple[str, int]) -> tuple[str, int, str]:
    """Counters by name, per-door ones by door number (door 2 before door 10)."""
    base, _, door = item[0].partition(".")
    return (base, int(door), "") if door.isdigit() else (base, 0, door)


def _frame_text(text: str, size: int | None) -> str:
    """The bytes as spaced hex, and the whole frame's size when only its head was kept."""
    shown = _spaced_hex(text)
    kept = len("".join(text.split())) // 2
    if size is not None and size > kept:
        return f"{shown} … ({size} B)"
    return shown


def _spaced_hex(text: str) -> str:
    """``1b400a`` -> ``1b 40 0a`` (already spaced text is kept)."""
    compact = "".join(text.split())
    if len(compact) % 2 or any(c not in "0123456789abcdefABCDEF" for c in compact):
        return text
    return " ".join(compact[i : i + 2] for i in range(0, len(compact), 2))


def _measured_text(measured: Mapping[str, Any]) -> str:
    """``brightness: 121.4, focus: 88`` (floats to 4 significant digits)."""

    def value(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    return ", ".join(f"{key}: {value(v)}" for key, v in measured.items())


__all__ = ["DiagnosticsScreen", "DiagnosticsViewModel", "RowListModel"]

"""The citizen's journey on the screen: home, printing, take the ticket or read the problem.

State only; the QML files lay it out. ``TicketService.issue`` talks to the printer and may
block for seconds, so it runs on a worker thread and its outcome comes back to the GUI thread
through a queued signal.
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Property, QObject, Qt, QTimer, Signal, Slot

from kiosk.config import KioskConfig
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.service_modes import Mode, ServiceModeBoard, ServiceModes
from kiosk.core.tickets import TicketOutcome
from kiosk.errors import ConfigError, OutboxFullError, StoreError
from kiosk.i18n.languages import language as language_info
from kiosk.i18n.linebreak import phrased
from kiosk.ui.gui_worker import GuiWorker
from kiosk.ui.idle_return import IdleReturn
from kiosk.ui.office_hours_text import OfficeHoursText
from kiosk.ui.qml_property import changed, reads
from kiosk.ui.qr_image import qr_source

log = logging.getLogger(__name__)

PROBLEM_REASONS = frozenset(
    {"paper_out", "cover_open", "offline", "no_answer", "disconnected", "printer_error"}
)
"""Printer reasons with their own explanation (``problem.<reason>``); others: ``problem.other``."""

OUT_OF_SERVICE_REASONS = frozenset(
    {"closed", "maintenance", "error", "store", "relearning", "unavailable"}
)  # oos.body.<reason>
"""Reasons with their own text (``oos.body.<reason>``); others read as ``error``.
``unavailable`` is the service modes' own: nothing can be offered (kiosk.core.service_modes).
"""

PICKUP_REFUSED_NOTICE = "home.pickup_refused.body"
"""The home screen's notice when pickup is refused (``noticeKey``)."""

HOURS_REFRESH_MS = 60_000
"""The opening hours' "open until" line is read again every minute while shown."""

PROBLEM_SCREEN_FACTOR = 3  # the problem screen stays longer: there is a number to note down


class Screen(enum.StrEnum):
    """The screens of the ticket journey (``KioskViewModel.screen``)."""

    HOME = "home"
    PRINTING = "printing"
    TAKE_TICKET = "take_ticket"
    PRINTER_PROBLEM = "printer_problem"
    OUT_OF_SERVICE = "out_of_service"


class TicketIssuer(Protocol):
    """What the screen needs from the ticket service (``TicketService`` fits)."""

    def issue(self, service_id: str, language: str) -> TicketOutcome:
        """Take, commit and print a ticket (blocking)."""
        ...


class KioskViewModel(QObject):
    """The state of the ticket screens.

    Properties (QML): ``screen``, ``language``, ``languages``, ``officeName``, ``busy``,
    ``ticketNumber``, ``ticketServiceId``, ``ticketService``, ``ticketQr``,
    ``ticketQrSource``, ``peopleAhead``, ``waitMinutes``, ``waitEstimated``, ``problemKey``,
    ``outOfService``, ``outOfServiceKey``, ``screenSeconds``; the degraded modes
    (``follow_service_modes``): ``scanOffered``, ``checkinKeypadOnly``, ``photoOffered``,
    ``pickupOffered``, ``noticeKey``; the office's hours: ``hasOpeningHours``,
    ``openingHours`` (rows of ``days``, ``hours``, ``today``), ``openingNow``.

    Args:
        config: the kiosk config (office name, services, timings, languages).
        tickets: issues tickets; called on a worker thread only.
        on_language: called on the GUI thread with the new language before
            ``languageChanged`` is emitted (the window switches the translator there).
        on_ticket: called on the GUI thread after each ticket (the service list refreshes).
        clock: the time the opening hours are read against (the system clock by default).
        parent: Qt parent.
    """

    screenChanged = Signal()
    languageChanged = Signal()
    languageReset = Signal()  # the session ended: default language, the chooser closes
    busyChanged = Signal()
    ticketChanged = Signal()
    problemChanged = Signal()
    outOfServiceChanged = Signal()
    modesChanged = Signal()
    noticeChanged = Signal()
    hoursChanged = Signal()
    ticketFinished = Signal(object)  # TicketOutcome, on the GUI thread (for the app and tests)

    _leaveRequested = Signal(str)  # any thread -> GUI thread: leave out of service if reason
    _outOfServiceRequested = Signal(bool, str)  # any thread -> GUI thread
    _modesReported = Signal()  # any thread -> GUI thread: the service modes changed

    def __init__(
        self,
        config: KioskConfig,
        tickets: TicketIssuer,
        *,
        on_language: Callable[[str], None] | None = None,
        on_ticket: Callable[[], None] | None = None,
        clock: Clock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._hours = OfficeHoursText(config.opening_hours, config.timezone, clock or SystemClock())
        self._mode_board: ServiceModeBoard | None = None
        self._modes: ServiceModes | None = None
        self._notice_key = ""
        self._tickets = tickets
        self._on_language = on_language
        self._on_ticket = on_ticket
        self._languages = list(config.ui.languages)
        self._language = self._languages[0]
        self._screen = Screen.HOME
        self._busy = False
        self._worker = GuiWorker("ticket-issue", self)
        self._outcome: TicketOutcome | None = None
        self._pending_service = ""
        self._problem_key = ""
        self._oos_reason = ""
        self._screen_seconds = 0

        self._outOfServiceRequested.connect(
            self._apply_out_of_service, Qt.ConnectionType.QueuedConnection
        )
        self._leaveRequested.connect(self._leave_out_of_service, Qt.ConnectionType.QueuedConnection)
        self._modesReported.connect(self._apply_modes, Qt.ConnectionType.QueuedConnection)
        self.languageChanged.connect(self.hoursChanged)
        self.outOfServiceChanged.connect(self.hoursChanged)

        # NOTE: the kiosk's one inactivity limit; every journey registers with it
        # (kiosk.ui.idle_return), this one first: it switches the language back.
        self.idle = IdleReturn(config.ui.inactivity_s, parent=self)
        self.idle.add(self)
        self._screen_timer = QTimer(self)
        self._screen_timer.setSingleShot(True)
        self._screen_timer.timeout.connect(self._on_screen_timeout)
        self._hours_timer = QTimer(self)
        self._hours_timer.setInterval(HOURS_REFRESH_MS)
        self._hours_timer.timeout.connect(self._refresh_hours)
        if config.opening_hours.configured:
            self._hours_timer.start()

    # -- slots for QML ------------------------------------------------------------------------

    @Slot(str)
    def requestTicket(self, service_id: str) -> None:
        """A citizen tapped a service: show ``printing`` and issue the ticket off the GUI thread.

        A second tap while a ticket is printing, or a tap on any screen but home, is ignored.
        """
        self.noteActivity()
        if self._busy or self._screen is not Screen.HOME:
            log.info("tap on %s ignored: screen %s, busy %s", service_id, self._screen, self._busy)
            return
        try:
            self._config.service(service_id)
        except ConfigError:
            log.warning("tap on unknown service %r ignored", service_id)
            return
        language = self._language
        self._outcome = None
        self._pending_service = service_id
        self._set_problem_key("")
        self.ticketChanged.emit()
        self._set_busy(True)
        self._set_screen(Screen.PRINTING)
        self._worker.submit(
            "issue",
            lambda: self._tickets.issue(service_id, language),
            lambda answer: self._on_answer(service_id, answer),
        )

    @Slot(str)
    def setLanguage(self, language: str) -> None:
        """Show every text in ``language`` (one of ``languages``)."""
        self.noteActivity()
        self._switch_language(language)

    def _switch_language(self, language: str) -> None:
        if language not in self._languages:
            log.warning("language %r is not configured (%s)", language, self._languages)
            return
        if language == self._language:
            return
        log.info("screen language %s -> %s", self._language, language)
        self._language = language
        if self._on_language is not None:
            self._on_language(language)
        self.languageChanged.emit()
        if self._pending_service:
            self.ticketChanged.emit()  # the service name follows the language

    @Slot()
    def resetLanguage(self) -> None:
        """Back to the default language, the language chooser closed (the session ended)."""
        self._switch_language(self._languages[0])
        self.languageReset.emit()

    @Slot()
    def toggleLanguage(self) -> None:
        """Switch to the next configured language."""
        index = self._languages.index(self._language)
        self.setLanguage(self._languages[(index + 1) % len(self._languages)])

    @Slot()
    def done(self) -> None:
        """The citizen pressed "Done" on the ticket or problem screen."""
        self.noteActivity()
        if self._screen in (Screen.TAKE_TICKET, Screen.PRINTER_PROBLEM):
            self._finish_journey()

    @Slot()
    def noteActivity(self) -> None:
        """Someone touched the screen: restart the inactivity timer."""
        self.idle.noteActivity()

    @Slot(bool, str)
    def setOutOfService(self, active: bool, reason: str = "closed") -> None:
        """Thread-safe: take the kiosk out of service (or back); ``reason`` picks the text.

        A ticket being printed or shown is finished first: its number must reach the citizen.
        """
        self._outOfServiceRequested.emit(active, reason if active else "")

    def set_out_of_service(self, active: bool, reason: str = "closed") -> None:
        """Thread-safe Python spelling of ``setOutOfService``."""
        self.setOutOfService(active, reason)

    def leave_out_of_service(self, reason: str) -> None:
        """Thread-safe: back in service, but only when out of service for ``reason``.

        The store's health clears its own ``store`` reason this way, never ``closed``.
        """
        self._leaveRequested.emit(reason)

    def follow_service_modes(self, board: ServiceModeBoard) -> None:
        """Show the degraded modes ``board`` decides (GUI thread; its changes come from any).

        ``out_of_service`` shows the out-of-service screen (``oos.body.unavailable``) unless
        a reason of its own is set; the other modes are read by the screens' properties.
        """
        self._mode_board = board

        def on_change(_modes: ServiceModes) -> None:
            try:
                self._modesReported.emit()
            except RuntimeError:
                # NOTE: the health board outlives the screen at shutdown.
                log.debug("service modes changed after the screen was destroyed")

        board.subscribe(on_change)
        self._apply_modes()

    @Slot()
    def showPickupRefused(self) -> None:
        """The pickup button while pickup is refused: say to go to the counter instead."""
        self.noteActivity()
        if self._screen is Screen.HOME:
            self._set_notice(PICKUP_REFUSED_NOTICE)

    @Slot()
    def dismissNotice(self) -> None:
        """The notice's "close" button."""
        self.noteActivity()
        self._set_notice("")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for a ticket being issued (tests and shutdown); True when none is left."""
        return self._worker.wait_idle(timeout)

    # -- GUI thread ----------------------------------------------------------------------------

    def _on_answer(self, service_id: str, answer: TicketOutcome | Exception) -> None:
        """The worker's answer: the ticket, or why none was issued (its trace is logged)."""
        if isinstance(answer, OutboxFullError):
            log.error("ticket for %s refused: the outbox is full", service_id)
            self._on_failed("error", str(answer))
        elif isinstance(answer, StoreError):
            log.error("ticket for %s could not be committed", service_id)
            self._on_failed("store", str(answer))
        elif isinstance(answer, Exception):  # NOTE: the screen must never stay on "printing"
            self._on_failed("error", f"{type(answer).__name__}: {answer}")
        else:
            self._on_issued(answer)

    def _on_issued(self, outcome: TicketOutcome) -> None:
        self._outcome = outcome
        self._pending_service = outcome.ticket.service_id
        self._set_busy(False)
        self.ticketChanged.emit()
        if outcome.printed:
            self._set_problem_key("")
            self._show_for(Screen.TAKE_TICKET, self._config.ui.take_ticket_s)
        else:
            reason = outcome.problem.reason if outcome.problem is not None else ""
            key = f"problem.{reason}" if reason in PROBLEM_REASONS else "problem.other"
            log.warning("ticket %s shown on screen only: %s", outcome.ticket.number, reason)
            self._set_problem_key(key)
            self._show_for(
                Screen.PRINTER_PROBLEM, self._config.ui.take_ticket_s * PROBLEM_SCREEN_FACTOR
            )
        if self._on_ticket is not None:
            self._on_ticket()
        self.ticketFinished.emit(outcome)

    def _on_failed(self, kind: str, message: str) -> None:
        self._set_busy(False)
        self._pending_service = ""
        self.ticketChanged.emit()
        log.error("kiosk out of service after a failed ticket (%s): %s", kind, message)
        self._screen_timer.stop()
        # NOTE: a ticket the store could not record says so ("store"): the screen asks the
        # citizen to go to the counter, and the kiosk comes back when writes work again.
        self._apply_out_of_service(True, "store" if kind == "store" else "error")
        self._set_screen(self._resting_screen())  # from "printing" straight to out of service
        if self._on_ticket is not None:
            self._on_ticket()

    @Slot(bool, str)
    def _apply_out_of_service(self, active: bool, reason: str) -> None:
        new_reason = "" if not active else (reason or "closed")
        if new_reason != self._oos_reason:
            log.info("out of service: %r -> %r", self._oos_reason, new_reason)
            self._oos_reason = new_reason
            self.outOfServiceChanged.emit()
        if self._screen in (Screen.HOME, Screen.OUT_OF_SERVICE):
            self._set_screen(self._resting_screen())

    @Slot(str)
    def _leave_out_of_service(self, reason: str) -> None:
        if self._oos_reason == reason:
            self._apply_out_of_service(False, "")

    def _show_for(self, screen: Screen, seconds: float) -> None:
        self._screen_seconds = round(seconds)
        self._set_screen(screen)
        self._screen_timer.start(round(seconds * 1000))

    @Slot()
    def _on_screen_timeout(self) -> None:
        if self._screen in (Screen.TAKE_TICKET, Screen.PRINTER_PROBLEM):
            self._finish_journey()

    def holds_screen(self) -> bool:
        """True on the printing and ticket screens: they end by themselves, and their number
        must stay readable (``IdleJourney``)."""
        return self._screen in (Screen.PRINTING, Screen.TAKE_TICKET, Screen.PRINTER_PROBLEM)

    def clear_person(self) -> None:
        """The inactivity limit passed: home, in the default language (``IdleJourney``)."""
        self._screen_timer.stop()
        self._reset_to_start()

    def _finish_journey(self) -> None:
        """A ticket journey ended: the next person starts fresh, in the default language."""
        self._screen_timer.stop()
        self._reset_to_start()

    def _reset_to_start(self) -> None:
        self._set_notice("")
        self._set_screen(self._resting_screen())
        self.resetLanguage()
        if self._pending_service or self._outcome is not None:
            self._pending_service = ""
            self._outcome = None
            self._set_problem_key("")
            self.ticketChanged.emit()

    def _resting_screen(self) -> Screen:
        return Screen.OUT_OF_SERVICE if self._out_of_service() else Screen.HOME

    def _out_of_service(self) -> bool:
        return bool(self._oos_reason) or self._has(Mode.OUT_OF_SERVICE)

    def out_of_service_key(self) -> str:
        """Thread-safe (reads two attributes): "" while the screen offers tickets, else the
        message id of why not (``oos.body.closed``…). The tactile buttons ask this."""
        return self._get_out_of_service_key() if self._out_of_service() else ""

    def _has(self, mode: Mode) -> bool:
        return self._modes is not None and mode in self._modes

    @Slot()
    def _apply_modes(self) -> None:
        board = self._mode_board
        if board is None:
            return
        modes = board.current()
        if self._modes is not None and (modes.active, modes.scan_offered) == (
            self._modes.active,
            self._modes.scan_offered,
        ):
            self._modes = modes
            return
        was_out = self._out_of_service()
        self._modes = modes
        log.info("screen modes: %s", ", ".join(sorted(m.value for m in modes.active)) or "normal")
        self.modesChanged.emit()
        if Mode.PICKUP_REFUSED not in modes:
            self._set_notice("")
        if self._out_of_service() != was_out:
            self.outOfServiceChanged.emit()
            if self._screen in (Screen.HOME, Screen.OUT_OF_SERVICE):
                self._set_notice("")
                self._set_screen(self._resting_screen())

    def _set_notice(self, key: str) -> None:
        changed(self, "_notice_key", key, self.noticeChanged)

    @Slot()
    def _refresh_hours(self) -> None:
        if self._screen is Screen.OUT_OF_SERVICE:
            self.hoursChanged.emit()

    def _set_screen(self, screen: Screen) -> None:
        if screen != self._screen:
            log.debug("screen %s -> %s", self._screen, screen)
        changed(self, "_screen", screen, self.screenChanged)

    def _set_busy(self, busy: bool) -> None:
        changed(self, "_busy", busy, self.busyChanged)

    def _set_problem_key(self, key: str) -> None:
        changed(self, "_problem_key", key, self.problemChanged)

    # -- properties ----------------------------------------------------------------------------

    def _get_languages(self) -> list[str]:
        return list(self._languages)

    def _get_language_choices(self) -> list[dict[str, str]]:
        return [
            {
                "code": code,
                "name": language_info(code).native_name,
                "font": language_info(code).font_family,
            }
            for code in self._languages
        ]

    def _get_font_family(self) -> str:
        return language_info(self._language).font_family

    def _get_office_name(self) -> str:
        return self._config.office_name.get(self._language)

    def _get_ticket_number(self) -> str:
        return self._outcome.ticket.number if self._outcome else ""

    def _get_ticket_service(self) -> str:
        if not self._pending_service:
            return ""
        name = self._config.service(self._pending_service).name.get(self._language)
        return phrased(name, self._language)  # each phrase kept on one line

    def _get_ticket_qr(self) -> str:
        return self._outcome.ticket.status_url if self._outcome else ""

    def _get_ticket_qr_source(self) -> str:
        return qr_source(self._get_ticket_qr())

    def _get_people_ahead(self) -> int:
        return self._outcome.ticket.people_ahead if self._outcome else 0

    def _get_wait_minutes(self) -> int:
        return self._outcome.ticket.wait_minutes if self._outcome else 0

    def _get_wait_estimated(self) -> bool:
        return self._outcome.ticket.wait_estimated if self._outcome else False

    def _get_out_of_service(self) -> bool:
        return self._out_of_service()

    def _get_out_of_service_key(self) -> str:
        if not self._oos_reason and self._has(Mode.OUT_OF_SERVICE):
            return "oos.body.unavailable"
        reason = self._oos_reason if self._oos_reason in OUT_OF_SERVICE_REASONS else "error"
        return f"oos.body.{reason}"

    def _get_scan_offered(self) -> bool:
        return self._modes is None or self._modes.scan_offered

    def _get_checkin_keypad_only(self) -> bool:
        return self._has(Mode.CHECKIN_KEYPAD_ONLY)

    def _get_photo_offered(self) -> bool:
        return not self._has(Mode.PHOTO_HIDDEN)

    def _get_pickup_offered(self) -> bool:
        return not self._has(Mode.PICKUP_REFUSED)

    def _get_has_opening_hours(self) -> bool:
        return self._hours.configured

    def _get_opening_hours(self) -> list[dict[str, object]]:
        return self._hours.rows()

    def _get_opening_now(self) -> str:
        return self._hours.now_text()

    screen = reads(str, "_screen", notify=screenChanged)
    language = reads(str, "_language", notify=languageChanged)
    languages = Property(list, _get_languages, constant=True)
    languageChoices = Property(list, _get_language_choices, constant=True)  # code, name, font
    fontFamily = Property(str, _get_font_family, notify=languageChanged)
    officeName = Property(str, _get_office_name, notify=languageChanged)
    busy = reads(bool, "_busy", notify=busyChanged)
    ticketNumber = Property(str, _get_ticket_number, notify=ticketChanged)
    ticketServiceId = reads(str, "_pending_service", notify=ticketChanged)
    ticketService = Property(str, _get_ticket_service, notify=ticketChanged)
    ticketQr = Property(str, _get_ticket_qr, notify=ticketChanged)
    ticketQrSource = Property(str, _get_ticket_qr_source, notify=ticketChanged)
    peopleAhead = Property(int, _get_people_ahead, notify=ticketChanged)
    waitMinutes = Property(int, _get_wait_minutes, notify=ticketChanged)
    waitEstimated = Property(bool, _get_wait_estimated, notify=ticketChanged)
    problemKey = reads(str, "_problem_key", notify=problemChanged)
    outOfService = Property(bool, _get_out_of_service, notify=outOfServiceChanged)
    outOfServiceKey = Property(str, _get_out_of_service_key, notify=outOfServiceChanged)
    screenSeconds = reads(int, "_screen_seconds", notify=screenChanged)
    scanOffered = Property(bool, _get_scan_offered, notify=modesChanged)
    checkinKeypadOnly = Property(bool, _get_checkin_keypad_only, notify=modesChanged)
    photoOffered = Property(bool, _get_photo_offered, notify=modesChanged)
    pickupOffered = Property(bool, _get_pickup_offered, notify=modesChanged)
    noticeKey = reads(str, "_notice_key", notify=noticeChanged)
    hasOpeningHours = Property(bool, _get_has_opening_hours, constant=True)
    openingHours = Property(list, _get_opening_hours, notify=hoursChanged)
    openingNow = Property(str, _get_opening_now, notify=hoursChanged)

    # -- for Python: the app and tests ---------------------------------------------------------

    @property
    def current_screen(self) -> Screen:
        """The screen shown now."""
        return self._screen

    @property
    def current_language(self) -> str:
        """The language shown now."""
        return self._language

    @property
    def last_outcome(self) -> TicketOutcome | None:
        """The ticket on screen (None on home)."""
        return self._outcome

    @property
    def service_modes(self) -> ServiceModes | None:
        """The degraded modes as last applied on the GUI thread (None: not followed)."""
        return self._modes

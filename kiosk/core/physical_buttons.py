"""What the physical buttons do (issue 13): call staff, or take a ticket without the screen.

The call-staff button calls staff (:class:`~kiosk.core.call_staff.CallStaffService`: an
event for the server, the lamp lit until acknowledged) and tells the screen, which turns the
voice on. A tactile ticket button (its braille label names the service) issues a ticket
through the core ticket service, exactly as a tap would, and the speaker says the number: the
person pressing it may not see the screen. One ticket at a time: a press while a ticket is
being printed is ignored (and logged), like a second tap on the screen. While the screen is
out of service (closed, maintenance, the store…) a press takes no ticket and says why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from kiosk.core.call_staff import CallStaffService, StaffCall
from kiosk.core.threads import wait_for_thread
from kiosk.core.tickets import TicketOutcome
from kiosk.core.voice import ticket_sentence
from kiosk.devices.buttons.protocol import CALL_STAFF, SERVICE_PREFIX, ButtonPanel
from kiosk.devices.speech.protocol import Speaker, SpeechError
from kiosk.errors import KioskError
from kiosk.i18n.catalog import Catalog

log = logging.getLogger(__name__)

TAKE_TICKET_KEY = "take.title"
PROBLEM_KEY = "problem.title"


class TicketIssuer(Protocol):
    """What the buttons need from the ticket service (``TicketService`` fits)."""

    def issue(self, service_id: str, language: str) -> TicketOutcome:
        """Take, commit and print a ticket (blocking)."""
        ...


class PhysicalButtons:
    """Routes the panel's presses (see the module docstring).

    Args:
        panel: the buttons and the lamp.
        call_staff: raises and acknowledges calls; its open call lights the lamp.
        tickets: issues the tactile buttons' tickets (on a worker thread of this class).
        speaker: says the ticket number (the screen's speech engine).
        catalog: the language the tactile tickets are printed and spoken in (the default).
        on_call_staff: told on the panel's thread when the call-staff button is pressed (the
            screen turns its voice on: ``AccessibilityViewModel.call_staff_pressed``).
        on_ticket: told on a worker thread after each tactile ticket (the home screen's
            waiting figures: ``ServiceListModel.notify_figures_changed``).
        out_of_service: asked (on a worker thread) before each tactile ticket: "" while the
            screen offers tickets, else the message id of why not (``oos.body.closed``…),
            which is said instead (``KioskViewModel.out_of_service_key``). None: always in
            service.
    """

    def __init__(
        self,
        panel: ButtonPanel,
        call_staff: CallStaffService,
        tickets: TicketIssuer,
        speaker: Speaker,
        catalog: Catalog,
        *,
        on_call_staff: Callable[[], None] | None = None,
        on_ticket: Callable[[], None] | None = None,
        out_of_service: Callable[[], str] | None = None,
    ) -> None:
        self._panel = panel
        self._call_staff = call_staff
        self._tickets = tickets
        self._speaker = speaker
        self._catalog = catalog
        self._on_call_staff = on_call_staff
        self._on_ticket = on_ticket
        self._out_of_service = out_of_service
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.last_outcome: TicketOutcome | None = None
        call_staff.subscribe(self._light)
        panel.start(self._pressed)

    def _light(self, call: StaffCall | None) -> None:
        self._panel.set_lamp(call is not None)

    def _pressed(self, name: str) -> None:
        if name == CALL_STAFF:
            try:
                self._call_staff.call(via="button")
            except KioskError:
                log.exception("the staff call could not be recorded")
            if self._on_call_staff is not None:
                self._on_call_staff()
        elif name.startswith(SERVICE_PREFIX):
            self._take_ticket(name.removeprefix(SERVICE_PREFIX))
        else:
            log.warning("press of unknown button %r ignored", name)

    def _take_ticket(self, service_id: str) -> None:
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                log.info("tactile button %s ignored: a ticket is being printed", service_id)
                return
            self._worker = threading.Thread(
                target=self._issue, args=(service_id,), name="tactile-ticket", daemon=True
            )
            self._worker.start()

    def _issue(self, service_id: str) -> None:
        language = self._catalog.language
        why = self._out_of_service() if self._out_of_service is not None else ""
        if why:
            # NOTE: a button is not a way round the screen: closed hours, maintenance or a
            # store that cannot record take no ticket from a button either.
            log.info("tactile button %s: no ticket, out of service (%s)", service_id, why)
            self._say(self._catalog.text(why))
            return
        try:
            outcome = self._tickets.issue(service_id, language)
        except KioskError:
            log.exception("tactile ticket for %s failed", service_id)
            self._say(self._catalog.text("oos.body.error"))
            return
        self.last_outcome = outcome
        if self._on_ticket is not None:
            self._on_ticket()
        number = ticket_sentence(self._catalog, outcome.ticket.number)
        title = self._catalog.text(TAKE_TICKET_KEY if outcome.printed else PROBLEM_KEY)
        end = "" if title.endswith(("。", ".")) else ("。" if language.startswith("ja") else ".")
        sep = "" if language.startswith("ja") else " "
        self._say(f"{title}{end}{sep}{number}")

    def _say(self, text: str) -> None:
        try:
            self._speaker.speak(text, self._catalog.language)
        except SpeechError:
            log.exception("could not say %r", text)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for a tactile ticket being issued (tests, shutdown); True when none is left."""
        return wait_for_thread(self._worker, timeout)

    def close(self) -> None:
        """Release the panel (the lamp goes out)."""
        self.wait_idle()
        self._panel.close()


def service_buttons(pins: Mapping[int, str]) -> list[str]:
    """The services that have a tactile button, in pin order (logs, the config check)."""
    return [pins[pin] for pin in sorted(pins)]

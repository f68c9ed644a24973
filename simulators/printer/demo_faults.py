"""The demo panel's view of the printer simulator (``kiosk.ui.demo_panel.PrinterFaults``).

The UI never imports the simulator; ``kiosk demo`` hands it this adapter: four fault switches
and a list of the recently printed tickets as text.
"""

from __future__ import annotations

import logging

from simulators.printer.server import PrintedTicket, PrinterSimulator

logger = logging.getLogger(__name__)

DROP_AFTER_JOB_BYTES = 40  # far enough into a ticket to leave a partial print
RECENT_TICKETS = 5


def describe_ticket(ticket: PrintedTicket) -> str:
    """One line for the panel: ``#3 A-042 住民票・証明書 (380 B) ticket-0003.png``."""
    text = " ".join(ticket.lines[:3]) or "(image only)"
    state = "" if ticket.cut else ", not cut"
    where = f" {ticket.png_path.name}" if ticket.png_path else ""
    return f"#{ticket.index} {text} ({ticket.byte_count} B{state}){where}"


class SimulatorFaults:
    """Fault switches and printed tickets of a running :class:`PrinterSimulator`.

    Args:
        simulator: the simulator the demo started.
    """

    def __init__(self, simulator: PrinterSimulator) -> None:
        self.simulator = simulator

    def set_paper(self, state: str) -> None:
        """Paper sensor: ``ok``, ``near_end`` or ``out``."""
        self.simulator.set_paper(state)

    def set_cover_open(self, is_open: bool) -> None:
        """Open or close the cover."""
        self.simulator.set_cover_open(is_open)

    def set_offline(self, offline: bool) -> None:
        """Make the printer silent (no status answers, nothing printed) or bring it back."""
        self.simulator.set_offline(offline)

    def drop_next_ticket(self) -> None:
        """Cut the connection in the middle of the next ticket."""
        # NOTE: counted in the ticket's own bytes. Counting every byte (drop_connection_after)
        # let the kiosk's status polls (12 B every 5 s in the demo) use the drop up: it cut a
        # poll some 16 s later instead of the next ticket, and the panel stayed armed.
        self.simulator.drop_in_next_job(DROP_AFTER_JOB_BYTES)
        logger.info("demo: the next ticket's connection drops after %d B", DROP_AFTER_JOB_BYTES)

    def drop_pending(self) -> bool:
        """True until the armed drop has happened."""
        return self.simulator.drop_pending

    def recent_tickets(self) -> list[str]:
        """The last few printed tickets as text, newest last."""
        return [describe_ticket(ticket) for ticket in self.simulator.tickets[-RECENT_TICKETS:]]

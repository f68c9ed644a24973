"""Fault buttons for the demo's simulator panel, on top of :class:`PrinterSimulator`.

The panel lists :attr:`SimulatorFaults.actions` as buttons (``key``, English ``label``) and
calls :meth:`SimulatorFaults.apply` with the key; :meth:`SimulatorFaults.recent_tickets`
feeds its list of printed tickets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from simulators.printer.server import PrintedTicket, PrinterSimulator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaultAction:
    """One button: a stable key and an English label."""

    key: str
    label: str


class SimulatorFaults:
    """What a person or a fault can do to the simulated printer, by key.

    Args:
        simulator: the running simulator.
    """

    def __init__(self, simulator: PrinterSimulator) -> None:
        self.simulator = simulator
        self._handlers: dict[str, tuple[str, Callable[[], None]]] = {
            "paper_ok": ("Paper loaded", lambda: simulator.set_paper("ok")),
            "paper_near_end": ("Paper near end", lambda: simulator.set_paper("near_end")),
            "paper_out": ("Paper out", lambda: simulator.set_paper("out")),
            "cover_open": ("Open cover", lambda: simulator.set_cover_open(True)),
            "cover_closed": ("Close cover", lambda: simulator.set_cover_open(False)),
            "offline": ("Printer silent", lambda: simulator.set_offline(True)),
            "online": ("Printer answers", lambda: simulator.set_offline(False)),
            "cutter_jam": ("Cutter jammed", lambda: simulator.set_cutter_error(True)),
            "drop_next": ("Drop next ticket", lambda: simulator.drop_connection_after(40)),
            "reset": ("All good", simulator.reset_faults),
        }

    @property
    def actions(self) -> tuple[FaultAction, ...]:
        """The buttons, in display order."""
        return tuple(FaultAction(key, label) for key, (label, _) in self._handlers.items())

    def apply(self, key: str) -> None:
        """Do what the button ``key`` says.

        Raises:
            KeyError: no such action.
        """
        label, handler = self._handlers[key]
        logger.info("demo panel: %s", label)
        handler()

    def state(self) -> str:
        """The simulator's switches and counters, one line."""
        return self.simulator.describe()

    def recent_tickets(self, limit: int = 5) -> list[PrintedTicket]:
        """The last ``limit`` printed tickets, newest first."""
        return list(reversed(self.simulator.tickets[-limit:]))

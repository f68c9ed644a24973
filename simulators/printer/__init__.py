"""The ESC/POS ticket printer simulator: a TCP printer that renders tickets to PNG + JSON.

Start it in-process with :class:`~simulators.printer.server.PrinterSimulator`, or run
``python -m simulators.printer --port 9100 --out DIR`` (``kiosk sim printer``).
"""

from simulators.printer.parser import EscPosParser, ParsedTicket
from simulators.printer.server import PrintedTicket, PrinterSimulator

__all__ = ["EscPosParser", "ParsedTicket", "PrintedTicket", "PrinterSimulator"]

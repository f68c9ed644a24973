"""Ticket printers: the Protocol the core uses and the ESC/POS driver."""

from kiosk.devices.printer.protocol import (
    PaperStatus,
    PrinterError,
    PrinterStatus,
    TextMode,
    Ticket,
    TicketPrinter,
)

__all__ = ["PaperStatus", "PrinterError", "PrinterStatus", "TextMode", "Ticket", "TicketPrinter"]

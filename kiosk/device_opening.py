"""The configured printer and locker, opened from the config (``kiosk run`` and ``kiosk diag``).

The drivers know nothing of the config file (``kiosk.devices`` imports no ``kiosk.config``);
this is where its ``[printer]`` and ``[locker]`` tables become the drivers' settings, once for
the running kiosk (:mod:`kiosk.services`) and a technician's shell (:mod:`kiosk.diag_cli`).
Each driver is imported when its device is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.config import KioskConfig

if TYPE_CHECKING:
    from kiosk.devices.locker.protocol import Locker
    from kiosk.devices.printer.protocol import TicketPrinter


def open_configured_printer(config: KioskConfig, url: str) -> TicketPrinter:
    """The ticket printer at ``url`` with ``[printer]``'s text mode, paper and timeouts."""
    from kiosk.devices.printer.factory import PrinterSettings, open_printer

    printer = config.printer
    return open_printer(
        PrinterSettings(
            url=url,
            text_mode=printer.text_mode,
            paper_width_dots=printer.paper_width_dots,
            status_timeout_s=printer.status_timeout_s,
            connect_timeout_s=printer.connect_timeout_s,
            raster_font=printer.raster_font,
        )
    )


def open_configured_locker(config: KioskConfig, url: str) -> Locker:
    """The lock-board chain at ``url`` with ``[locker]``'s boards, pulse and timeouts."""
    from kiosk.devices.locker.factory import LockerSettings, open_locker

    locker = config.locker
    return open_locker(
        url,
        LockerSettings(
            boards=locker.boards,
            locks_per_board=locker.locks_per_board,
            pulse_ms=locker.pulse_ms,
            locked_bit=locker.locked_bit,
            reply_timeout_s=locker.reply_timeout_s,
        ),
    )


__all__ = ["open_configured_locker", "open_configured_printer"]

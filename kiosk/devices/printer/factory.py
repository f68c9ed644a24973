"""Build a ticket printer from its settings (the composition root calls this)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.printer.protocol import TextMode
from kiosk.devices.transport import open_transport
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError

logger = logging.getLogger(__name__)

DEFAULT_PRINTER_PORT = 9100


@dataclass(frozen=True)
class PrinterSettings:
    """How to reach a ticket printer and what it can print.

    Attributes:
        url: device URL (``tcp://host[:9100]``, ``serial:///dev/kiosk-printer?baudrate=38400``,
            ``socket://host:port``, ``usb://04b8:0e15``, ``file:///dev/usb/lp0``). ``sim://`` is
            resolved by the application to the simulator's ``tcp://`` address beforehand.
        text_mode: Kanji mode or raster text, per printer profile.
        paper_width_dots: printable width (576 for 80 mm, 384 for 58 mm paper).
        status_timeout_s: the longest a status read may wait for answers.
        connect_timeout_s: connect and write timeout of the transport.
        raster_font: font for raster text; ``None`` finds IPA Gothic.
        name: device name in health reports and logs.
    """

    url: str
    text_mode: TextMode = TextMode.KANJI
    paper_width_dots: int = 576
    status_timeout_s: float = 1.0
    connect_timeout_s: float = 3.0
    raster_font: Path | None = None
    name: str = "printer"


def open_printer(settings: PrinterSettings) -> EscPosPrinter:
    """Build the ESC/POS printer the settings describe; the connection opens on first use.

    Raises:
        DeviceUrlError: the URL is malformed, is ``sim://`` (not resolved by the caller) or
            names a scheme that cannot carry a printer.
        ConfigError: raster mode and no usable font.
    """
    url = parse_device_url(settings.url, default_port=DEFAULT_PRINTER_PORT)
    if url.is_simulated:
        raise DeviceUrlError(
            f"{url.raw}: start the printer simulator and pass its tcp:// address instead"
        )
    transport = open_transport(url, timeout=settings.connect_timeout_s)
    logger.info(
        "printer %s on %s, %s text, %d dots wide",
        settings.name,
        transport.describe(),
        settings.text_mode.value,
        settings.paper_width_dots,
    )
    return EscPosPrinter(
        transport,
        name=settings.name,
        text_mode=settings.text_mode,
        paper_width_dots=settings.paper_width_dots,
        status_timeout_s=settings.status_timeout_s,
        raster_font=settings.raster_font,
    )

"""``[printer]``: the ticket printer's URL, text mode, timeouts and paper forecast."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta

from kiosk.config.device_url import device_url
from kiosk.config.schema import Section, Table, convert
from kiosk.devices.printer.protocol import TextMode


@dataclass(frozen=True)
class PrinterConfig:
    """The ticket printer (DESIGN §3: a device URL).

    ``roll_length_m``, ``paper_low_m`` and ``paper_low_tickets`` drive the paper forecast
    (kiosk.core.paper): a new roll's length, and the metres (or tickets, 0 = not used) left
    at which the kiosk says "paper low" before the printer's near-end sensor does.
    """

    url: str
    text_mode: TextMode
    paper_width_dots: int
    status_timeout_s: float
    connect_timeout_s: float
    raster_font: Path | None
    roll_length_m: float = 80.0
    paper_low_m: float = 8.0
    paper_low_tickets: int = 0


class PrinterSection(Section):
    """``[printer]`` as written."""

    url: str = "sim://"
    text_mode: Literal["kanji", "raster"] = "kanji"
    paper_width_dots: Annotated[int, Meta(ge=128, le=2048)] = 576
    status_timeout_s: Annotated[float, Meta(ge=0.05, le=30)] = 1.0
    connect_timeout_s: Annotated[float, Meta(ge=0.1, le=60)] = 3.0
    raster_font: str = ""
    roll_length_m: Annotated[float, Meta(ge=1, le=1000)] = 80.0
    paper_low_m: Annotated[float, Meta(ge=0, le=1000)] = 8.0
    paper_low_tickets: Annotated[int, Meta(ge=0, le=100_000)] = 0


def parse_printer(table: Table) -> PrinterConfig:
    """``[printer]``: the URL checked for a printer, the paper-low mark below the roll length."""
    section = convert(table, PrinterSection)
    printer = PrinterConfig(
        url=device_url(table, "url", section.url, device="printer", default_port=9100),
        text_mode=TextMode(section.text_mode),
        paper_width_dots=section.paper_width_dots,
        status_timeout_s=section.status_timeout_s,
        connect_timeout_s=section.connect_timeout_s,
        raster_font=Path(section.raster_font) if section.raster_font else None,
        roll_length_m=section.roll_length_m,
        paper_low_m=section.paper_low_m,
        paper_low_tickets=section.paper_low_tickets,
    )
    if printer.paper_low_m >= printer.roll_length_m:
        table.fail(
            "paper_low_m",
            printer.paper_low_m,
            f"must be below roll_length_m ({printer.roll_length_m:g})",
        )
    return printer

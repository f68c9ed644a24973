"""What every ticket printer must do, run against the simulator and, when
``KIOSK_TEST_PRINTER_URL`` names one (``tcp://192.0.2.10:9100``, ``serial:///dev/kiosk-printer``),
against a real printer too. ``KIOSK_TEST_PRINTER_TEXT_MODE`` picks ``kanji`` (default) or
``raster``. The real printer prints one sample ticket per run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kiosk.devices.health import HealthState
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.layout import sample_ticket
from kiosk.devices.printer.protocol import TextMode
from simulators.printer.server import PrinterSimulator

HARDWARE_URL = os.environ.get("KIOSK_TEST_PRINTER_URL", "")
TARGETS = ["simulator", *(["hardware"] if HARDWARE_URL else [])]


@pytest.fixture(params=TARGETS)
def printer(request: pytest.FixtureRequest, simulator: PrinterSimulator) -> Iterator[EscPosPrinter]:
    hardware = request.param == "hardware"
    settings = PrinterSettings(
        url=HARDWARE_URL if hardware else simulator.url,
        text_mode=TextMode(os.environ.get("KIOSK_TEST_PRINTER_TEXT_MODE", "kanji"))
        if hardware
        else TextMode.KANJI,
        status_timeout_s=1.0,
    )
    device = open_printer(settings)
    yield device
    device.close()


def test_the_printer_answers_every_status_query_with_a_valid_byte(printer: EscPosPrinter) -> None:
    status = printer.status()
    assert status.answered is True
    assert status.online is not None
    assert status.cover_open is not None
    assert status.error is not None
    assert status.health().state is not HealthState.UNKNOWN


def test_the_printer_prints_the_sample_ticket_and_confirms_it(printer: EscPosPrinter) -> None:
    status = printer.print_ticket(sample_ticket())
    assert status.answered is True
    assert status.health().state.usable

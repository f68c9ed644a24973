"""Fixtures for printer tests: the real simulator on a free port, and printers talking to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.protocol import TextMode
from simulators.printer.server import PrinterSimulator

PrinterFactory = Callable[..., EscPosPrinter]


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as sim:
        yield sim


@pytest.fixture
def make_printer(simulator: PrinterSimulator) -> Iterator[PrinterFactory]:
    printers: list[EscPosPrinter] = []

    def make(text_mode: TextMode = TextMode.KANJI, status_timeout_s: float = 1.0) -> EscPosPrinter:
        printer = open_printer(
            PrinterSettings(
                url=simulator.url,
                text_mode=text_mode,
                status_timeout_s=status_timeout_s,
                connect_timeout_s=2.0,
            )
        )
        printers.append(printer)
        return printer

    yield make
    for printer in printers:
        printer.close()

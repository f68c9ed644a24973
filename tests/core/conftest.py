"""Fixtures for the core: a real SQLite file, the real printer driver on the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.services import KioskServices, build_services
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config


class SteppingClock:
    """A clock the test moves by hand (to cross the daily reset without waiting for it)."""

    def __init__(self, start: datetime):
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **kwargs: float) -> None:
        self.moment += timedelta(**kwargs)


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(port=0, out_dir=tmp_path / "printed")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def clock() -> SteppingClock:
    # 10:00 in Tokyo.
    return SteppingClock(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return make_config(tmp_path / "state")


@pytest.fixture
def services(
    config: KioskConfig, printer_sim: PrinterSimulator, clock: SteppingClock
) -> Iterator[KioskServices]:
    svc = build_services(config, printer_url=f"tcp://127.0.0.1:{printer_sim.port}", clock=clock)
    yield svc
    svc.stop()

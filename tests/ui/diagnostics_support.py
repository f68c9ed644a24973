"""The diagnostics screen on real parts: a small ``Diagnostics`` and the screen's fixture.

:class:`BenchDiagnostics` implements the :class:`~kiosk.core.diagnostics.model.Diagnostics`
Protocol from the screen tests' real parts: the health board (every device's health with its
reason and since), the outbox (depth, the oldest unsent event), the disk under the state
directory, the printer driver's flight recorder and a printer self-test that asks the real
driver for its status over the wire to the printer simulator. Like ``DiagnosticsService`` it
also tells its prompts (``subscribe_prompts``) and cancels a waiting test: its door test asks
a person to shut door 7 and waits for :attr:`BenchDiagnostics.door_shut`.
"""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.core.checkin import CheckInService
from kiosk.core.clock import SystemClock
from kiosk.core.diagnostics.model import (
    DeviceStatus,
    Diagnostics,
    DiskStatus,
    FaultRecord,
    LinkStatus,
    SelfTestInfo,
    SelfTestResult,
    StatusReport,
    WireFrame,
)
from kiosk.core.diagnostics.technician import TechnicianAccess
from kiosk.core.handover import make_pin_verifier
from kiosk.core.trust import KeyPurpose, TrustList
from kiosk.devices.health import Health, HealthState
from kiosk.ui.diagnostics_view_model import DiagnosticsViewModel
from kiosk.ui.window import KioskUi, build_ui
from simulators.demo_keys import demo_public_keys

if TYPE_CHECKING:
    from tests.ui.conftest import KioskParts

TECHNICIAN_ID = "4242"
TECHNICIAN_PIN = "246810"
CHEAP_LOG2N = 10  # cheap scrypt for the tests: the format and code path are real
SOFTWARE_VERSION = "0.11.0-test"
DOOR_TIMEOUT_S = 10.0  # how long the bench's door test waits for door 7 to be shut


@dataclass(frozen=True)
class BenchPrompt:
    """A prompt as ``kiosk.core.diagnostics.self_tests.Prompt`` has it."""

    device: str
    test: str
    kind: str
    text_id: str
    payload: str = ""
    door: int | None = None


class BenchDiagnostics:
    """The ``Diagnostics`` Protocol on the screen tests' parts (no fakes of the health)."""

    def __init__(self, parts: KioskParts, *, broker: str = "mqtt://127.0.0.1:1883") -> None:
        self._parts = parts
        self._broker = broker
        self._faults: list[FaultRecord] = []
        self._lock = threading.Lock()
        self.status_calls = 0
        self.door_shut = threading.Event()
        self._cancelled = threading.Event()
        self._prompt_listeners: list[Callable[[BenchPrompt | None], None]] = []
        parts.health.subscribe(self._on_health)

    def subscribe_prompts(self, listener: Callable[[BenchPrompt | None], None]) -> None:
        """Be told what a running test asks of the person at the kiosk (None: done)."""
        self._prompt_listeners.append(listener)

    def cancel_self_test(self) -> bool:
        """End a waiting test (it fails as cancelled)."""
        self._cancelled.set()
        return True

    def _prompt(self, prompt: BenchPrompt | None) -> None:
        for listener in self._prompt_listeners:
            listener(prompt)

    def _on_health(self, device: str, health: Health) -> None:
        if health.state is not HealthState.OK:
            with self._lock:
                self._faults.insert(0, FaultRecord(device, health))

    def status(self) -> StatusReport:
        """The kiosk's status now, read from the parts."""
        parts = self._parts
        with self._lock:
            self.status_calls += 1
            faults = list(self._faults[:20])
        now = datetime.now(UTC)
        oldest = parts.outbox.oldest_created()
        usage = shutil.disk_usage(parts.config.state_dir)
        recent = getattr(parts.printer, "recent_frames", list)()
        return StatusReport(
            kiosk_id=parts.config.kiosk_id,
            taken_at=now,
            software_version=SOFTWARE_VERSION,
            config_version=7,
            devices={
                name: DeviceStatus(name, health) for name, health in parts.health.snapshot().items()
            },
            link=LinkStatus(
                broker=self._broker,
                connected=False,
                server_online=None,
                outbox_depth=parts.outbox.depth(),
                oldest_unsent_age_s=None if oldest is None else (now - oldest).total_seconds(),
            ),
            disk=DiskStatus(str(parts.config.state_dir), usage.free, usage.total),
            counters={
                "tickets": parts.printer_sim.printed_count,
                "events": parts.outbox.last_seq(),
            },
            recent_faults=faults,
            frames={"printer": [WireFrame(f.at, f.direction, f.head.hex()) for f in recent]},
        )

    def self_tests(self) -> Sequence[SelfTestInfo]:
        """The printer's status over the wire, and door 7 shut by a person."""
        return [
            SelfTestInfo("printer", "status", False, "diag.device.printer"),
            SelfTestInfo("locker", "door-7", True, "diag.test.locker.door"),
        ]

    def run_self_test(self, device: str, name: str) -> SelfTestResult:
        """Ask the real printer driver for its status (pass when ok); or wait for door 7."""
        started, began = datetime.now(UTC), time.monotonic()
        if (device, name) == ("locker", "door-7"):
            self._cancelled.clear()
            self._prompt(BenchPrompt(device, name, "close_door", "diag.prompt.close_door", door=7))
            deadline = time.monotonic() + DOOR_TIMEOUT_S
            try:
                while not (self.door_shut.is_set() or self._cancelled.wait(0.01)):
                    if time.monotonic() > deadline:
                        break
            finally:
                self._prompt(None)
            shut = self.door_shut.is_set()
            why = "cancelled" if self._cancelled.is_set() else f"not closed in {DOOR_TIMEOUT_S} s"
            return SelfTestResult(
                device=device,
                name=name,
                passed=shut,
                measured={"door": 7, "closed": shut},
                detail="door 7 closed" if shut else why,
                started_at=started,
                duration_s=time.monotonic() - began,
            )
        if (device, name) != ("printer", "status"):
            raise ValueError(f"no self-test {device}/{name}")
        status = self._parts.printer.status()
        health = status.health()
        self._parts.health.report("printer", health)
        return SelfTestResult(
            device=device,
            name=name,
            passed=health.state is HealthState.OK,
            measured={"paper": status.paper.value, "online": status.online},
            detail=health.reason or "ok",
            started_at=started,
            duration_s=time.monotonic() - began,
        )

    def write_bundle(self, path: Path) -> Path:
        """Not used by the screen."""
        raise NotImplementedError


@dataclass
class DiagnosticsUi:
    """The kiosk screen with the diagnostics, and what is behind it."""

    ui: KioskUi
    diagnostics: BenchDiagnostics
    access: TechnicianAccess
    checkin: CheckInService
    real: Diagnostics | None  # the real diagnostics behind the screen, when one was given

    @property
    def vm(self) -> DiagnosticsViewModel:
        assert self.ui.diagnostics is not None
        return self.ui.diagnostics


DiagnosticsUiFactory = Callable[..., DiagnosticsUi]


def technician_pins() -> dict[str, str]:
    """The test technician's verifier (cheap scrypt)."""
    return {TECHNICIAN_ID: make_pin_verifier(TECHNICIAN_PIN, log2n=CHEAP_LOG2N)}


@pytest.fixture
def make_diagnostics_ui(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> Iterator[DiagnosticsUiFactory]:
    """Builds the screen with :class:`BenchDiagnostics`, a real :class:`TechnicianAccess` on the
    test database and a real check-in service (a scan is a citizen's journey).

    ``service`` puts a real ``Diagnostics`` behind the screen instead of the bench's;
    ``pins`` replaces the technician PINs (``{}``: none configured); ``access`` replaces the
    access made from them; ``diagnostics`` replaces ``[diagnostics]`` values and
    ``ui_inactivity_s`` the ticket journey's (bypassing the validation, for timings shorter
    than a person needs).
    """
    built: list[DiagnosticsUi] = []

    def factory(
        *,
        pins: dict[str, str] | None = None,
        access: TechnicianAccess | None = None,
        budget: int = 3,
        ui_inactivity_s: float | None = None,
        service: Diagnostics | None = None,
        **diagnostics: Any,
    ) -> DiagnosticsUi:
        pins = technician_pins() if pins is None else pins
        config = replace(
            parts.config,
            diagnostics=replace(parts.config.diagnostics, technician_pins=pins, **diagnostics),
        )
        if ui_inactivity_s is not None:
            config = replace(config, ui=replace(config.ui, inactivity_s=ui_inactivity_s))
        access = access or TechnicianAccess(
            pins, parts.db, parts.outbox, SystemClock(), budget=budget, window_s=600
        )
        bench = BenchDiagnostics(parts)
        checkin = CheckInService(
            config,
            parts.db,
            parts.outbox,
            parts.catalogs,
            SystemClock(),
            trust=TrustList(
                demo_public_keys(KeyPurpose.BOOKING), purpose=KeyPurpose.BOOKING, allow_demo=True
            ),
            health=parts.health,
        )
        ui = build_ui(
            qapp,
            config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            checkin_service=checkin,
            diagnostics=service or bench,
            technician_access=access,
        )
        built.append(DiagnosticsUi(ui, bench, access, checkin, service))
        qtbot.waitExposed(ui.window)
        return built[-1]

    yield factory
    for screen in built:
        assert screen.ui.view_model.wait_idle(10), "a ticket worker was still running at the end"
        assert screen.ui.checkin is None or screen.ui.checkin.wait_idle(10)
        assert screen.vm.wait_idle(10), "a diagnostics call was still running at the end"
        screen.ui.close()
    built.clear()
    gc.collect()

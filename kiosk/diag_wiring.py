"""The diagnostics of a running kiosk, wired from its services (issue 11).

The composition root's part of :mod:`kiosk.core.diagnostics`: it knows the drivers (their
flight recorders), the link and the store, which the core does not.
``kiosk diag`` on a bench wires its own, with one device (:mod:`kiosk.diag_cli`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.core.diagnostics.bundle import read_journal
from kiosk.core.diagnostics.counting import count
from kiosk.core.diagnostics.model import LinkStatus, WireFrame
from kiosk.core.diagnostics.self_tests import (
    CameraFrameTest,
    DoorCycleTest,
    LockerStatusTest,
    MaintenanceGate,
    MountHomingTest,
    PrinterPrintTest,
    ScannerEchoTest,
    SelfTest,
    door_firer,
)
from kiosk.core.diagnostics.service import (
    DiagnosticsParts,
    DiagnosticsService,
    fault_from_event,
)
from kiosk.errors import StoreError
from kiosk.store.diagnostics import DiagnosticsRepository

if TYPE_CHECKING:
    from kiosk.core.handover.service import HandoverService
    from kiosk.services import KioskServices

log = logging.getLogger(__name__)

FAULTS_TO_SEED = 50
"""How many ``device.health`` events of earlier runs seed the recent faults."""


def recorder_of(device: object) -> Callable[[], Sequence[WireFrame]] | None:
    """The flight recorder of a driver that keeps one (``recent_frames()``), as wire frames.

    The printer's frames carry their first bytes and their full size; the lock boards'
    carry all their bytes.
    """
    recent = getattr(device, "recent_frames", None)
    if not callable(recent):
        return None

    def frames() -> list[WireFrame]:
        out: list[WireFrame] = []
        for frame in recent():
            data = getattr(frame, "data", None)
            if isinstance(data, bytes):  # a lock board's frame: every byte
                out.append(WireFrame(frame.at, frame.direction, data.hex(" "), len(data)))
                continue
            head = getattr(frame, "head", b"")
            out.append(WireFrame(frame.at, frame.direction, head.hex(" "), frame.size))
        return out

    return frames


def _gate(handover: HandoverService | None) -> MaintenanceGate | None:
    if handover is None:
        return None

    def gate(door: int, fire: Callable[[], str]) -> tuple[bool, str, str]:
        result = handover.open_for_maintenance(door, fire)
        return result.opened, result.reason, result.detail

    return gate


def kiosk_tests(services: KioskServices) -> list[SelfTest]:
    """The self-tests of the devices this kiosk has."""
    config = services.config
    tickets = services.tickets
    printer = tickets.shared_printer()
    tests: list[SelfTest] = [
        PrinterPrintTest(printer.status, lambda: tickets.print_test(config.ui.languages[0]))
    ]
    photo = services.photo
    if photo is not None and photo.camera is not None:
        tests.append(CameraFrameTest(photo.camera))
    if photo is not None and photo.mount is not None:
        tests.append(MountHomingTest(photo.mount))
    locker = services.locker
    if locker is not None:
        tests.append(LockerStatusTest(locker))
        fire = door_firer(locker, services._audit, _gate(services.handover))
        tests.extend(DoorCycleTest(locker, door, fire) for door in locker.doors)
    return tests


def kiosk_diagnostics(
    services: KioskServices,
    repository: DiagnosticsRepository,
    document: Mapping[str, Any] | None,
) -> DiagnosticsService:
    """The diagnostics of a kiosk built by :func:`kiosk.services.build_services`."""
    config = services.config
    state_dir = Path(config.state_dir)

    def link_status() -> LinkStatus:
        link = services.link
        oldest = services.outbox.oldest_created()
        age = None if oldest is None else round((datetime.now(UTC) - oldest).total_seconds(), 3)
        return LinkStatus(
            broker=services.config.mqtt.broker,
            connected=link.online if link is not None else False,
            server_online=link.server_online if link is not None else None,
            outbox_depth=services.outbox.depth(),
            oldest_unsent_age_s=age,
        )

    try:
        earlier = [
            fault
            for data in repository.recent_health_events(FAULTS_TO_SEED)
            if (fault := fault_from_event(data)) is not None
        ]
    except StoreError as exc:
        log.warning("earlier faults not read from the outbox: %s", exc)
        earlier = []
    frames = {
        name: recorder
        for name, device in (("printer", services.printer), ("locker", services.locker))
        if device is not None and (recorder := recorder_of(device)) is not None
    }
    desired = services.desired
    diagnostics = DiagnosticsService(
        DiagnosticsParts(
            kiosk_id=config.kiosk_id,
            health=services.health,
            software_version=__version__,
            state_dir=state_dir,
            config_version=(lambda: desired.active_version) if desired else (lambda: 0),
            link=link_status,
            counters=repository.counters,
            earlier_faults=earlier,
            frames=frames,
            tests=kiosk_tests(services),
            config_document=document,
            log_files=lambda: sorted(state_dir.glob("*.log")),
            journal=None if config.demo else read_journal,
            count=lambda name: count(repository, name),
        )
    )
    if services.scanner_url:
        diagnostics.add_test(ScannerEchoTest(diagnostics.tap))
    return diagnostics


__all__ = ["kiosk_diagnostics", "kiosk_tests", "recorder_of"]

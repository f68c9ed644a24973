"""Issuing tickets through the real driver and the real printer simulator on TCP."""

from __future__ import annotations

import json

from kiosk.devices.health import HealthState
from kiosk.services import KioskServices
from simulators.printer.server import PrinterSimulator

from .conftest import SteppingClock


def outbox_types(services: KioskServices) -> list[str]:
    return [event.type for event in services.outbox.pending(limit=1000)]


def test_a_ticket_is_committed_printed_and_reported(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    outcome = services.tickets.issue("insurance", "ja")
    assert outcome.printed
    assert outcome.ticket.number == "B-001"
    printed = printer_sim.wait_for_tickets(1, timeout=5)
    text = "\n".join(printed[0].lines)
    assert "B-001" in text
    assert "保険・年金" in text
    assert list(printed[0].qr) == [outcome.ticket.status_url]
    issued = [e for e in services.outbox.pending() if e.type == "ticket.issued"]
    assert json.loads(issued[0].envelope)["data"]["number"] == "B-001"
    assert outbox_types(services)[-1] == "ticket.printed"


def test_numbers_count_per_service_and_restart_after_the_daily_reset(
    services: KioskServices, clock: SteppingClock
) -> None:
    numbers = [services.tickets.issue(s, "ja").ticket.number for s in ("certificates",) * 2]
    numbers.append(services.tickets.issue("childcare", "en").ticket.number)
    assert numbers == ["A-001", "A-002", "C-001"]
    clock.advance(hours=16)  # 02:00 next day in Tokyo: before the 03:00 reset
    assert services.tickets.issue("certificates", "ja").ticket.number == "A-003"
    clock.advance(hours=1, minutes=1)  # 03:01: a new business day
    assert services.tickets.issue("certificates", "ja").ticket.number == "A-001"


def test_out_of_paper_keeps_the_number_and_reports_a_fault(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    printer_sim.set_paper("out")
    outcome = services.tickets.issue("certificates", "ja")
    assert not outcome.printed
    assert outcome.ticket.number == "A-001"
    assert outcome.problem is not None
    assert outcome.problem.state is HealthState.FAULT
    assert outcome.problem.reason == "paper_out"
    types = outbox_types(services)
    assert "ticket.print_failed" in types
    health = [e.payload["data"] for e in services.outbox.pending() if e.type == "device.health"]
    assert health[-1]["state"] == "fault"
    assert health[-1]["reason"] == "paper_out"
    printer_sim.set_paper("ok")
    assert services.tickets.issue("certificates", "ja").ticket.number == "A-002"


def test_a_silent_printer_is_unknown_not_ok(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    printer_sim.set_offline(True)
    health = services.tickets.poll_printer()
    assert health.state is HealthState.UNKNOWN
    outcome = services.tickets.issue("certificates", "ja")
    assert not outcome.printed
    assert outcome.problem is not None
    assert outcome.problem.state is HealthState.UNKNOWN

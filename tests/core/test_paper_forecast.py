"""The paper forecast through the real driver and the real printer simulator on TCP.

A roll is made short in these tests (1 m, paper low at 0.5 m) so that a handful of tickets
reach the threshold; every figure is checked against the paper the simulator rendered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import KioskConfig
from kiosk.core.paper import KEY_ROLL, PaperSettings
from kiosk.devices.health import HealthState
from kiosk.devices.printer.paper_length import DOTS_PER_MM
from kiosk.errors import ConfigError
from kiosk.link.contract import Contract
from kiosk.services import KioskServices, build_services
from kiosk.store.kv import kv_get
from simulators.printer.render import MARGIN_DOTS
from simulators.printer.server import PrinterSimulator
from tests.core.conftest import SteppingClock
from tests.kiosk_config import make_config

SHORT_ROLL = {"roll_length_m": 1, "paper_low_m": 0.5}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (polled; no fixed sleep decides anything)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def events_of(services: KioskServices, event_type: str) -> list[dict[str, Any]]:
    return [
        event.payload["data"]
        for event in services.outbox.pending(limit=10_000)
        if event.type == event_type
    ]


def paper_dots(sim: PrinterSimulator) -> list[int]:
    """The paper of every ticket the simulator printed, measured on its PNG."""
    return [ticket.image.height - 2 * MARGIN_DOTS for ticket in sim.tickets]


@pytest.fixture
def short_roll_config(tmp_path: Path) -> KioskConfig:
    return make_config(tmp_path / "state", printer=SHORT_ROLL)


@pytest.fixture
def make_services(
    printer_sim: PrinterSimulator, clock: SteppingClock
) -> Iterator[Callable[..., KioskServices]]:
    built: list[KioskServices] = []

    def factory(config: KioskConfig, **kwargs: Any) -> KioskServices:
        services = build_services(
            config, printer_url=f"tcp://127.0.0.1:{printer_sim.port}", clock=clock, **kwargs
        )
        built.append(services)
        return services

    yield factory
    for services in built:
        services.stop()


def test_the_count_of_printed_tickets_equals_their_paper_on_the_simulators_png(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.paper is not None
    for service in ("certificates", "insurance", "childcare"):
        assert services.tickets.issue(service, "ja").printed
    printer_sim.wait_for_tickets(3, timeout=5)

    reading = services.paper.reading()
    assert reading.tickets == 3
    assert round(reading.used_m * 1000 * DOTS_PER_MM) == sum(paper_dots(printer_sim))
    assert reading.roll == 1
    assert reading.roll_length_m == 80
    assert reading.low is False


def test_a_slip_and_a_test_print_use_paper_too(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.paper is not None
    test_print = services.tickets.print_test("en")
    assert test_print.printed
    assert services.tickets.print_slip(services.tickets.layout(test_print.ticket))
    printer_sim.wait_for_tickets(2, timeout=5)

    reading = services.paper.reading()
    assert reading.tickets == 2
    assert round(reading.used_m * 1000 * DOTS_PER_MM) == sum(paper_dots(printer_sim))


def test_paper_low_is_said_by_the_count_once_before_the_near_end_sensor(
    short_roll_config: KioskConfig,
    make_services: Callable[..., KioskServices],
    printer_sim: PrinterSimulator,
) -> None:
    services = make_services(short_roll_config)
    assert services.paper is not None
    issued = 0
    while not services.paper.reading().low:
        assert services.tickets.issue("certificates", "ja").printed
        issued += 1
        assert issued < 20
    dots = paper_dots(printer_sim)
    remaining_mm = 1000 - sum(dots) / DOTS_PER_MM
    mean_mm = sum(dots) / len(dots) / DOTS_PER_MM
    assert remaining_mm <= 500 < remaining_mm + dots[-1] / DOTS_PER_MM

    health = services.health.get("printer")
    assert (health.state, health.reason) == (HealthState.DEGRADED, "paper_low_forecast")
    tickets_left = math.floor(remaining_mm / mean_mm)
    assert health.detail == (
        f"forecast: {remaining_mm / 1000:.1f} m of 1 m left, about {tickets_left} tickets"
    )
    assert events_of(services, "printer.paper_low") == [
        {
            "source": "forecast",
            "roll": 1,
            "used_m": round(sum(dots) / DOTS_PER_MM / 1000, 2),
            "remaining_m": round(remaining_mm / 1000, 2),
            "roll_length_m": 1.0,
            "tickets": issued,
            "tickets_left": tickets_left,
            "threshold_m": 0.5,
            "threshold_tickets": 0,
        }
    ]

    # One more ticket: the detail follows the count, no second event; then the sensor.
    health_events = len(events_of(services, "device.health"))
    assert services.tickets.issue("insurance", "en").printed
    later = services.health.get("printer")
    assert later.since == health.since
    assert later.detail != health.detail
    assert len(events_of(services, "device.health")) == health_events
    printer_sim.set_paper("near_end")
    services.tickets.poll_printer()
    near_end = services.health.get("printer")
    assert near_end.reason == "paper_near_end"
    assert near_end.detail.startswith("paper near-end sensor; forecast: ")
    assert [e["source"] for e in events_of(services, "printer.paper_low")] == ["forecast"]


def test_the_near_end_sensor_speaking_first_is_reported_with_source_sensor(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.tickets.issue("certificates", "ja").printed
    printer_sim.set_paper("near_end")
    services.tickets.poll_printer()
    services.tickets.poll_printer()

    sent = events_of(services, "printer.paper_low")
    assert [(e["source"], e["tickets"], e["roll_length_m"]) for e in sent] == [("sensor", 1, 80.0)]
    assert services.health.get("printer").reason == "paper_near_end"


def test_the_cover_opened_and_closed_on_paper_starts_a_new_roll(
    short_roll_config: KioskConfig,
    make_services: Callable[..., KioskServices],
    printer_sim: PrinterSimulator,
) -> None:
    services = make_services(short_roll_config)
    assert services.paper is not None
    for _ in range(7):
        assert services.tickets.issue("certificates", "ja").printed
    old = services.paper.reading()
    assert old.low is True

    printer_sim.set_cover_open(True)
    services.tickets.poll_printer()
    assert services.paper.reading().cover_opened is True
    assert services.health.get("printer").reason == "cover_open"
    printer_sim.set_cover_open(False)
    services.tickets.poll_printer()

    new = services.paper.reading()
    assert (new.roll, new.tickets, new.used_m, new.low, new.cover_opened) == (
        2,
        0,
        0.0,
        False,
        False,
    )
    assert services.health.get("printer").state is HealthState.OK
    assert events_of(services, "printer.roll_changed") == [
        {
            "roll": 2,
            "how": "cover",
            "previous_used_m": round(old.used_m, 2),
            "previous_tickets": 7,
            "previous_low": "forecast",
            "roll_length_m": 1.0,
        }
    ]


def test_a_cover_closed_on_no_paper_or_a_near_end_roll_is_the_same_roll(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.paper is not None
    assert services.tickets.issue("certificates", "ja").printed
    for paper in ("out", "near_end"):
        printer_sim.set_paper(paper)
        printer_sim.set_cover_open(True)
        services.tickets.poll_printer()
        printer_sim.set_cover_open(False)
        services.tickets.poll_printer()
        reading = services.paper.reading()
        assert (reading.roll, reading.tickets, reading.cover_opened) == (1, 1, False)
    assert events_of(services, "printer.roll_changed") == []


def test_a_cover_found_open_by_a_ticket_counts_as_opened(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.paper is not None
    assert services.tickets.issue("certificates", "ja").printed
    printer_sim.set_cover_open(True)
    outcome = services.tickets.issue("certificates", "ja")
    assert outcome.problem is not None and outcome.problem.reason == "cover_open"
    assert services.paper.reading().cover_opened is True

    printer_sim.set_cover_open(False)
    services.tickets.poll_printer()
    assert services.paper.reading().roll == 2
    assert [e["previous_tickets"] for e in events_of(services, "printer.roll_changed")] == [1]


def test_a_roll_change_between_regular_polls_is_seen_by_the_fast_poll(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    # The regular poll is every 30 s; the near-end sensor makes the kiosk watch closely.
    assert services.paper is not None
    assert services.printer_poll_s == 30.0
    services.start()
    wait_for(lambda: services.health.get("printer").state is HealthState.OK)
    printer_sim.set_paper("near_end")
    assert services.tickets.issue("certificates", "ja").printed
    assert services.paper.watching is True

    printer_sim.set_cover_open(True)
    wait_for(lambda: services.paper is not None and services.paper.reading().cover_opened)
    printer_sim.set_paper("ok")
    printer_sim.set_cover_open(False)
    wait_for(lambda: services.paper is not None and services.paper.reading().roll == 2)
    assert services.paper.watching is False


def test_the_count_survives_a_restart_without_a_second_paper_low(
    short_roll_config: KioskConfig,
    make_services: Callable[..., KioskServices],
    printer_sim: PrinterSimulator,
) -> None:
    first = make_services(short_roll_config)
    assert first.paper is not None
    for _ in range(7):
        assert first.tickets.issue("certificates", "ja").printed
    printer_sim.set_cover_open(True)
    first.tickets.poll_printer()
    before = first.paper.reading()
    first.stop()

    second = make_services(short_roll_config)
    assert second.paper is not None
    assert second.paper.reading() == before
    with second.db.reading() as conn:
        assert kv_get(conn, KEY_ROLL) == "1"
    printer_sim.set_cover_open(False)
    assert second.tickets.issue("certificates", "ja").printed  # its status closes the cover
    assert second.paper.reading().roll == 2
    assert [e["source"] for e in events_of(second, "printer.paper_low")] == ["forecast"]


def test_roll_length_and_thresholds_are_read_from_the_config(tmp_path: Path) -> None:
    default = make_config(tmp_path / "a")
    assert (
        default.printer.roll_length_m,
        default.printer.paper_low_m,
        default.printer.paper_low_tickets,
    ) == (80.0, 8.0, 0)
    custom = make_config(
        tmp_path / "b", printer={"roll_length_m": 50, "paper_low_m": 5, "paper_low_tickets": 30}
    )
    assert (
        custom.printer.roll_length_m,
        custom.printer.paper_low_m,
        custom.printer.paper_low_tickets,
    ) == (50.0, 5.0, 30)
    with pytest.raises(ConfigError, match=r"printer\.paper_low_m.*must be below roll_length_m"):
        make_config(tmp_path / "c", printer={"roll_length_m": 10, "paper_low_m": 10})
    with pytest.raises(ValueError, match="low_m"):
        PaperSettings(roll_length_m=10, low_m=12)


def test_a_tickets_left_threshold_says_paper_low_by_tickets(
    tmp_path: Path, make_services: Callable[..., KioskServices]
) -> None:
    config = make_config(
        tmp_path / "state",
        printer={"roll_length_m": 1, "paper_low_m": 0, "paper_low_tickets": 9},
    )
    services = make_services(config)
    assert services.paper is not None
    assert services.tickets.issue("certificates", "ja").printed  # 84 mm: 10 more fit
    assert services.paper.reading().low is False
    assert services.tickets.issue("certificates", "ja").printed  # 9 more fit
    reading = services.paper.reading()
    assert (reading.low, reading.tickets_left) == (True, 9)
    assert [e["tickets_left"] for e in events_of(services, "printer.paper_low")] == [9]


def test_the_paper_events_follow_their_schemas_in_the_contract(
    short_roll_config: KioskConfig,
    make_services: Callable[..., KioskServices],
    printer_sim: PrinterSimulator,
) -> None:
    services = make_services(short_roll_config)
    for _ in range(7):
        assert services.tickets.issue("certificates", "ja").printed
    printer_sim.set_cover_open(True)
    services.tickets.poll_printer()
    printer_sim.set_cover_open(False)
    services.tickets.poll_printer()
    printer_sim.set_paper("out")
    services.tickets.poll_printer()

    schemas = Contract.load().schemas
    checked = []
    for event in services.outbox.pending(limit=10_000):
        if event.type.startswith("printer."):
            assert event.category == "device"
            assert schemas.validate(f"events/{event.type}.json", event.payload["data"]) == []
            checked.append((event.type, event.payload["data"].get("source")))
    assert checked == [
        ("printer.paper_low", "forecast"),
        ("printer.roll_changed", None),
        ("printer.paper_low", "sensor"),
    ]

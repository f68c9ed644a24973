"""Degraded modes decided from device health, and the kiosk.mode_changed event of each change."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.service_modes import (
    CAMERA,
    LOCKER,
    PRINTER,
    SCANNER,
    STORE,
    Journeys,
    Mode,
    ServiceModeBoard,
    ServiceModes,
    decide,
    device_out,
)
from kiosk.devices.health import UNKNOWN_AT_START, Health, HealthBoard, HealthState
from kiosk.errors import DeviceError
from kiosk.link.contract import Contract
from kiosk.services import KioskServices
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from simulators.printer.server import PrinterSimulator

EVERYTHING = Journeys(checkin=True, scanner=True, photo=True, pickup=True)
OK = Health(HealthState.OK)
DISCONNECTED = Health(HealthState.FAULT, "disconnected", "gone")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Database, Outbox]]:
    db = Database(tmp_path / "kiosk.sqlite3")
    outbox = Outbox(db, kiosk_id="k-1", session=begin_session(db))
    yield db, outbox
    db.close()


def mode_events(outbox: Outbox) -> list[dict[str, Any]]:
    return [
        event.payload["data"]
        for event in outbox.pending(limit=1000)
        if event.type == "kiosk.mode_changed"
    ]


def test_a_device_is_out_when_faulty_or_unknown_but_not_before_its_first_check() -> None:
    assert device_out(Health(HealthState.FAULT, "paper_out")) is True
    assert device_out(Health(HealthState.UNKNOWN, "no_answer")) is True
    assert device_out(UNKNOWN_AT_START) is False
    assert device_out(Health(HealthState.DEGRADED, "paper_near_end")) is False
    assert device_out(OK) is False


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        (PRINTER, {Mode.TICKETS_ON_SCREEN}),
        (SCANNER, {Mode.CHECKIN_KEYPAD_ONLY, Mode.PICKUP_REFUSED}),
        (CAMERA, {Mode.PHOTO_HIDDEN}),
        (LOCKER, {Mode.PICKUP_REFUSED}),
        (STORE, {Mode.OUT_OF_SERVICE}),
    ],
)
def test_each_device_out_turns_on_its_modes(device: str, expected: set[Mode]) -> None:
    health = {name: OK for name in (PRINTER, SCANNER, CAMERA, LOCKER, STORE)}
    health[device] = DISCONNECTED
    assert decide(health, EVERYTHING) == expected


def test_a_journey_the_kiosk_does_not_offer_has_no_mode() -> None:
    health = dict.fromkeys((PRINTER, SCANNER, CAMERA, LOCKER), DISCONNECTED)
    assert decide(health, Journeys()) == {Mode.TICKETS_ON_SCREEN}
    # Check-in without a fitted scanner: keypad only by design, not a degraded mode.
    assert decide(health, Journeys(checkin=True)) == {Mode.TICKETS_ON_SCREEN}


def test_tickets_on_screen_keep_the_kiosk_in_service_with_every_device_out() -> None:
    health = dict.fromkeys((PRINTER, SCANNER, CAMERA, LOCKER), DISCONNECTED)
    assert decide(health, EVERYTHING) == {
        Mode.TICKETS_ON_SCREEN,
        Mode.CHECKIN_KEYPAD_ONLY,
        Mode.PHOTO_HIDDEN,
        Mode.PICKUP_REFUSED,
    }
    store_out = {**health, STORE: Health(HealthState.FAULT, "disk_full")}
    assert Mode.OUT_OF_SERVICE in decide(store_out, EVERYTHING)


def test_each_change_of_modes_is_one_event_with_the_modes_on_off_and_the_devices(
    store: tuple[Database, Outbox],
) -> None:
    db, outbox = store
    board = HealthBoard()
    for device in (PRINTER, SCANNER, LOCKER, STORE):
        board.register(device)
    modes = ServiceModeBoard(
        board, Journeys(checkin=True, scanner=True, pickup=True), db=db, outbox=outbox
    )
    seen: list[ServiceModes] = []
    modes.subscribe(seen.append)

    board.report(LOCKER, Health(HealthState.FAULT, "board_silent", "board 0"))
    board.report(PRINTER, Health(HealthState.FAULT, "paper_out"))
    board.report(PRINTER, Health(HealthState.FAULT, "cover_open"))  # same modes: no event
    board.report(SCANNER, DISCONNECTED)
    board.report(LOCKER, OK)
    board.report(SCANNER, OK)
    board.report(PRINTER, OK)

    assert mode_events(outbox) == [
        {
            "on": ["pickup_refused"],
            "off": [],
            "active": ["pickup_refused"],
            "devices": {
                "locker": {"state": "fault", "reason": "board_silent"},
                "scanner": {"state": "unknown", "reason": "not_checked"},
            },
        },
        {
            "on": ["tickets_on_screen"],
            "off": [],
            "active": ["tickets_on_screen", "pickup_refused"],
            "devices": {
                "locker": {"state": "fault", "reason": "board_silent"},
                "printer": {"state": "fault", "reason": "paper_out"},
                "scanner": {"state": "unknown", "reason": "not_checked"},
            },
        },
        {
            "on": ["checkin_keypad_only"],
            "off": [],
            "active": ["tickets_on_screen", "checkin_keypad_only", "pickup_refused"],
            "devices": {
                "locker": {"state": "fault", "reason": "board_silent"},
                "printer": {"state": "fault", "reason": "cover_open"},
                "scanner": {"state": "fault", "reason": "disconnected"},
            },
        },
        {
            "on": [],
            "off": ["checkin_keypad_only", "pickup_refused"],
            "active": ["tickets_on_screen"],
            "devices": {
                "locker": {"state": "ok", "reason": ""},
                "printer": {"state": "fault", "reason": "cover_open"},
                "scanner": {"state": "ok", "reason": ""},
            },
        },
        {
            "on": [],
            "off": ["tickets_on_screen"],
            "active": [],
            "devices": {"printer": {"state": "ok", "reason": ""}},
        },
    ]
    assert [sorted(m.value for m in s.active) for s in seen] == [
        ["pickup_refused"],
        ["pickup_refused", "tickets_on_screen"],
        ["checkin_keypad_only", "pickup_refused", "tickets_on_screen"],
        ["tickets_on_screen"],
        [],
    ]
    schemas = Contract.load().schemas
    for data in mode_events(outbox):
        assert schemas.validate("events/kiosk.mode_changed.json", data) == []
    assert {e.category for e in outbox.pending(limit=1000) if e.type == "kiosk.mode_changed"} == {
        "device"
    }


def test_a_device_already_out_at_the_start_is_reported_as_a_change(
    store: tuple[Database, Outbox],
) -> None:
    db, outbox = store
    board = HealthBoard()
    board.report(PRINTER, Health(HealthState.UNKNOWN, "no_answer"))
    modes = ServiceModeBoard(board, Journeys(), db=db, outbox=outbox)
    assert modes.current().active == {Mode.TICKETS_ON_SCREEN}
    assert [e["on"] for e in mode_events(outbox)] == [["tickets_on_screen"]]


def test_the_scanner_is_offered_only_when_fitted_and_not_out() -> None:
    board = HealthBoard()
    board.register(SCANNER)
    fitted = ServiceModeBoard(board, Journeys(checkin=True, scanner=True))
    assert fitted.current().scan_offered is True
    board.report(SCANNER, DISCONNECTED)
    assert fitted.current().scan_offered is False
    assert ServiceModeBoard(HealthBoard(), Journeys(checkin=True)).current().scan_offered is False


def test_a_probe_tries_only_a_device_that_is_out_and_not_more_often_than_its_interval() -> None:
    board = HealthBoard()
    board.register(CAMERA)
    modes = ServiceModeBoard(board, Journeys(photo=True), probe_interval_s=3600)
    calls: list[str] = []

    def camera_probe() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise DeviceError("camera 0: cannot be opened")
        board.report(CAMERA, OK)  # the driver reports what it found

    modes.add_probe(CAMERA, camera_probe)
    modes.probe()
    assert calls == []  # not checked yet is not out
    board.report(CAMERA, DISCONNECTED)
    assert Mode.PHOTO_HIDDEN in modes.current()
    modes.probe()
    modes.probe()  # within the interval: not tried again
    assert len(calls) == 1
    assert Mode.PHOTO_HIDDEN in modes.current()

    again = ServiceModeBoard(board, Journeys(photo=True), probe_interval_s=0)
    again.add_probe(CAMERA, camera_probe)
    again.probe()
    assert len(calls) == 2
    assert again.current().active == frozenset()
    assert modes.current().active == frozenset()


def test_the_kiosk_decides_its_modes_from_its_own_devices_and_the_real_printer(
    services: KioskServices, printer_sim: PrinterSimulator
) -> None:
    assert services.modes is not None
    assert services.modes.journeys == Journeys(checkin=True)  # no scanner, booth or locker
    printer_sim.set_cover_open(True)
    services.tickets.poll_printer()
    assert services.modes.current().active == {Mode.TICKETS_ON_SCREEN}
    printer_sim.set_cover_open(False)
    services.tickets.poll_printer()
    assert services.modes.current().active == frozenset()
    assert [(e["on"], e["off"]) for e in mode_events(services.outbox)] == [
        (["tickets_on_screen"], []),
        ([], ["tickets_on_screen"]),
    ]

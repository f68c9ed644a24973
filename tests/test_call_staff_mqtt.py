"""The call-staff button end to end (issue 13): a press on the button (gpiozero's MockFactory
pin) -> ``assist.staff_called`` at the central simulator through a real Mosquitto -> its
signed ``assist.acknowledge`` -> the lamp goes out and ``assist.staff_call_acknowledged``
reaches the server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.assist_wiring import start_buttons
from kiosk.config import KioskConfig
from kiosk.services import build_services
from simulators.central.server import CentralSimulator
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config
from tests.link.link_support import wait_until
from tests.mosquitto import MosquittoBroker
from tests.trust_keys import trust_table

CALL_PIN, LAMP_PIN = 17, 27
KIOSK = "test-kiosk-1"


@pytest.fixture
def config(tmp_path: Path, mosquitto: MosquittoBroker) -> KioskConfig:
    config = make_config(
        tmp_path / "state",
        accessibility={"buttons": {"call_staff": CALL_PIN, "call_staff_lamp": LAMP_PIN}},
        trust=trust_table(),  # the central simulator's command key
    )
    return dataclasses.replace(
        config, mqtt=dataclasses.replace(config.mqtt, broker=mosquitto.url, keepalive_s=5)
    )


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


def test_a_press_reaches_the_server_whose_acknowledgement_puts_the_lamp_out(
    config: KioskConfig, printer: PrinterSimulator, central: CentralSimulator, pins: MockFactory
) -> None:
    services = build_services(config, printer_url=printer.url, printer_poll_s=3600)
    buttons = start_buttons(config, services, None, None, pin_factory=pins)
    assert buttons is not None
    services.start()
    try:
        pins.pin(CALL_PIN).drive_low()
        pins.pin(CALL_PIN).drive_high()
        assert pins.pin(LAMP_PIN).state is True

        called = central.wait_for_events(1, timeout=15, type="assist.staff_called")
        data = called[0].envelope["data"]
        assert (called[0].envelope["kiosk"], data["via"]) == (KIOSK, "button")
        command = central.acknowledge_staff_call(KIOSK, data["call_id"], by="4711")

        wait_until(lambda: pins.pin(LAMP_PIN).state is False, 15, "the lamp to go out")
        acknowledged = central.wait_for_events(1, timeout=15, type="assist.staff_call_acknowledged")
        answer = acknowledged[0].envelope["data"]
        assert (answer["call_id"], answer["via"], answer["by"]) == (
            data["call_id"],
            "command",
            "4711",
        )
        assert answer["waited_s"] >= 0
        results = central.wait_for_events(1, timeout=15, type="cmd.result")
        assert [r.envelope["data"] for r in results] == [
            {
                "cmd_id": command.cmd_id,
                "action": "assist.acknowledge",
                "ok": True,
                "result": {"acknowledged": True, "call_id": data["call_id"]},
            }
        ]
        assert services.call_staff is not None and services.call_staff.open_call is None
    finally:
        buttons.close()
        services.stop()

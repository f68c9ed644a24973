"""The physical buttons on gpiozero's MockFactory pins (issue 13): call staff lights the lamp
until staff acknowledge; a tactile button issues a ticket through the ticket service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.assist_wiring import open_voice, start_buttons
from kiosk.core import events
from kiosk.core.call_staff import ACKNOWLEDGE_COMMAND, CallStaffService
from kiosk.core.commands import CommandError
from kiosk.core.physical_buttons import PhysicalButtons
from kiosk.devices.buttons.gpio_panel import ButtonPanelError, GpioButtonPanel
from kiosk.devices.buttons.protocol import CALL_STAFF, service_button
from kiosk.devices.speech.recording import RecordingSpeaker
from kiosk.services import KioskServices, build_services
from kiosk.store.database import Database
from kiosk.store.kv import kv_set
from kiosk.store.outbox import Outbox
from kiosk.store.staff_calls import OPEN_CALL_KEY, read_open_call
from simulators.printer.server import PrinterSimulator
from tests.core.conftest import SteppingClock
from tests.kiosk_config import make_config

CALL_PIN, LAMP_PIN, CERT_PIN, PENSION_PIN = 17, 27, 5, 6


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


@pytest.fixture
def panel(pins: MockFactory) -> Iterator[GpioButtonPanel]:
    board = GpioButtonPanel(
        CALL_PIN, LAMP_PIN, {CERT_PIN: "certificates", PENSION_PIN: "insurance"}, pin_factory=pins
    )
    yield board
    board.close()


class Wired:
    def __init__(self, services: KioskServices, panel: GpioButtonPanel, clock: SteppingClock):
        self.services = services
        self.speaker = RecordingSpeaker()
        self.screen_told = threading.Event()
        self.figures_told: list[str] = []
        self.call_staff = CallStaffService(
            services.db, services.outbox, services.config.kiosk_id, clock
        )
        self.buttons = PhysicalButtons(
            panel,
            self.call_staff,
            services.tickets,
            self.speaker,
            services.catalogs["ja"],
            on_call_staff=self.screen_told.set,
            on_ticket=lambda: self.figures_told.append("refresh"),
        )

    def events(self, event_type: str) -> list[dict[str, Any]]:
        return [
            e.payload["data"]
            for e in self.services.outbox.pending(limit=1000)
            if e.type == event_type
        ]


@pytest.fixture
def wired(services: KioskServices, panel: GpioButtonPanel, clock: SteppingClock) -> Wired:
    return Wired(services, panel, clock)


def press(pins: MockFactory, pin: int) -> None:
    """A finger on the button and off again (pressed pulls the pin low)."""
    pins.pin(pin).drive_low()
    pins.pin(pin).drive_high()


def test_the_panel_names_its_buttons_and_the_lamp_starts_dark(
    panel: GpioButtonPanel, pins: MockFactory
) -> None:
    assert sorted(panel.buttons) == sorted(
        [CALL_STAFF, service_button("certificates"), service_button("insurance")]
    )
    assert pins.pin(LAMP_PIN).state is False


def test_call_staff_raises_one_event_lights_the_lamp_and_tells_the_screen(
    wired: Wired, pins: MockFactory
) -> None:
    press(pins, CALL_PIN)

    assert wired.screen_told.wait(5)
    assert pins.pin(LAMP_PIN).state is True
    called = wired.events(events.ASSIST_STAFF_CALLED)
    assert [(c["via"], c["at"]) for c in called] == [("button", "2026-11-27T01:00:00.000Z")]
    assert wired.services.outbox.pending()[-1].category == events.ASSIST


def test_pressing_again_while_the_call_is_open_raises_no_second_event(
    wired: Wired, pins: MockFactory
) -> None:
    press(pins, CALL_PIN)
    press(pins, CALL_PIN)
    press(pins, CALL_PIN)

    assert len(wired.events(events.ASSIST_STAFF_CALLED)) == 1
    assert pins.pin(LAMP_PIN).state is True


def test_the_acknowledge_command_puts_the_lamp_out_and_says_how_long_the_person_waited(
    wired: Wired, pins: MockFactory, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    call_id = wired.events(events.ASSIST_STAFF_CALLED)[0]["call_id"]
    clock.advance(seconds=95)

    result = wired.call_staff.handle_command({"call_id": call_id, "by": "4711"})

    assert ACKNOWLEDGE_COMMAND == "assist.acknowledge"
    assert result == {"acknowledged": True, "call_id": call_id}
    assert pins.pin(LAMP_PIN).state is False
    assert wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED) == [
        {"call_id": call_id, "via": "command", "by": "4711", "waited_s": 95.0}
    ]


def test_acknowledging_with_no_open_call_changes_nothing(wired: Wired) -> None:
    no_call = "019ae3c0-0000-7000-8000-000000000000"
    assert wired.call_staff.handle_command({"call_id": no_call}) == {
        "acknowledged": False,
        "call_id": None,
    }
    assert wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED) == []


def test_a_new_call_after_the_acknowledgement_lights_the_lamp_again(
    wired: Wired, pins: MockFactory, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    wired.call_staff.acknowledge("screen", by="4711")
    clock.advance(minutes=3)

    press(pins, CALL_PIN)

    assert pins.pin(LAMP_PIN).state is True
    assert len(wired.events(events.ASSIST_STAFF_CALLED)) == 2


def test_a_tactile_button_prints_a_ticket_for_its_service_and_says_the_number(
    wired: Wired, pins: MockFactory, services: KioskServices
) -> None:
    press(pins, PENSION_PIN)

    assert wired.buttons.wait_idle(10)
    outcome = wired.buttons.last_outcome
    assert outcome is not None and outcome.printed
    assert (outcome.ticket.service_id, outcome.ticket.number) == ("insurance", "B-001")
    issued = wired.events(events.TICKET_ISSUED)
    assert [(e["service"], e["number"], e["language"]) for e in issued] == [
        ("insurance", "B-001", "ja")
    ]
    assert [(r.language, r.text) for r in wired.speaker.requests] == [
        ("ja", "整理券をお取りください。あなたの番号は B 1 番です。")
    ]
    assert wired.figures_told == ["refresh"]  # the home screen reads its figures again


def test_a_second_tactile_press_while_printing_takes_no_second_ticket(
    wired: Wired, pins: MockFactory, services: KioskServices
) -> None:
    gate = threading.Event()
    issue = services.tickets.issue

    def slow_issue(service_id: str, language: str) -> Any:
        gate.wait(5)
        return issue(service_id, language)

    services.tickets.issue = slow_issue  # type: ignore[method-assign]
    press(pins, CERT_PIN)
    press(pins, CERT_PIN)
    gate.set()

    assert wired.buttons.wait_idle(10)
    assert len(wired.events(events.TICKET_ISSUED)) == 1


def test_a_pin_claimed_twice_is_a_button_panel_error(pins: MockFactory) -> None:
    with pytest.raises(ButtonPanelError, match="GPIO buttons could not be set up"):
        GpioButtonPanel(CALL_PIN, CALL_PIN, {}, pin_factory=pins)


def test_closing_puts_the_lamp_out(wired: Wired, pins: MockFactory, panel: GpioButtonPanel) -> None:
    press(pins, CALL_PIN)
    assert pins.pin(LAMP_PIN).state is True

    wired.buttons.close()

    assert pins.pin(LAMP_PIN).state is False


def test_the_kiosk_wires_the_configured_buttons_and_the_voice_from_its_config(
    tmp_path: Path, printer_sim: PrinterSimulator, pins: MockFactory
) -> None:
    config = make_config(
        tmp_path / "state",
        accessibility={
            "voice": "record",
            "buttons": {
                "call_staff": CALL_PIN,
                "call_staff_lamp": LAMP_PIN,
                "services": {"5": "childcare"},
            },
        },
    )
    services = build_services(config, printer_url=f"tcp://127.0.0.1:{printer_sim.port}")
    told = threading.Event()
    try:
        speaker = open_voice(config)
        buttons = start_buttons(config, services, speaker, told.set, pin_factory=pins)
        assert buttons is not None and services.call_staff is not None
        assert speaker is not None and speaker.name == "record"

        press(pins, CALL_PIN)
        assert told.wait(5) and pins.pin(LAMP_PIN).state is True
        call = services.call_staff.open_call
        assert call is not None
        services.call_staff.handle_command({"call_id": call.call_id, "by": "4711"})
        assert pins.pin(LAMP_PIN).state is False
        buttons.close()
    finally:
        services.stop()


def test_without_buttons_in_the_config_nothing_is_claimed(
    tmp_path: Path, printer_sim: PrinterSimulator, pins: MockFactory
) -> None:
    config = make_config(tmp_path / "state")
    services = build_services(config, printer_url=f"tcp://127.0.0.1:{printer_sim.port}")
    try:
        assert start_buttons(config, services, None, None, pin_factory=pins) is None
        assert services.call_staff is None
        assert open_voice(config) is None
    finally:
        services.stop()


# -- the open call outlives a restart (issue 13, H11 item 1) ----------------------------------


def restart_panel(pins: MockFactory) -> GpioButtonPanel:
    """The panel as the next run claims it: the pins are released and the lamp is dark."""
    pins.reset()
    return GpioButtonPanel(CALL_PIN, LAMP_PIN, {}, pin_factory=pins)


def test_a_restart_with_the_lamp_lit_keeps_the_call_and_lights_the_lamp_again(
    wired: Wired, pins: MockFactory, services: KioskServices, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    call_id = wired.events(events.ASSIST_STAFF_CALLED)[0]["call_id"]
    wired.buttons.close()  # the kiosk stops: its lamp goes out with the pins
    assert pins.pin(LAMP_PIN).state is False

    panel = restart_panel(pins)
    restored = CallStaffService(services.db, services.outbox, "test-kiosk-1", clock)
    buttons = PhysicalButtons(
        panel, restored, services.tickets, RecordingSpeaker(), services.catalogs["ja"]
    )
    try:
        call = restored.open_call
        assert call is not None
        assert (call.call_id, call.via, call.at) == (
            call_id,
            "button",
            datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
        )
        assert pins.pin(LAMP_PIN).state is True
        clock.advance(seconds=240)

        assert restored.handle_command({"call_id": call_id, "by": "4711"}) == {
            "acknowledged": True,
            "call_id": call_id,
        }
        assert pins.pin(LAMP_PIN).state is False
        assert wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED) == [
            {"call_id": call_id, "via": "command", "by": "4711", "waited_s": 240.0}
        ]
    finally:
        buttons.close()


def test_an_acknowledged_call_is_not_restored_after_a_restart(
    wired: Wired, pins: MockFactory, services: KioskServices, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    wired.call_staff.acknowledge("diagnostics", by="4711")

    restored = CallStaffService(services.db, services.outbox, "test-kiosk-1", clock)

    assert restored.open_call is None
    with services.db.reading() as conn:
        assert read_open_call(conn) is None


def test_the_open_call_survives_closing_and_reopening_the_database_file(
    tmp_path: Path, clock: SteppingClock
) -> None:
    path = tmp_path / "kiosk.sqlite3"
    db = Database(path)
    first = CallStaffService(db, Outbox(db, kiosk_id="k1", session=1), "k1", clock)
    call = first.call(via="screen")
    db.close()

    db = Database(path)
    try:
        again = CallStaffService(db, Outbox(db, kiosk_id="k1", session=2), "k1", clock)
        assert again.open_call == call
    finally:
        db.close()


def test_a_damaged_stored_call_is_logged_and_no_call_is_restored(
    services: KioskServices, clock: SteppingClock, caplog: pytest.LogCaptureFixture
) -> None:
    with services.db.transaction() as tx:
        kv_set(tx, OPEN_CALL_KEY, '{"call_id": "x", "at": "yesterday"}')

    restored = CallStaffService(services.db, services.outbox, "test-kiosk-1", clock)

    assert restored.open_call is None
    assert "kv assist.open_call is not an open call" in caplog.text


def test_an_acknowledgement_of_an_earlier_call_leaves_the_open_call_lit(
    wired: Wired, pins: MockFactory, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    first = wired.events(events.ASSIST_STAFF_CALLED)[0]["call_id"]
    wired.call_staff.acknowledge("diagnostics", by="4711")
    clock.advance(minutes=2)
    press(pins, CALL_PIN)
    second = wired.events(events.ASSIST_STAFF_CALLED)[1]["call_id"]

    late = wired.call_staff.handle_command({"call_id": first, "by": "12"})

    assert late == {"acknowledged": False, "call_id": None}
    assert pins.pin(LAMP_PIN).state is True
    assert wired.call_staff.handle_command({"call_id": second, "by": "12"}) == {
        "acknowledged": True,
        "call_id": second,
    }
    assert pins.pin(LAMP_PIN).state is False


@pytest.mark.parametrize("args", [{}, {"by": "12"}, {"call_id": None}, {"call_id": 7}])
def test_an_acknowledge_command_that_names_no_call_is_bad_args_and_the_lamp_stays_lit(
    wired: Wired, pins: MockFactory, args: dict[str, object]
) -> None:
    press(pins, CALL_PIN)

    with pytest.raises(CommandError) as caught:
        wired.call_staff.handle_command(args)

    assert caught.value.code == "bad_args"
    assert pins.pin(LAMP_PIN).state is True
    assert wired.call_staff.open_call is not None
    assert wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED) == []


def test_a_late_acknowledgement_that_names_no_call_leaves_the_next_persons_call_lit(
    wired: Wired, pins: MockFactory, clock: SteppingClock
) -> None:
    press(pins, CALL_PIN)
    wired.call_staff.acknowledge("diagnostics", by="4711")  # taken at the kiosk
    clock.advance(minutes=2)
    press(pins, CALL_PIN)  # the next person

    with pytest.raises(CommandError):
        wired.call_staff.handle_command({"by": "12"})  # the staff app's late answer

    assert pins.pin(LAMP_PIN).state is True
    assert len(wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED)) == 1


def test_the_acknowledging_staff_id_is_kept_to_64_characters(
    wired: Wired, pins: MockFactory
) -> None:
    press(pins, CALL_PIN)
    call_id = wired.events(events.ASSIST_STAFF_CALLED)[0]["call_id"]

    wired.call_staff.handle_command({"call_id": call_id, "by": "9" * 5000})

    assert wired.events(events.ASSIST_STAFF_CALL_ACKNOWLEDGED)[0]["by"] == "9" * 64


def test_a_tactile_press_while_the_screen_is_out_of_service_takes_no_ticket_and_says_why(
    services: KioskServices, panel: GpioButtonPanel, pins: MockFactory, clock: SteppingClock
) -> None:
    why = ["oos.body.closed"]  # the screen: closed for today
    speaker = RecordingSpeaker()
    buttons = PhysicalButtons(
        panel,
        CallStaffService(services.db, services.outbox, services.config.kiosk_id, clock),
        services.tickets,
        speaker,
        services.catalogs["ja"],
        out_of_service=lambda: why[0],
    )

    def issued() -> list[Any]:
        return [e for e in services.outbox.pending(limit=1000) if e.type == events.TICKET_ISSUED]

    press(pins, PENSION_PIN)
    assert buttons.wait_idle(10)

    assert issued() == []
    assert buttons.last_outcome is None
    assert [(r.language, r.text) for r in speaker.requests] == [
        ("ja", "本日の受付は終了しました。ご用件は窓口でお尋ねください。")
    ]

    why[0] = ""  # open again
    press(pins, PENSION_PIN)
    assert buttons.wait_idle(10)
    assert [e.payload["data"]["number"] for e in issued()] == ["B-001"]

"""The ticket journey on the real screen, the real printer driver and the printer simulator."""

from __future__ import annotations

import json
import threading

import zxingcpp
from pytestqt.qtbot import QtBot

from kiosk.core.clock import SystemClock
from kiosk.core.numbering import business_day
from kiosk.devices.health import Health, HealthState
from kiosk.ui.kiosk_view_model import Screen
from tests.ui.conftest import TAKE_TICKET_S, KioskParts, UiFactory
from tests.ui.screen_support import find_item, item_text, tap, window_image

SCREEN_TIMEOUT_MS = 10_000


def outbox_types(parts: KioskParts) -> list[tuple[str, dict[str, object]]]:
    """(type, data) of every event in the outbox, oldest first."""
    return [(e.type, e.payload["data"]) for e in parts.outbox.pending(limit=1000)]


def test_tapping_a_service_prints_the_ticket_shows_its_number_and_returns_home(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model

    tap(qtbot, ui, "service_certificates")

    assert vm.current_screen is Screen.PRINTING
    assert find_item(ui, "printingScreen").isVisible()
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    printed = parts.printer_sim.wait_for_tickets(1, timeout=5)
    assert len(printed) == 1
    assert "A-001" in printed[0].lines
    assert "住民票・証明書" in printed[0].lines
    assert item_text(ui, "ticketNumber") == "A-001"
    assert item_text(ui, "ticketService") == "住民票・証明書"
    outcome = vm.last_outcome
    assert outcome is not None and outcome.printed
    row = parts.repo.get(outcome.ticket.id)
    assert row is not None and row.print_state == "printed"

    qtbot.waitUntil(
        lambda: vm.current_screen is Screen.HOME, timeout=round(TAKE_TICKET_S * 1000) + 3000
    )
    assert find_item(ui, "homeScreen").isVisible()
    assert vm.property("ticketNumber") == ""


def test_a_second_tap_while_printing_is_ignored(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model

    vm.requestTicket("certificates")
    vm.requestTicket("certificates")
    vm.requestTicket("pension")

    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    assert vm.wait_idle(5)
    assert parts.printer_sim.printed_count == 1
    issued = [data for kind, data in outbox_types(parts) if kind == "ticket.issued"]
    assert [data["number"] for data in issued] == ["A-001"]


def test_printer_out_of_paper_shows_the_number_and_its_qr_on_the_problem_screen(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    parts.printer_sim.set_paper("out")

    vm.requestTicket("pension")

    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    outcome = vm.last_outcome
    assert outcome is not None and not outcome.printed
    assert outcome.ticket.number == "B-001"
    assert item_text(ui, "ticketNumber") == "B-001"
    assert vm.property("problemKey") == "problem.paper_out"
    assert item_text(ui, "problemText") == parts.catalogs["ja"].messages["problem.paper_out"]
    qtbot.waitUntil(lambda: find_item(ui, "ticketQr").property("paintedWidth") > 0)
    codes = zxingcpp.read_barcodes(window_image(ui))
    assert [code.text for code in codes] == [outcome.ticket.status_url]
    assert parts.printer_sim.printed_count == 0

    row = parts.repo.get(outcome.ticket.id)
    assert row is not None
    assert (row.print_state, row.print_reason) == ("failed", "paper_out")
    events = outbox_types(parts)
    health_events = [data for kind, data in events if kind == "device.health"]
    assert health_events[-1]["device"] == "printer"
    assert (health_events[-1]["state"], health_events[-1]["reason"]) == ("fault", "paper_out")
    assert (
        "ticket.print_failed",
        {"ticket_id": outcome.ticket.id, "number": "B-001", "reason": "paper_out"},
    ) in events

    tap(qtbot, ui, "doneButton")
    assert vm.current_screen is Screen.HOME
    assert find_item(ui, "printerBanner").isVisible()


def test_the_problem_screen_stays_three_times_longer_than_the_ticket_screen(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    parts.printer_sim.set_cover_open(True)

    vm.requestTicket("childcare")

    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    assert vm.property("problemKey") == "problem.cover_open"
    assert vm.property("screenSeconds") == round(TAKE_TICKET_S * 3)
    qtbot.wait(round(TAKE_TICKET_S * 1000) + 500)  # longer than the ticket screen would stay
    assert vm.current_screen is Screen.PRINTER_PROBLEM
    qtbot.waitUntil(
        lambda: vm.current_screen is Screen.HOME, timeout=round(TAKE_TICKET_S * 2000) + 3000
    )


def test_the_language_button_switches_the_home_texts_and_service_names(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    ja, en = parts.catalogs["ja"].messages, parts.catalogs["en"].messages
    assert item_text(ui, "homeTitle") == ja["home.title"]
    assert item_text(ui, "officeName") == "中央区役所"
    assert item_text(ui, "languageButton") == "English"

    tap(qtbot, ui, "languageButton")

    assert ui.view_model.current_language == "en"
    assert item_text(ui, "homeTitle") == en["home.title"]
    assert item_text(ui, "officeName") == "Chuo City Office"
    assert item_text(ui, "languageButton") == "日本語"
    assert ui.services.row_of("pension")["name"] == "Insurance and pension"

    tap(qtbot, ui, "service_certificates")
    qtbot.waitUntil(
        lambda: ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS
    )
    printed = parts.printer_sim.wait_for_tickets(1, timeout=5)
    assert "Certificates" in printed[0].lines  # the ticket is printed in the chosen language
    assert item_text(ui, "ticketService") == "Certificates"


def test_no_touch_for_the_inactivity_time_returns_home_in_the_default_language(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui(inactivity_s=0.5)
    tap(qtbot, ui, "languageButton")
    assert ui.view_model.current_language == "en"

    qtbot.waitUntil(lambda: ui.view_model.current_language == "ja", timeout=5000)

    assert ui.view_model.current_screen is Screen.HOME
    assert item_text(ui, "homeTitle") == parts.catalogs["ja"].messages["home.title"]


def test_a_ticket_that_cannot_be_committed_takes_the_kiosk_out_of_service(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    parts.outbox.capacity = 0  # the outbox is full: the ticket.issued event is refused

    ui.view_model.requestTicket("certificates")

    qtbot.waitUntil(
        lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE, timeout=SCREEN_TIMEOUT_MS
    )
    assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.error"]
    assert parts.printer_sim.printed_count == 0
    assert parts.repo.all_numbers(_today(parts)) == []


def _today(parts: KioskParts) -> str:
    cfg = parts.config
    return business_day(SystemClock().now(), cfg.timezone, cfg.tickets.reset_time).isoformat()


def test_the_app_can_take_the_kiosk_out_of_service_from_another_thread(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model

    worker = threading.Thread(target=vm.set_out_of_service, args=(True, "closed"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: vm.current_screen is Screen.OUT_OF_SERVICE)
    assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.closed"]

    vm.requestTicket("certificates")
    assert vm.current_screen is Screen.OUT_OF_SERVICE
    assert vm.wait_idle(1)

    worker = threading.Thread(target=vm.set_out_of_service, args=(False, ""))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: vm.current_screen is Screen.HOME)
    assert parts.printer_sim.printed_count == 0


def test_offline_link_is_shown_calmly_in_the_status_bar_and_tickets_still_work(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    label = find_item(ui, "offlineLabel")
    for online, reason in ((True, "connected"), (False, "broker unreachable")):
        worker = threading.Thread(target=ui.status.setLinkStatus, args=(online, reason))
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda online=online: ui.status.property("online") is online)
        assert label.isVisible() is (not online)
    assert item_text(ui, "offlineLabel") == parts.catalogs["ja"].messages["status.offline"]

    ui.view_model.requestTicket("childcare")
    qtbot.waitUntil(
        lambda: ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS
    )


def test_a_printer_fault_reported_from_another_thread_shows_the_home_banner(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    banner = find_item(ui, "printerBanner")
    assert not banner.isVisible()  # not checked yet is not a problem

    for health, shown in (
        (Health(HealthState.FAULT, "cover_open"), True),
        (Health(HealthState.DEGRADED, "paper_near_end"), False),
        (Health(HealthState.UNKNOWN, "no_answer"), True),
        (Health(HealthState.OK), False),
    ):
        worker = threading.Thread(target=parts.health.report, args=("printer", health))
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda shown=shown: banner.isVisible() is shown)
        assert ui.status.property("printerState") == health.state.value
    assert json.loads(parts.outbox.pending(limit=1000)[-1].envelope)["data"]["state"] == "ok"

"""A full disk on the real screen: a ticket or a check-in that cannot be recorded ends on a
screen that tells the citizen to go to the counter, and the kiosk comes back by itself when
the store can write again (issue 10, item 4)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickItem, QQuickWindow
from pytestqt.qtbot import QtBot

from kiosk.app import follow_relearn, follow_store_health
from kiosk.core.checkin import CheckInResult
from kiosk.core.clock import SystemClock
from kiosk.core.relearn import StoreRelearn
from kiosk.devices.health import HealthState
from kiosk.errors import StoreFullError
from kiosk.i18n.linebreak import plain
from kiosk.store.health import STORE, StoreHealthMonitor
from kiosk.store.opening import Replacement
from kiosk.ui.checkin_view_model import CheckInScreen
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.store_failure import build_store_failure_ui
from tests.store.store_support import big_write, fill, fill_completely, make_room
from tests.ui.conftest import CheckInUiFactory, KioskParts, UiFactory
from tests.ui.screen_support import find_item, item_text
from tests.ui.test_checkin_screens import booking, scan_from_thread

SCREEN_TIMEOUT_MS = 10_000


def test_a_ticket_on_a_full_disk_asks_the_citizen_to_go_to_the_counter_and_prints_nothing(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    fill_completely(parts.db, "kv", "ticket_counter", "ticket")

    ui.view_model.requestTicket("certificates")

    qtbot.waitUntil(
        lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE, timeout=SCREEN_TIMEOUT_MS
    )
    assert find_item(ui, "outOfServiceScreen").isVisible()
    assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.store"]
    assert "窓口" in item_text(ui, "outOfServiceText")
    ui.view_model.setLanguage("en")
    assert item_text(ui, "outOfServiceText") == (
        "This kiosk cannot record tickets right now. Please ask at the counter; "
        "staff have been notified."
    )
    assert parts.printer_sim.printed_count == 0


def test_the_store_fault_takes_the_kiosk_out_of_service_and_room_brings_it_back(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    monitor = StoreHealthMonitor(parts.db, parts.health, probe_interval_s=0.05)
    follow_store_health(parts.health, ui.view_model)
    try:
        fill(parts.db)
        with pytest.raises(StoreFullError):
            big_write(parts.db)
        qtbot.waitUntil(
            lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE,
            timeout=SCREEN_TIMEOUT_MS,
        )
        assert parts.health.get(STORE).reason == "disk_full"
        assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.store"]

        make_room(parts.db)

        qtbot.waitUntil(
            lambda: ui.view_model.current_screen is Screen.HOME, timeout=SCREEN_TIMEOUT_MS
        )
        assert parts.health.get(STORE).state is HealthState.OK
    finally:
        monitor.stop()


def test_the_store_coming_back_never_ends_an_out_of_service_of_another_reason(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    follow_store_health(parts.health, ui.view_model)
    ui.view_model.set_out_of_service(True, "closed")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)

    ui.view_model.leave_out_of_service("store")
    qtbot.wait(50)  # the queued call has run by then (no condition to wait for: nothing changes)

    assert ui.view_model.current_screen is Screen.OUT_OF_SERVICE
    assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.closed"]


def test_a_check_in_on_a_full_disk_shows_the_unavailable_screen_with_the_counter_text(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory, parts: KioskParts
) -> None:
    screen = make_checkin_ui()
    fill_completely(parts.db, "kv", "used_booking", "outbox")

    with qtbot.waitSignal(screen.vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS) as finished:
        scan_from_thread(screen, booking())

    assert finished.args is not None
    assert finished.args[0].result is CheckInResult.UNAVAILABLE
    assert screen.vm.current_screen is CheckInScreen.REJECTED
    assert (
        item_text(screen.ui, "checkinTitle")
        == parts.catalogs["ja"].messages["checkin.unavailable.title"]
    )
    assert item_text(screen.ui, "checkinBody") == "窓口でお尋ねください。職員に連絡済みです。"


def test_a_kiosk_that_cannot_open_its_state_shows_why_on_the_out_of_service_screen(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> None:
    reason = "/var/lib/kiosk/kiosk.sqlite3: schema version 99 is newer than this program knows"
    ui = build_store_failure_ui(qapp, parts.config, parts.catalogs, reason)
    try:
        qtbot.waitExposed(ui.window)
        texts = {
            name: _text(ui.window, name) for name in ("outOfServiceText", "storeFailureReason")
        }
    finally:
        ui.window.close()
        qapp.removeTranslator(ui.translator)
    assert texts == {
        "outOfServiceText": parts.catalogs["ja"].messages["oos.body.store_failed"],
        "storeFailureReason": reason,
    }


def test_a_replaced_database_keeps_the_journeys_closed_until_the_server_has_answered(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    relearn = StoreRelearn(
        parts.db,
        parts.outbox,
        SystemClock(),
        office="chuo",
        timezone=parts.config.timezone,
        reset_time=parts.config.tickets.reset_time,
        service_ids=["certificates"],
        replacement=Replacement("missing", "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57", marker=True),
    )
    timer = follow_relearn(relearn, ui.view_model, wait_s=60)
    assert timer is not None
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
    assert item_text(ui, "outOfServiceText") == parts.catalogs["ja"].messages["oos.body.relearning"]

    relearn.handle_command({"incarnation": parts.outbox.incarnation, "final": True})

    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.HOME, timeout=5000)


def test_an_offline_replaced_database_opens_the_journeys_after_the_wait(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    relearn = StoreRelearn(
        parts.db,
        parts.outbox,
        SystemClock(),
        office="chuo",
        timezone=parts.config.timezone,
        reset_time=parts.config.tickets.reset_time,
        service_ids=["certificates"],
        replacement=Replacement("missing", "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57", marker=True),
    )
    timer = follow_relearn(relearn, ui.view_model, wait_s=0.3)
    assert timer is not None
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.OUT_OF_SERVICE)
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.HOME, timeout=5000)
    assert relearn.pending  # still waiting for the server, in the background


def _text(window: QQuickWindow, name: str) -> str:
    item = window.findChild(QQuickItem, name)
    assert item is not None, name
    return plain(str(item.property("text")))  # without the word joiners of the line breaks

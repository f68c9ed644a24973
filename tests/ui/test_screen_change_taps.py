"""Taps right after a screen change, and where consequential buttons sit (issue 13)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtQuick import QQuickItem, QQuickWindow
from pytestqt.qtbot import QtBot

from kiosk.ui.kiosk_view_model import Screen
from tests.ui.conftest import TAKE_TICKET_S, KioskParts, UiFactory
from tests.ui.screen_support import find_item, has_item, tap

SCREEN_TIMEOUT_MS = 10_000


def issued_numbers(parts: KioskParts) -> list[object]:
    """The numbers of the tickets issued so far, oldest first."""
    return [
        e.payload["data"]["number"]
        for e in parts.outbox.pending(limit=1000)
        if e.type == "ticket.issued"
    ]


def scene_rect(item: QQuickItem) -> QRectF:
    """The item's box in window coordinates."""
    top_left = item.mapToScene(QPointF(0, 0))
    return QRectF(top_left.x(), top_left.y(), item.width(), item.height())


def click_centre_now(qtbot: QtBot, item: QQuickItem, window: QQuickWindow) -> None:
    """A finger landing on the item's centre at once (no wait for the tap guard)."""
    centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(centre))  # type: ignore[no-untyped-call]


def test_a_tap_right_after_the_screen_went_home_by_itself_issues_no_ticket_and_one_later_does(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    assert vm.wait_idle(5)
    qtbot.waitUntil(
        lambda: vm.current_screen is Screen.HOME, timeout=round(TAKE_TICKET_S * 1000) + 3000
    )

    qtbot.waitUntil(lambda: has_item(ui, "service_pension"), timeout=SCREEN_TIMEOUT_MS)
    click_centre_now(qtbot, find_item(ui, "service_pension"), ui.window)
    assert vm.wait_idle(5)
    after_early_tap = (vm.current_screen, issued_numbers(parts))

    tap(qtbot, ui, "service_pension")  # waits out the guard, as a new person's tap would
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    assert vm.wait_idle(5)

    assert after_early_tap == (Screen.HOME, ["A-001"])
    assert issued_numbers(parts) == ["A-001", "B-001"]


def test_the_tap_guard_lasts_six_hundred_milliseconds_after_each_screen_change(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui()
    guard = find_item(ui, "tapGuard")
    qtbot.waitUntil(lambda: guard.property("enabled") is False, timeout=5000)

    ui.view_model.requestTicket("pension")  # home -> the printing screen
    enabled_after_change = guard.property("enabled")
    assert ui.view_model.wait_idle(5)

    assert ui.window.property("tapGuardMs") == 600
    assert enabled_after_change is True


def test_no_service_row_sits_under_the_ticket_screens_done_button(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    take_done = scene_rect(find_item(ui, "doneButton"))
    vm.done()
    parts.printer_sim.set_paper("out")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.HOME, timeout=SCREEN_TIMEOUT_MS)
    vm.requestTicket("pension")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    problem_done = scene_rect(find_item(ui, "doneButton"))
    vm.done()
    qtbot.waitUntil(lambda: vm.current_screen is Screen.HOME, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: has_item(ui, "service_childcare"), timeout=SCREEN_TIMEOUT_MS)
    service_list = scene_rect(find_item(ui, "serviceList"))
    # NOTE: the list clips its rows, and a clipped part of a row takes no taps.
    rows = [
        scene_rect(find_item(ui, f"service_{s}")).intersected(service_list)
        for s in ("certificates", "pension", "childcare")
    ]

    assert take_done.height() >= 96 and problem_done.height() >= 96
    assert [service_list.intersects(done) for done in (take_done, problem_done)] == [False, False]
    assert [row.intersects(take_done) or row.intersects(problem_done) for row in rows] == [
        False,
        False,
        False,
    ]

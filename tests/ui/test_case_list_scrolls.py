"""The staff case list shows that it scrolls when the cases do not fit (issue 13)."""

from __future__ import annotations

from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.ui.handover_view_model import HandoverScreen
from tests.ui.conftest import (
    HANDOVER_STAFF_ID,
    HANDOVER_STAFF_PIN,
    HandoverUi,
    HandoverUiFactory,
)
from tests.ui.screen_support import find_item, has_item, is_shown, item_text, tap

SCREEN_TIMEOUT_MS = 10_000


def sign_in_to_cases(qtbot: QtBot, screen: HandoverUi, case_ids: list[str]) -> None:
    """Staff sign in with number and PIN and see the cases waiting to be loaded."""
    ui, vm = screen.ui, screen.vm
    vm.openStaff()
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.STAFF)
    for digit in HANDOVER_STAFF_ID:
        tap(qtbot, ui, f"handoverKey_{digit}")
    tap(qtbot, ui, "handoverStaffOk")
    for digit in HANDOVER_STAFF_PIN:
        tap(qtbot, ui, f"handoverKey_{digit}")
    tap(qtbot, ui, "handoverStaffOk")
    qtbot.waitUntil(lambda: vm.current_screen is HandoverScreen.CASES, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: vm.cases.case_ids() == case_ids, timeout=SCREEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: has_item(ui, f"handoverCase_{case_ids[0]}"))


def test_five_cases_show_an_always_on_scroll_bar_and_more_below_until_the_end_is_reached(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    case_ids = [f"case-{n}" for n in range(1, 6)]
    for case_id in case_ids:
        screen.assign(case_id, "M", old=False)
    sign_in_to_cases(qtbot, screen, case_ids)
    ui = screen.ui
    case_list = find_item(ui, "handoverCaseList")
    bar = find_item(ui, "handoverCaseScrollBar")
    more: QQuickItem = find_item(ui, "handoverCasesMore")
    shown_at_top = (is_shown(bar), bar.property("opacity"), is_shown(more))
    more_text = item_text(ui, "handoverCasesMoreText")

    case_list.setProperty("contentY", case_list.property("contentHeight") - case_list.height())
    qtbot.waitUntil(lambda: case_list.property("atYEnd") is True)

    assert case_list.property("contentHeight") > case_list.height()
    assert shown_at_top == (True, 1.0, True)
    assert more_text == "▼ 下にまだあります（指で上へ動かしてください）"
    assert (is_shown(bar), bar.property("opacity"), is_shown(more)) == (True, 1.0, False)


def test_one_case_shows_no_scroll_bar_and_no_more_below(
    qtbot: QtBot, make_handover_ui: HandoverUiFactory
) -> None:
    screen = make_handover_ui()
    screen.assign("case-1", "S", old=False)
    sign_in_to_cases(qtbot, screen, ["case-1"])
    ui = screen.ui

    bar = find_item(ui, "handoverCaseScrollBar")

    assert is_shown(bar) is False
    assert is_shown(find_item(ui, "handoverCasesMore")) is False

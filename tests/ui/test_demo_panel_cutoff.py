"""The demo panel's "cut off the next ticket" against the real driver, which polls the
printer's status between tickets as the demo does; and the panel's title."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.devices.health import HealthState
from kiosk.i18n.linebreak import plain
from kiosk.ui.demo_panel import DemoPanel, build_demo_panel
from kiosk.ui.kiosk_view_model import Screen
from simulators.printer.demo_faults import SimulatorFaults
from tests.ui.conftest import KioskParts, UiFactory


def drop_button(panel: DemoPanel) -> QQuickItem:
    def walk(item: QQuickItem) -> list[QQuickItem]:
        found = [item] if item.objectName() == "dropButton" else []
        for child in item.childItems():
            found.extend(walk(child))
        return found

    [button] = walk(panel.window.contentItem())
    return button


def press_drop(qtbot: QtBot, panel: DemoPanel) -> None:
    button = drop_button(panel)
    assert button.isEnabled()
    centre = button.mapToScene(QPointF(button.width() / 2, button.height() / 2)).toPoint()
    qtbot.mouseClick(panel.window, Qt.MouseButton.LeftButton, pos=QPoint(centre))
    assert panel.view_model.property("dropArmed") is True
    assert not button.isEnabled()


def test_cut_off_waits_for_the_next_ticket_through_status_polls_and_works_again(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    faults = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(ui, faults, faults.recent_tickets)
    qtbot.waitExposed(panel.window)

    for ticket in (1, 2):  # the second press must work as the first did
        press_drop(qtbot, panel)
        for _ in range(6):  # the demo polls every 5 s: 30 s of polls, 72 B
            assert parts.tickets.poll_printer().state is HealthState.OK
        panel.view_model.refreshTickets()
        assert panel.view_model.property("dropArmed") is True

        ui.view_model.requestTicket("certificates")
        qtbot.waitUntil(
            lambda: ui.view_model.current_screen is Screen.PRINTER_PROBLEM, timeout=10_000
        )
        assert parts.printer_sim.wait_for_tickets(ticket, 5.0)[-1].cut is False
        qtbot.waitUntil(lambda: panel.view_model.property("dropArmed") is False, timeout=3000)
        assert drop_button(panel).isEnabled()
        ui.view_model.done()
        qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.HOME, timeout=10_000)


def test_the_panel_follows_the_simulator_when_an_armed_cutoff_is_cleared_there(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    faults = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(ui, faults, faults.recent_tickets)
    qtbot.waitExposed(panel.window)
    press_drop(qtbot, panel)

    parts.printer_sim.reset_faults()  # `reset` on the simulator's console does this

    qtbot.waitUntil(lambda: panel.view_model.property("dropArmed") is False, timeout=3000)
    assert drop_button(panel).isEnabled()


def test_the_panel_title_names_the_simulated_devices_not_the_printer(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    faults = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(ui, faults, faults.recent_tickets)
    qtbot.waitExposed(panel.window)
    assert plain(panel.window.title()) == "デモ: 模擬装置の操作"
    ui.view_model.setLanguage("en")
    qtbot.waitUntil(lambda: plain(panel.window.title()) == "Demo: simulated devices", timeout=3000)

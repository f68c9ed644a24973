"""The service list on the home screen: one row per service, live waiting figures."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from kiosk.core.waiting import WaitFigure
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.service_list import ServiceListModel
from tests.ui.conftest import KioskParts, UiFactory
from tests.ui.screen_support import find_item


def test_service_list_model_passes_the_qt_model_tester(
    qapp: QApplication, qtmodeltester: ModelTester, parts: KioskParts
) -> None:
    model = ServiceListModel(parts.config, parts.tickets, "ja")

    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)

    assert model.rowCount() == 3
    assert model.service_ids() == ["certificates", "pension", "childcare"]


def test_service_list_has_one_row_per_service_in_config_order(
    qapp: QApplication, parts: KioskParts
) -> None:
    model = ServiceListModel(parts.config, parts.tickets, "ja")

    assert [model.row_of(sid) for sid in model.service_ids()] == [
        {
            "serviceId": "certificates",
            "prefix": "A",
            "name": "住民票・証明書",
            "waiting": 0,
            "waitMinutes": 0,
            "estimated": True,
        },
        {
            "serviceId": "pension",
            "prefix": "B",
            "name": "保険・年金",
            "waiting": 0,
            "waitMinutes": 0,
            "estimated": True,
        },
        {
            "serviceId": "childcare",
            "prefix": "C",
            "name": "子育て支援",
            "waiting": 0,
            "waitMinutes": 0,
            "estimated": True,
        },
    ]


def test_service_names_follow_the_language_and_only_changed_rows_are_announced(
    qtbot: QtBot, parts: KioskParts
) -> None:
    model = ServiceListModel(parts.config, parts.tickets, "ja")

    with qtbot.waitSignals([model.dataChanged] * 3, timeout=1000):
        model.set_language("en")
    assert [model.row_of(sid)["name"] for sid in model.service_ids()] == [
        "Certificates",
        "Insurance and pension",
        "Childcare support",
    ]
    with qtbot.assertNotEmitted(model.dataChanged):
        model.set_language("en")
        model.refresh()


def test_a_new_ticket_counts_as_waiting_on_its_button(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()

    ui.view_model.requestTicket("pension")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=10_000)

    assert ui.services.row_of("pension")["waiting"] == 1
    assert ui.services.row_of("pension")["waitMinutes"] == 10
    assert ui.services.row_of("certificates")["waiting"] == 0


def test_server_figures_from_another_thread_reach_the_buttons(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    figures = {
        "certificates": WaitFigure(4, 15, estimated=False),
        "pension": WaitFigure(7, 35, estimated=False),
        "childcare": WaitFigure(0, 0, estimated=False),
    }

    worker = threading.Thread(target=parts.waiting.update_from_server, args=(figures,))
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: ui.services.row_of("pension")["waiting"] == 7)
    assert ui.services.row_of("pension")["waitMinutes"] == 35
    assert ui.services.row_of("pension")["estimated"] is False
    assert find_item(ui, "service_pension").isVisible()


def test_a_desired_config_from_another_thread_rebuilds_the_rows_on_the_gui_thread(
    qapp: QApplication, qtbot: QtBot, parts: KioskParts
) -> None:
    from dataclasses import replace

    model = ServiceListModel(parts.config, parts.tickets, "en")
    fewer = replace(parts.config, services=parts.config.services[:1])
    worker = threading.Thread(target=model.notify_config_changed, args=(fewer,))
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        worker.start()
    worker.join()
    assert model.service_ids() == ["certificates"]
    assert model.row_of("certificates")["name"] == parts.config.services[0].name.get("en")

"""An open staff call on the screen (issue 13): the status bar's calm line while a call waits
(also a call restored at start), and the diagnostics screen's one button that acknowledges it
in the signed-in technician's name (``via: diagnostics``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.app import RunOptions, run_kiosk
from kiosk.config import KioskConfig, parse_config
from kiosk.core import events
from kiosk.core.call_staff import CallStaffService
from kiosk.core.clock import SystemClock
from kiosk.core.diagnostics.technician import TechnicianAccess
from kiosk.services import build_services
from kiosk.ui.diagnostics_view_model import DiagnosticsScreen
from kiosk.ui.window import KioskUi, build_ui
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config
from tests.ui.conftest import KioskParts
from tests.ui.diagnostics_support import (
    TECHNICIAN_ID,
    TECHNICIAN_PIN,
    BenchDiagnostics,
    technician_pins,
)
from tests.ui.fit_check import misfits
from tests.ui.language_support import every_language_config_data
from tests.ui.screen_support import find_item, has_item, item_text, tap

TIMEOUT_MS = 10_000

StaffCallUiFactory = Callable[..., KioskUi]


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    """The screen-test config in all eight languages (the status line is checked in each)."""
    return parse_config(every_language_config_data(tmp_path / "state"), source="staff call")


@pytest.fixture
def calls(parts: KioskParts) -> CallStaffService:
    return CallStaffService(parts.db, parts.outbox, parts.config.kiosk_id, SystemClock())


@pytest.fixture
def make_staff_call_ui(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> Iterator[StaffCallUiFactory]:
    """The kiosk screen with the technicians' diagnostics and, when given, the staff calls."""
    built: list[KioskUi] = []

    def factory(call_staff: CallStaffService | None) -> KioskUi:
        pins = technician_pins()
        access = TechnicianAccess(pins, parts.db, parts.outbox, SystemClock(), window_s=600)
        config = replace(
            parts.config, diagnostics=replace(parts.config.diagnostics, technician_pins=pins)
        )
        ui = build_ui(
            qapp,
            config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            diagnostics=BenchDiagnostics(parts),
            technician_access=access,
            call_staff=call_staff,
        )
        built.append(ui)
        qtbot.waitExposed(ui.window)
        return ui

    yield factory
    for ui in built:
        assert ui.staff_call is not None and ui.staff_call.wait_idle(10)
        if ui.diagnostics is not None:
            assert ui.diagnostics.wait_idle(10)
        ui.close()
    built.clear()


def shown(ui: KioskUi, name: str) -> bool:
    return has_item(ui, name) and find_item(ui, name).isVisible()


def sign_in(qtbot: QtBot, ui: KioskUi) -> None:
    """Open the diagnostics with the test technician's number and PIN (real taps)."""
    vm = ui.diagnostics
    assert vm is not None
    vm.openSignIn()
    for digit in TECHNICIAN_ID:
        tap(qtbot, ui, f"diagnosticsKey_{digit}")
    tap(qtbot, ui, "diagnosticsOk")
    for digit in TECHNICIAN_PIN:
        tap(qtbot, ui, f"diagnosticsKey_{digit}")
    tap(qtbot, ui, "diagnosticsOk")
    qtbot.waitUntil(lambda: vm.current_screen is DiagnosticsScreen.MAIN, timeout=TIMEOUT_MS)


def acknowledged(parts: KioskParts) -> list[dict[str, Any]]:
    return [
        e.payload["data"]
        for e in parts.outbox.pending(limit=1000)
        if e.type == events.ASSIST_STAFF_CALL_ACKNOWLEDGED
    ]


def test_an_open_call_shows_the_calm_line_in_the_language_shown_until_staff_acknowledge_it(
    qtbot: QtBot, make_staff_call_ui: StaffCallUiFactory, calls: CallStaffService
) -> None:
    ui = make_staff_call_ui(calls)
    assert not shown(ui, "staffCallLabel")

    calls.call(via="button")  # the button's thread in the kiosk; any thread will do
    qtbot.waitUntil(lambda: shown(ui, "staffCallLabel"), timeout=TIMEOUT_MS)
    japanese = item_text(ui, "staffCallLabel")
    ui.view_model.setLanguage("en")
    english = item_text(ui, "staffCallLabel")
    offline_hidden = not shown(ui, "offlineLabel")  # the broker is down: it would show
    calls.acknowledge("command", by="4711")
    qtbot.waitUntil(lambda: not shown(ui, "staffCallLabel"), timeout=TIMEOUT_MS)

    assert japanese == "職員を呼びました。こちらでお待ちください"
    assert english == "Staff have been called — please wait here"
    assert offline_hidden
    assert shown(ui, "offlineLabel")  # back once the call is taken


def test_a_call_left_open_by_the_previous_run_shows_from_the_first_frame(
    make_staff_call_ui: StaffCallUiFactory, parts: KioskParts, calls: CallStaffService
) -> None:
    call = calls.call(via="button")
    restarted = CallStaffService(parts.db, parts.outbox, parts.config.kiosk_id, SystemClock())

    ui = make_staff_call_ui(restarted)

    assert call is not None and restarted.open_call == call
    assert shown(ui, "staffCallLabel")
    assert item_text(ui, "staffCallLabel") == "職員を呼びました。こちらでお待ちください"


def test_a_signed_in_technician_acknowledges_the_call_with_one_button(
    qtbot: QtBot,
    make_staff_call_ui: StaffCallUiFactory,
    parts: KioskParts,
    calls: CallStaffService,
) -> None:
    call = calls.call(via="button")
    assert call is not None
    ui = make_staff_call_ui(calls)
    sign_in(qtbot, ui)
    qtbot.waitUntil(lambda: shown(ui, "diagnosticsStaffCall"), timeout=TIMEOUT_MS)
    at = call.at.astimezone(parts.config.timezone).strftime("%H:%M")
    text = item_text(ui, "diagnosticsStaffCallText")
    button = item_text(ui, "diagnosticsStaffCallAcknowledge")

    assert ui.staff_call is not None
    with qtbot.waitSignal(ui.staff_call.acknowledged, timeout=TIMEOUT_MS) as taken:
        tap(qtbot, ui, "diagnosticsStaffCallAcknowledge")
    qtbot.waitUntil(lambda: not shown(ui, "staffCallLabel"), timeout=TIMEOUT_MS)

    assert (text, button) == (f"{at} に職員の呼び出しがありました", "対応しました")
    assert taken.args == [True]
    assert calls.open_call is None
    assert not shown(ui, "diagnosticsStaffCall")
    [data] = acknowledged(parts)
    assert (data["call_id"], data["via"], data["by"]) == (call.call_id, "diagnostics", "4242")


def test_the_button_takes_only_the_call_it_showed(
    qtbot: QtBot, make_staff_call_ui: StaffCallUiFactory, calls: CallStaffService
) -> None:
    first = calls.call(via="button")
    ui = make_staff_call_ui(calls)
    assert ui.staff_call is not None
    qtbot.waitUntil(lambda: shown(ui, "staffCallLabel"), timeout=TIMEOUT_MS)
    # The server takes the call and a new person presses before the screen heard of it.
    calls.acknowledge("command", by="12")
    second = calls.call(via="button")
    assert first is not None and second is not None

    with qtbot.waitSignal(ui.staff_call.acknowledged, timeout=TIMEOUT_MS) as taken:
        assert ui.staff_call.acknowledge(TECHNICIAN_ID)

    assert taken.args == [False]
    assert calls.open_call == second


def test_without_a_call_staff_button_there_is_no_line_and_no_button(
    qtbot: QtBot, make_staff_call_ui: StaffCallUiFactory
) -> None:
    ui = make_staff_call_ui(None)
    sign_in(qtbot, ui)

    assert ui.staff_call is not None and ui.staff_call.property("available") is False
    assert not shown(ui, "staffCallLabel")
    assert not shown(ui, "diagnosticsStaffCall")


STAFF_CALL_ITEMS = ("staffCallLabel", "diagnosticsStaffCall")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "staff-call"  # git-ignored


def test_the_line_and_the_button_fit_whole_in_every_language(
    qtbot: QtBot, make_staff_call_ui: StaffCallUiFactory, calls: CallStaffService
) -> None:
    calls.call(via="button")
    ui = make_staff_call_ui(calls)
    sign_in(qtbot, ui)
    qtbot.waitUntil(lambda: shown(ui, "diagnosticsStaffCall"), timeout=TIMEOUT_MS)
    languages = ["ja", "en", "zh", "ko", "vi", "pt", "ne", "ja-easy"]
    found: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    button_lines: dict[str, int] = {}

    for language in languages:
        ui.view_model.setLanguage(language)
        ui.grab(SCREENSHOTS / f"{language}-diagnostics.png")  # renders: the layout settles
        texts[language] = item_text(ui, "staffCallLabel")
        found[language] = [
            str(m) for m in misfits(ui.window) if m.name.startswith(STAFF_CALL_ITEMS)
        ]
        label = find_item(ui, "diagnosticsStaffCallAcknowledge").property("contentItem")
        button_lines[language] = int(label.property("lineCount"))

    assert found == {language: [] for language in languages}
    # NOTE: one line: at 220 px, 対応（たいおう）しました broke as しまし／た.
    assert button_lines == {language: 1 for language in languages}
    assert len(set(texts.values())) == len(languages)  # each in its own words


def test_kiosk_run_shows_the_call_left_open_by_the_previous_run(
    qapp: QGuiApplication,
    tmp_path: Path,
    printer_sim: PrinterSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")  # kiosk run claims the button's pins
    config = make_config(
        tmp_path / "run",
        printer={"url": f"tcp://127.0.0.1:{printer_sim.port}"},
        ui={"fullscreen": False},
        accessibility={"buttons": {"call_staff": 17, "call_staff_lamp": 27}},
    )
    previous = build_services(config)
    assert previous.call_staff is not None
    previous.call_staff.call(via="button")
    previous.stop()  # the previous run ends with the call open
    services = build_services(config)
    screens: list[KioskUi] = []
    seen: list[tuple[bool, str]] = []

    def ready() -> None:
        ui = screens[0]
        seen.append((shown(ui, "staffCallLabel"), item_text(ui, "staffCallLabel")))
        qapp.quit()

    status = run_kiosk(
        config,
        services,
        RunOptions(on_ready=ready, demo_panel=lambda ui: screens.append(ui), quit_after_s=30),
    )

    assert (status, seen) == (0, [(True, "職員を呼びました。こちらでお待ちください")])

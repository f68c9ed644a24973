"""The demo's simulator panel drives the real printer simulator through ``PrinterFaults``, and
the camera simulator in front of the photo booth."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

from kiosk.demo import _demo_camera
from kiosk.ui.demo_panel import DemoPanel, PrinterFaults, build_demo_panel
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.photo_view_model import PhotoScreen
from simulators.printer.demo_faults import SimulatorFaults
from tests.ui.conftest import KioskParts, PhotoUiFactory, UiFactory


def panel_item(panel: DemoPanel, name: str) -> QQuickItem:
    def walk(item: QQuickItem) -> list[QQuickItem]:
        found = [item] if item.objectName() == name else []
        for child in item.childItems():
            found.extend(walk(child))
        return found

    found = walk(panel.window.contentItem())
    assert len(found) == 1, name
    return found[0]


def click(qtbot: QtBot, panel: DemoPanel, name: str) -> None:
    item = panel_item(panel, name)
    centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    qtbot.mouseClick(panel.window, Qt.MouseButton.LeftButton, pos=QPoint(centre))


def test_paper_out_on_the_demo_panel_makes_the_next_ticket_a_screen_only_ticket(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    sim = parts.printer_sim
    adapter = SimulatorFaults(sim)  # what `kiosk demo` hands the panel
    faults: PrinterFaults = adapter
    panel = build_demo_panel(ui, faults, adapter.recent_tickets)
    qtbot.waitExposed(panel.window)

    ui.view_model.requestTicket("certificates")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=10_000)
    qtbot.waitUntil(lambda: "A-001" in str(panel_item(panel, "ticketLog").property("text")))
    ui.view_model.done()

    click(qtbot, panel, "paper_out")
    assert panel.view_model.property("paper") == "out"
    assert sim.status_byte(4) == 0x7E  # the simulator's paper sensor says "out"

    ui.view_model.requestTicket("certificates")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.PRINTER_PROBLEM, timeout=10_000)
    assert ui.view_model.property("problemKey") == "problem.paper_out"
    qtbot.waitUntil(lambda: "paper_out" in str(panel_item(panel, "demoHealth").property("text")))

    panel.grab(Path(__file__).resolve().parents[2] / "screenshots" / "demo-panel.png")
    click(qtbot, panel, "paper_ok")
    assert sim.status_byte(4) == 0x12
    assert sim.printed_count == 1


def test_cut_off_next_ticket_on_the_demo_panel_leaves_a_partial_ticket_and_rearms(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    sim = parts.printer_sim
    adapter = SimulatorFaults(sim)
    panel = build_demo_panel(ui, adapter, adapter.recent_tickets)
    qtbot.waitExposed(panel.window)

    click(qtbot, panel, "dropButton")
    assert panel.view_model.property("dropArmed") is True
    assert not panel_item(panel, "dropButton").isEnabled()

    ui.view_model.requestTicket("pension")
    qtbot.waitUntil(lambda: ui.view_model.current_screen is Screen.PRINTER_PROBLEM, timeout=10_000)
    outcome = ui.view_model.last_outcome
    assert outcome is not None and not outcome.printed
    qtbot.waitUntil(lambda: panel.view_model.property("dropArmed") is False, timeout=3000)
    assert "not cut" in str(panel_item(panel, "ticketLog").property("text"))


def test_the_camera_buttons_play_scenes_in_front_of_the_photo_booth(
    qtbot: QtBot, make_photo_ui: PhotoUiFactory, parts: KioskParts
) -> None:
    booth = make_photo_ui()
    sim = booth.camera_sim
    faults = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(booth.ui, faults, faults.recent_tickets, camera=_demo_camera(sim))
    qtbot.waitExposed(panel.window)
    booth.vm.open()

    click(qtbot, panel, "camera_seated")  # a child or a wheelchair user, no camera mount here
    qtbot.waitUntil(
        lambda: booth.vm.property("guidanceKey") == "photo.guide.move_up", timeout=10_000
    )
    click(qtbot, panel, "camera_unplug")
    assert sim.plugged is False
    qtbot.waitUntil(lambda: booth.vm.current_screen is PhotoScreen.UNAVAILABLE, timeout=10_000)
    click(qtbot, panel, "camera_plug")
    assert sim.plugged is True
    panel.close()


def test_the_meeting_button_scans_a_booked_meeting_and_the_panel_shows_hosts_told(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts, tmp_path: Path
) -> None:
    from kiosk.core.booking_tokens import read_booking_token
    from kiosk.core.jws import public_key_text
    from kiosk.core.trust import KeyPurpose, TrustedKey, TrustList
    from kiosk.demo import DEMO_HOST, _demo_scanner, _host_log
    from simulators.booking_system.book import BookingBook
    from simulators.central.notifications import HostNotification
    from simulators.demo_keys import demo_key

    class Line:
        """The scanner simulator's line, as far as the demo's buttons use it."""

        def __init__(self) -> None:
            self.scanned: list[str] = []

        def scan(self, text: str) -> None:
            self.scanned.append(text)

    line = Line()
    book = BookingBook(tmp_path / "bookings.jsonl")
    scan = _demo_scanner(line, parts.config, None, book)  # type: ignore[arg-type]
    notices: list[HostNotification] = []
    ui = make_ui()
    faults = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(
        ui, faults, faults.recent_tickets, scan=scan, server_log=_host_log(notices)
    )
    qtbot.waitExposed(panel.window)

    click(qtbot, panel, "scan_meeting")
    kid, key = demo_key(KeyPurpose.BOOKING)
    trust = TrustList({kid: TrustedKey(kid, public_key_text(key.public_key()))}, allow_demo=True)
    token = read_booking_token(line.scanned[-1], trust)
    assert token.meeting is not None and token.meeting.host == DEMO_HOST
    assert [e.booking_id for e in book.entries()] == [token.booking_id]

    notices.append(HostNotification(DEMO_HOST, "山田 花子", "k-1", token.booking_id, 0.0))
    panel.view_model.refreshTickets()
    assert f"山田 花子 ({DEMO_HOST}) {token.booking_id}" in panel_item(panel, "serverLog").property(
        "text"
    )
    panel.close()

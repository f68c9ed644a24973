"""Every text on the screen is plain text: markup from config, the server or a scan is shown as
the characters it is made of, and never makes the screen fetch anything (issue 10, item 1).

A QML ``Text`` or ``Label`` reads text that looks like HTML as rich text (``Text.AutoText``): a
service name ``<img src="http://...">`` from the server made the kiosk fetch that URL. The
screens use ``KioskLabel`` (a Label with ``textFormat: Text.PlainText``). These tests walk
every screen the screenshot test reaches and read ``textFormat`` off every text item, and show
a service name and office names holding markup while a real TCP listener waits for the fetch.

Every test here runs with markup in those names (the ``config`` fixture below).
"""

from __future__ import annotations

import inspect
import io
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QFontMetricsF, Qt
from PySide6.QtQml import QQmlComponent, QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem, QQuickWindow
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

import tests.ui.test_photo_staff_review_screenshots as photo_staff_review
import tests.ui.test_screenshots as screenshots
from kiosk.config import KioskConfig, LocalText, parse_config
from kiosk.i18n.catalog import load_catalogs
from kiosk.i18n.linebreak import plain
from kiosk.ui.demo_panel import build_demo_panel
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.window import KioskUi
from simulators.central.server import issue_booking_token
from simulators.printer.demo_faults import SimulatorFaults
from tests.ui.conftest import (
    CHECKIN_NOW,
    CheckInUiFactory,
    KioskParts,
    UiFactory,
    ui_config_data,
)
from tests.ui.full_kiosk_support import make_full_kiosk  # noqa: F401 - a fixture of a walk
from tests.ui.screen_support import find_item

SCREEN_TIMEOUT_MS = 10_000
PLAIN_TEXT = 0  # Text.PlainText and TextEdit.PlainText (AutoText is 2, RichText 1)
TEXT_CLASSES = ("QQuickText", "QQuickTextEdit")  # Label, Text, the labels inside controls; TextArea


# ---- a real TCP listener: the URL the markup points at ------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "#0B4F8A").save(out, "PNG")
    return out.getvalue()


class Listener:
    """A TCP listener on 127.0.0.1 that notes the request line of every connection.

    It answers each request with a small PNG, so a fetch succeeds and leaves no Qt warning.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._lock = threading.Lock()
        listener = self
        png = _png()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                with listener._lock:
                    listener.requests.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n"
                    + f"Content-Length: {len(png)}\r\n\r\n".encode()
                    + png
                )

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def seen(self) -> list[str]:
        """The request lines so far (``GET /x.png HTTP/1.1``), one per connection."""
        with self._lock:
            return list(self.requests)

    def start(self) -> Listener:
        """Serve on a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def image_listener() -> Iterator[Listener]:
    """The listener the names' ``<img src>`` points at: it must never be reached."""
    listener = Listener().start()
    yield listener
    listener.stop()


@pytest.fixture
def control_listener() -> Iterator[Listener]:
    """A second listener, fetched on purpose by a rich-text item the test adds (the control)."""
    listener = Listener().start()
    yield listener
    listener.stop()


def hostile(name: str, port: int) -> str:
    """``name`` with bold markup and an image pointing at the listener."""
    return f'<b>bold</b> {name} <img src="http://127.0.0.1:{port}/x.png">'


@pytest.fixture
def config(tmp_path: Path, image_listener: Listener) -> KioskConfig:
    """The screen-test config with markup in the office name and the first service's name."""
    data: dict[str, Any] = ui_config_data(tmp_path / "state")
    port = image_listener.port
    office = data["kiosk"]["office_name"]
    data["kiosk"]["office_name"] = {lang: hostile(text, port) for lang, text in office.items()}
    service = data["services"][0]
    service["name"] = {lang: hostile(text, port) for lang, text in service["name"].items()}
    return parse_config(data, source="tests/ui/test_plain_text.py")


# ---- reading text items off the window ------------------------------------------------------


def _classes(item: QQuickItem) -> list[str]:
    names = []
    meta = item.metaObject()
    while meta is not None:
        names.append(meta.className())
        meta = meta.superClass()
    return names


def text_items(root: QQuickItem) -> list[QQuickItem]:
    """Every text item under ``root``, visible or not (the visual tree, delegates included)."""
    found = [root] if any(c in TEXT_CLASSES for c in _classes(root)) else []
    for child in root.childItems():
        found.extend(text_items(child))
    return found


def text_format(engine: QQmlEngine, item: QQuickItem) -> int:
    """The item's ``textFormat`` as a number.

    NOTE: ``item.property("textFormat")`` raises in PySide6 (no converter for
    ``QQuickText::TextFormat``); a QML expression with the item as its scope reads it.
    """
    expression = QQmlExpression(engine.rootContext(), item, "textFormat")
    try:
        value, undefined = expression.evaluate()
        assert not undefined and not expression.hasError(), expression.error().toString()
        return int(value)
    finally:
        Shiboken.delete(expression)


def named_as(item: QQuickItem) -> str:
    """The ``objectName`` of the item, or of the nearest ancestor that has one."""
    named: QQuickItem | None = item
    while named is not None and not named.objectName():
        named = named.parentItem()
    return named.objectName() if named is not None else "?"


def describe(item: QQuickItem) -> str:
    """``QQuickMnemonicLabel in 'doneButton': '完了'``: the class, the nearest name, the text."""
    return f"{_classes(item)[0]} in {named_as(item)!r}: {str(item.property('text'))[:40]!r}"


def markup_readers(engine: QQmlEngine, window: QQuickWindow) -> list[str]:
    """The window's text items that are not plain text, described."""
    return [
        describe(item)
        for item in text_items(window.contentItem())
        if text_format(engine, item) != PLAIN_TEXT
    ]


def screen_file(ui: KioskUi) -> str:
    """The QML file the screen loader shows (``HomeScreen.qml``)."""
    return QUrl(find_item(ui, "screenLoader").property("source")).fileName()


# ---- every screen of the screenshot walk ----------------------------------------------------

# NOTE: the screenshot test is the walk through every screen; these tests run it again with
# its `_shot` replaced by the check, so a screen added there is checked here too. Each walk
# must reach exactly these screens, and together they must be every screen Main.qml knows.
JOURNEYS: dict[str, tuple[Callable[..., None], frozenset[str]]] = {
    "tickets": (
        screenshots.test_every_screen_is_captured_in_each_language,
        frozenset(
            {
                "HomeScreen.qml",
                "PrintingScreen.qml",
                "TakeTicketScreen.qml",
                "PrinterProblemScreen.qml",
                "OutOfServiceScreen.qml",
            }
        ),
    ),
    "check-in": (
        screenshots.test_every_check_in_screen_is_captured_in_each_language,
        frozenset(
            {
                "HomeScreen.qml",
                "CheckInKeypadScreen.qml",
                "CheckInAcceptedScreen.qml",
                "CheckInRejectedScreen.qml",
                "CheckInUnreadableScreen.qml",
            }
        ),
    ),
    "photo": (
        screenshots.test_every_photo_screen_is_captured_in_each_language,
        frozenset(
            {
                "HomeScreen.qml",
                "PhotoPreviewScreen.qml",
                "PhotoCheckingScreen.qml",
                "PhotoResultScreen.qml",
                "PhotoReceiptScreen.qml",
                "PhotoUnavailableScreen.qml",
            }
        ),
    ),
    "photo staff review": (
        photo_staff_review.test_the_staff_review_screens_are_captured_in_each_language,
        frozenset({"PhotoResultScreen.qml", "PhotoStaffScreen.qml", "PhotoReviewScreen.qml"}),
    ),
    "hand-over": (
        screenshots.test_every_handover_screen_is_captured_in_each_language,
        frozenset(
            {
                "HomeScreen.qml",
                "HandoverStaffScreen.qml",
                "HandoverCasesScreen.qml",
                "HandoverDoorScreen.qml",
                "HandoverResultScreen.qml",
                "HandoverScanScreen.qml",
                "HandoverPinScreen.qml",
                "HandoverReviewScreen.qml",
            }
        ),
    ),
    "diagnostics": (
        screenshots.test_the_diagnostics_screens_are_captured_in_each_language,
        frozenset({"DiagnosticsSignInScreen.qml", "DiagnosticsScreen.qml"}),
    ),
    "degraded modes": (
        screenshots.test_the_degraded_modes_are_captured_in_each_language,
        frozenset({"HomeScreen.qml", "CheckInKeypadScreen.qml", "OutOfServiceScreen.qml"}),
    ),
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_text_item_on_every_screen_of_the_screenshot_walk_is_plain_text(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, journey: str, language: str
) -> None:
    walk, expected_screens = JOURNEYS[journey]
    checked: set[str] = set()
    readers: list[str] = []
    counted: list[int] = []

    def check(ui: KioskUi, _splits: object, name: str) -> None:
        # NOTE: the walk runs in Japanese and shoots each screen in every language; this
        # check looks at each screen in the test's language, then goes back.
        journey_language = ui.view_model.current_language
        ui.view_model.setLanguage(language)
        checked.add(screen_file(ui))
        counted.append(len(text_items(ui.window.contentItem())))
        readers.extend(f"{language}-{name}: {d}" for d in markup_readers(ui.engine, ui.window))
        ui.view_model.setLanguage(journey_language)

    monkeypatch.setattr(screenshots, "_shot", check)
    fixtures = {
        name: request.getfixturevalue(name)
        for name in inspect.signature(walk).parameters
        if name != "splits"
    }
    walk(**fixtures, splits=[])

    assert readers == []
    assert checked == expected_screens
    assert min(counted) > 0  # the walk did see text items on every screen


def test_the_screenshot_walks_together_reach_every_screen_main_qml_can_show(
    make_ui: UiFactory,
) -> None:
    ui = make_ui()
    expression = QQmlExpression(
        ui.engine.rootContext(), ui.window, "Object.values(screenFiles).join(',')"
    )
    value, _ = expression.evaluate()
    every_screen = set(str(value).split(","))
    reached = set().union(*(screens for _, screens in JOURNEYS.values()))

    assert reached == every_screen


def test_no_catalogue_text_is_markup_so_no_screen_needs_rich_text() -> None:
    catalogs = load_catalogs(("ja", "en"))
    marked = [
        f"{language}: {key}"
        for language, catalog in catalogs.items()
        for key, text in catalog.messages.items()
        if Qt.mightBeRichText(text)
    ]

    assert len(catalogs["ja"].messages) > 100
    assert marked == []


# ---- markup in a service name and the office names ------------------------------------------

_CONTROL_QML = b"""
import QtQuick
Text {
    property string url
    width: 8
    height: 8
    textFormat: Text.RichText
    text: '<img src="' + url + '" width="4" height="4">'
}
"""


def settle(qtbot: QtBot, ui: KioskUi, control: Listener, name: str) -> None:
    """Wait until the screen has fetched an image put up after it: a control item in rich text.

    NOTE: the screen's own image requests (if any) were made when its text was laid out,
    before the control existed, on the same engine and network thread; once the control's
    request has reached its listener, a request for the names' image would have reached ours.
    """
    component = QQmlComponent(ui.engine)
    component.setData(QByteArray(_CONTROL_QML), QUrl())
    url = f"http://127.0.0.1:{control.port}/{name}.png"
    item = component.createWithInitialProperties({"url": url})
    assert isinstance(item, QQuickItem), component.errorString()
    item.setParentItem(ui.window.contentItem())
    try:
        qtbot.waitUntil(
            lambda: f"GET /{name}.png HTTP/1.1" in control.seen(), timeout=SCREEN_TIMEOUT_MS
        )
    finally:
        # NOTE: the component first: PySide links the item to it, and deleting the component
        # after the item touched the freed item (a segmentation fault, as in kiosk/ui/window.py).
        Shiboken.delete(component)
        Shiboken.delete(item)


def shown_with_markup(ui: KioskUi) -> dict[str, str]:
    """The window's text items whose text holds ``<img``, by name: how each one shows it.

    ``literal`` when the item is plain text and as wide as the characters of its text in its
    font (rich text would show "bold" and an image: far narrower); ``markup`` otherwise.
    """
    shown: dict[str, str] = {}
    for item in text_items(ui.window.contentItem()):
        text = plain(str(item.property("text")))  # without the word joiners of line breaking
        if "<img" not in text or not item.isVisible():
            continue
        padding = float(item.property("leftPadding")) + float(item.property("rightPadding"))
        width = item.implicitWidth() - padding
        advance = QFontMetricsF(item.property("font")).horizontalAdvance(text)
        is_plain = text_format(ui.engine, item) == PLAIN_TEXT
        literal = is_plain and abs(width - advance) < 1.0
        shown[named_as(item)] = "literal" if literal else "markup"
    return shown


@pytest.mark.parametrize("language", ["ja", "en"])
def test_markup_in_the_office_and_a_service_name_shows_as_characters_and_fetches_nothing(
    qtbot: QtBot,
    make_ui: UiFactory,
    parts: KioskParts,
    image_listener: Listener,
    control_listener: Listener,
    language: str,
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.setLanguage(language)
    plain_office = ui_config_data(Path("state"))["kiosk"]["office_name"][language]

    home = shown_with_markup(ui)
    office_shown = find_item(ui, "officeName").property("text")
    settle(qtbot, ui, control_listener, "home")
    vm.requestTicket("certificates")
    assert vm.current_screen is Screen.PRINTING
    printing = shown_with_markup(ui)
    settle(qtbot, ui, control_listener, "printing")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS)
    take = shown_with_markup(ui)
    settle(qtbot, ui, control_listener, "take")
    vm.done()
    vm.setLanguage(language)
    parts.printer_sim.set_paper("out")
    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.PRINTER_PROBLEM, timeout=SCREEN_TIMEOUT_MS)
    problem = shown_with_markup(ui)
    settle(qtbot, ui, control_listener, "problem")
    vm.done()

    assert home == {"officeName": "literal", "service_certificates": "literal"}
    assert printing == {"officeName": "literal", "printingScreen": "literal"}
    assert take == {"officeName": "literal", "ticketService": "literal"}
    assert problem == {"officeName": "literal", "ticketService": "literal"}
    assert office_shown == hostile(plain_office, image_listener.port)
    assert control_listener.seen() == [
        f"GET /{name}.png HTTP/1.1" for name in ("home", "printing", "take", "problem")
    ]
    assert image_listener.seen() == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_markup_in_names_on_the_check_in_screens_shows_as_characters_and_fetches_nothing(
    qtbot: QtBot,
    make_checkin_ui: CheckInUiFactory,
    image_listener: Listener,
    control_listener: Listener,
    language: str,
) -> None:
    branch = {
        lang: hostile(name, image_listener.port)
        for lang, name in (("ja", "四街道支所"), ("en", "Shisui branch"))
    }
    screen = make_checkin_ui(office_names={"shisui": LocalText(branch)})
    ui, vm = screen.ui, screen.vm
    ui.view_model.setLanguage(language)

    shown: dict[str, dict[str, str]] = {}
    for name, office, service in (
        ("accepted", "chuo", "certificates"),
        ("wrong_office", "shisui", "certificates"),
    ):
        token = issue_booking_token(
            office, service, CHECKIN_NOW + timedelta(minutes=10), booking_id=f"bk-{name}"
        )
        with qtbot.waitSignal(vm.checkinFinished, timeout=SCREEN_TIMEOUT_MS):
            screenshots._from_thread(vm.submit_scan, token)
        qtbot.waitUntil(lambda: not vm.property("busy"))
        assert vm.property("resultCode") == name
        shown[name] = shown_with_markup(ui)
        settle(qtbot, ui, control_listener, name)
    vm.done()

    assert shown == {
        "accepted": {"officeName": "literal", "checkinBody": "literal"},
        "wrong_office": {"officeName": "literal", "checkinTitle": "literal"},
    }
    assert image_listener.seen() == []


# ---- the QML sources and the demo panel -----------------------------------------------------

QML_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "ui" / "qml"


def test_every_label_in_the_qml_sources_is_a_kiosk_label() -> None:
    bare = re.compile(r"(?<![\w.])(Label|Text)\s*\{")
    uses = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(QML_DIR.glob("*.qml"))
        if path.name != "KioskLabel.qml"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line.split("//", 1)[0])
    ]
    kiosk_label = (QML_DIR / "KioskLabel.qml").read_text(encoding="utf-8")

    assert uses == []
    assert "textFormat: Text.PlainText" in kiosk_label


# The labels Qt's own controls make inside a Button, a Switch and a TextArea (its placeholder):
# they cannot be made plain from QML, so the demo panel may use them for its own catalogue texts.
CONTROL_LABELS = ("QQuickMnemonicLabel", "QQuickCheckLabel", "QQuickPlaceholderText")


def read_demo_panel(
    qtbot: QtBot, ui: KioskUi, parts: KioskParts, control: Listener
) -> tuple[list[str], int]:
    """Open the demo panel, take a ticket; the panel's markup readers and its ticket log's format.

    NOTE: a helper, so no wrapper of a panel item outlives it: kept in a failed test's
    traceback past the engine's end, they crashed the process at exit.
    """
    adapter = SimulatorFaults(parts.printer_sim)
    panel = build_demo_panel(ui, adapter, adapter.recent_tickets)
    qtbot.waitExposed(panel.window)
    own_texts = {
        "",
        *(t for c in load_catalogs(("ja", "en")).values() for t in c.messages.values()),
    }

    ui.view_model.requestTicket("certificates")
    qtbot.waitUntil(
        lambda: ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=SCREEN_TIMEOUT_MS
    )
    log_item = next(
        i for i in text_items(panel.window.contentItem()) if i.objectName() == "ticketLog"
    )
    qtbot.waitUntil(lambda: "<img" in str(log_item.property("text")), timeout=SCREEN_TIMEOUT_MS)
    settle(qtbot, ui, control, "panel")
    readers = [
        describe(item)
        for item in text_items(panel.window.contentItem())
        if text_format(ui.engine, item) != PLAIN_TEXT
        and not (
            _classes(item)[0] in CONTROL_LABELS and plain(str(item.property("text"))) in own_texts
        )
    ]
    log_format = text_format(ui.engine, log_item)
    # NOTE: the JS heap keeps something of each expression read off the panel's items; left to
    # the engine's end, after KioskUi.close() deleted the panel window, it crashed the process.
    ui.engine.collectGarbage()
    panel.close()
    return readers, log_format


def test_the_demo_panel_shows_a_printed_service_name_with_markup_as_characters(
    qtbot: QtBot,
    make_ui: UiFactory,
    parts: KioskParts,
    image_listener: Listener,
    control_listener: Listener,
) -> None:
    readers, log_format = read_demo_panel(qtbot, make_ui(), parts, control_listener)

    assert readers == []
    assert log_format == PLAIN_TEXT
    assert image_listener.seen() == []

"""Large text and high contrast (issue 13): every citizen screen at 200 % text with nothing
clipped, and screenshots of each in both modes into ``screenshots/large-text`` and
``screenshots/high-contrast`` (git-ignored).

The screenshot test's walks through every screen run again with its ``_shot`` replaced: at each
screen the modes are switched on, the window rendered, every label's text compared with its
box (:mod:`tests.ui.fit_check`), every wrapped line checked to start between words or phrases
(:mod:`tests.ui.line_breaks`), every label's drawn size compared with its size at 100 % (a
label may shrink to fit its longest phrase, never below that), and the modes switched off
again so the walk goes on as it was written. Staff and technicians' screens keep the ordinary
size (the toolbar is not shown there): they are checked to stay at 100 %.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem
from pytestqt.qtbot import QtBot

import tests.ui.test_screenshots as screenshots
from kiosk.i18n.linebreak import plain
from kiosk.ui.accessibility_view_model import AccessibilityViewModel
from kiosk.ui.window import KioskUi
from tests.ui.conftest import UiFactory
from tests.ui.fit_check import misfits
from tests.ui.line_breaks import split_words
from tests.ui.screen_support import find_item, tap
from tests.ui.test_plain_text import JOURNEYS, screen_file

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
STAFF_SCREENS = frozenset(
    {
        "HandoverStaffScreen.qml",
        "HandoverCasesScreen.qml",
        "HandoverReviewScreen.qml",
        "PhotoStaffScreen.qml",
        "PhotoReviewScreen.qml",
        "DiagnosticsSignInScreen.qml",
        "DiagnosticsScreen.qml",
    }
)


def _modes(ui: KioskUi) -> AccessibilityViewModel:
    assert ui.accessibility is not None
    return ui.accessibility


def _set(ui: KioskUi, *, large: bool, contrast: bool) -> None:
    a11y = _modes(ui)
    if a11y.large_text != large:
        a11y.toggleLargeText()
    if a11y.high_contrast != contrast:
        a11y.toggleHighContrast()
    QCoreApplication.processEvents()


def _shown_sizes(ui: KioskUi) -> dict[int, tuple[str, float]]:
    """Each shown label's text and the pixel size it is drawn at (after any shrink to fit),
    by the label's address: the same labels are compared across the two modes."""
    sizes: dict[int, tuple[str, float]] = {}

    def walk(item: QQuickItem) -> None:
        if not item.isVisible() or item.opacity() == 0:
            return
        if item.metaObject().indexOfProperty("fontSizeMode") >= 0 and item.property("text"):
            context = QQmlEngine.contextForObject(item) or ui.engine.rootContext()
            value = QQmlExpression(context, item, "fontInfo.pixelSize").evaluate()
            size = float(value[0] if isinstance(value, tuple) else value)
            sizes[shiboken6.getCppPointer(item)[0]] = (plain(str(item.property("text"))), size)
        for child in item.childItems():
            walk(child)

    walk(ui.window.contentItem())
    return sizes


def _theme(ui: KioskUi, name: str) -> object:
    return find_item(ui, "a11yToolbar").property(name)


@pytest.fixture
def splits() -> list[object]:
    """The screenshot walks collect words split across lines here; that check is
    test_screenshots' own, not this one's."""
    return []


def _is_fixture(obj: object) -> bool:
    return type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(
        obj, "_pytestfixturefunction"
    )


# NOTE: each walk asks for the fixtures of its own module (its config, make_full_kiosk…):
# they are made this module's too (``splits`` above stays this module's own).
for _walk, _ in JOURNEYS.values():
    for _name, _obj in vars(sys.modules[_walk.__module__]).items():
        if _is_fixture(_obj):
            globals().setdefault(_name, _obj)


LANGUAGES = ("ja", "en")


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_screen_fits_at_200_percent_text_and_is_captured_in_both_modes(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, journey: str
) -> None:
    walk, expected_screens = JOURNEYS[journey]
    checked: set[str] = set()
    clipped: list[str] = []
    split: list[str] = []
    smaller: list[str] = []

    def check(ui: KioskUi, *args: object) -> Path:
        # NOTE: the walks call _shot(ui, language, name) or _shot(ui, splits, name); each shot
        # is checked in both languages (one walk, not one per language: CI time).
        name = str(args[-1])
        screen = screen_file(ui)
        checked.add(screen)
        walking_in = ui.view_model.current_language
        for language in LANGUAGES:
            ui.view_model.setLanguage(language)
            normal = _shown_sizes(ui)
            _set(ui, large=True, contrast=False)
            ui.grab(SCREENSHOTS / "large-text" / f"{language}-{name}.png")  # renders: settles
            if screen not in STAFF_SCREENS:
                bounds = find_item(ui, "screenLoader")
                clipped.extend(f"{language}-{name}: {m}" for m in misfits(ui.window, bounds))
                split.extend(f"{language}-{name}: {s}" for s in split_words(ui, language))
                smaller.extend(
                    f"{language}-{name}: {text!r} {size:.0f} px, {normal[key][1]:.0f} at 100 %"
                    for key, (text, size) in _shown_sizes(ui).items()
                    if key in normal and size < normal[key][1]
                )
            _set(ui, large=True, contrast=True)
            ui.grab(SCREENSHOTS / "high-contrast" / f"{language}-{name}.png")
            _set(ui, large=False, contrast=False)
        ui.view_model.setLanguage(walking_in)
        return Path(name)

    monkeypatch.setattr(screenshots, "_shot", check)
    fixtures = {
        name: request.getfixturevalue(name)
        for name in inspect.signature(walk).parameters
        if name != "language"
    }
    if "language" in inspect.signature(walk).parameters:
        fixtures["language"] = "ja"
    walk(**fixtures)

    assert clipped == [], "\n".join(clipped)
    assert split == [], "words split across lines at 200 % text:\n" + "\n".join(split)
    assert smaller == [], "text smaller at 200 % than at 100 %:\n" + "\n".join(smaller)
    assert checked == expected_screens


def test_large_text_doubles_every_text_size_and_one_more_tap_restores_it(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui()
    title = find_item(ui, "homeTitle")
    assert title.property("font").pixelSize() == 46

    tap(qtbot, ui, "a11yLargeText")
    qtbot.waitUntil(lambda: title.property("font").pixelSize() == 92)
    assert _modes(ui).large_text is True

    tap(qtbot, ui, "a11yLargeText")
    qtbot.waitUntil(lambda: title.property("font").pixelSize() == 46)


def test_high_contrast_shows_white_on_black_with_a_yellow_accent(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui()
    title = find_item(ui, "homeTitle")

    tap(qtbot, ui, "a11yHighContrast")

    qtbot.waitUntil(lambda: _modes(ui).high_contrast)
    assert title.property("color").name() == "#ffffff"
    assert ui.window.property("color").name() == "#000000"
    assert find_item(ui, "a11yHighContrast").property("primary") is True


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


THEME_QML = Path(__file__).resolve().parents[2] / "kiosk" / "ui" / "qml" / "Theme.qml"


def _palette(contrast: bool) -> dict[str, str]:
    import re

    palette = {}
    for name, high, normal in re.findall(
        r"property color (\w+): highContrast \? \"(#\w{6})\" : \"(#\w{6})\"", THEME_QML.read_text()
    ):
        palette[name] = high if contrast else normal
    return palette


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("text", "background"),
        ("text", "surface"),
        ("textMuted", "background"),
        ("textOnPrimary", "primary"),
        ("primary", "surface"),
        ("text", "warningBackground"),
        ("text", "problemBackground"),
        ("text", "successBackground"),
        ("text", "infoBackground"),
        ("text", "statusBackground"),
    ],
)
def test_every_text_colour_on_its_background_reaches_7_to_1_in_high_contrast(
    text: str, background: str
) -> None:
    palette = _palette(contrast=True)

    assert _contrast(palette[text], palette[background]) >= 7.0

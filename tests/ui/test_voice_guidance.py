"""Voice guidance (issue 13): each screen and result spoken in the language shown, when on."""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import tests.ui.test_screenshots as screenshots
from kiosk.core.voice import spoken_ticket_number
from kiosk.devices.speech.recording import RecordingSpeaker
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.window import KioskUi
from tests.ui.a11y_support import VoiceUi, voice_ui_fixture  # noqa: F401 - a fixture
from tests.ui.conftest import CheckInUiFactory
from tests.ui.screen_support import find_item, tap
from tests.ui.test_accessibility_modes import splits  # noqa: F401 - a fixture
from tests.ui.test_checkin_screens import booking, scan_from_thread
from tests.ui.test_plain_text import JOURNEYS, screen_file

# NOTE: each walk asks for the fixtures of its own module (see test_accessibility_modes).
for _walk, _ in JOURNEYS.values():
    for _name, _obj in vars(sys.modules[_walk.__module__]).items():
        if type(_obj).__name__ == "FixtureFunctionDefinition":
            globals().setdefault(_name, _obj)

TIMEOUT_MS = 10_000
HOME_JA = ("ja", "ご用件を選んでください。")


def test_the_voice_says_nothing_until_its_button_is_tapped_then_says_the_home_screen(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    assert find_item(v.ui, "a11yVoice").isVisible()
    assert v.said() == []

    tap(qtbot, v.ui, "a11yVoice")

    qtbot.waitUntil(lambda: v.said() == [HOME_JA], timeout=TIMEOUT_MS)
    assert v.a11y.voice_on is True
    assert find_item(v.ui, "a11yVoice").property("primary") is True


def test_a_ticket_is_spoken_screen_by_screen_with_its_number(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    tap(qtbot, v.ui, "a11yVoice")
    qtbot.waitUntil(lambda: len(v.said()) == 1, timeout=TIMEOUT_MS)

    v.ui.view_model.requestTicket("certificates")
    qtbot.waitUntil(
        lambda: v.ui.view_model.current_screen is Screen.TAKE_TICKET, timeout=TIMEOUT_MS
    )
    qtbot.waitUntil(lambda: len(v.said()) == 3, timeout=TIMEOUT_MS)

    outcome = v.ui.view_model.last_outcome
    assert outcome is not None
    number = spoken_ticket_number(outcome.ticket.number)
    assert number == "A 1"
    assert v.said() == [
        HOME_JA,
        ("ja", "整理券を発券しています。住民票・証明書。しばらくお待ちください。"),
        ("ja", "整理券をお取りください。あなたの番号は A 1 番です。住民票・証明書。"),
    ]


def test_switching_the_language_says_the_screen_again_in_the_new_language(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    tap(qtbot, v.ui, "a11yVoice")
    qtbot.waitUntil(lambda: len(v.said()) == 1, timeout=TIMEOUT_MS)

    v.ui.view_model.setLanguage("en")

    qtbot.waitUntil(lambda: len(v.said()) == 2, timeout=TIMEOUT_MS)
    assert v.said()[1] == ("en", "Please choose what you need.")


def test_the_voice_goes_off_with_a_second_tap_and_stops_speaking(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    tap(qtbot, v.ui, "a11yVoice")
    qtbot.waitUntil(lambda: len(v.said()) == 1, timeout=TIMEOUT_MS)
    stops = v.speaker.stops

    tap(qtbot, v.ui, "a11yVoice")

    qtbot.waitUntil(lambda: v.a11y.voice_on is False, timeout=TIMEOUT_MS)
    assert v.speaker.stops == stops + 1
    v.ui.view_model.setLanguage("en")
    qtbot.wait(50)  # nothing may come: the language change is queued, let it run
    assert v.said() == [HOME_JA]


def test_the_call_staff_button_turns_the_voice_on_and_says_staff_are_coming(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()

    v.a11y.call_staff_pressed()

    qtbot.waitUntil(lambda: v.a11y.voice_on, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: len(v.said()) == 1, timeout=TIMEOUT_MS)
    assert v.said() == [
        ("ja", "職員を呼びました。このままお待ちください。ご用件を選んでください。")
    ]


def test_the_session_end_turns_voice_large_text_and_high_contrast_off(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    for name in ("a11yVoice", "a11yLargeText", "a11yHighContrast"):
        tap(qtbot, v.ui, name)
    qtbot.waitUntil(lambda: v.a11y.high_contrast, timeout=TIMEOUT_MS)
    assert (v.a11y.voice_on, v.a11y.large_text, v.a11y.high_contrast) == (True, True, True)

    assert v.ui.view_model.idle.expire() is True

    assert (v.a11y.voice_on, v.a11y.large_text, v.a11y.high_contrast) == (False, False, False)
    assert find_item(v.ui, "a11yLargeText").property("primary") is False


# ---- every screen of the screenshot walks --------------------------------------------------

SILENT_SCREENS = frozenset(
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
"""Staff and technicians' screens: voice guidance is for citizens."""


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_citizen_screen_of_the_walks_has_its_words_in_the_language_shown(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, journey: str
) -> None:
    walk, _ = JOURNEYS[journey]
    said: dict[str, str] = {}
    wrong: list[str] = []

    def check(ui: KioskUi, *args: object) -> Path:
        name = str(args[-1])
        assert ui.accessibility is not None
        file = screen_file(ui)
        walking_in = ui.view_model.current_language
        for language in ("ja", "en"):
            ui.view_model.setLanguage(language)
            screen, spoken_in, text = ui.accessibility.utterance()
            said[f"{language}-{name}"] = text
            if file in SILENT_SCREENS:
                if text:
                    wrong.append(f"{name}: a staff screen says {text!r}")
            elif not text or spoken_in != language:
                wrong.append(f"{name} ({screen}): says {text!r} in {spoken_in}")
            elif re.search(r"%\d|\b[a-z_]+\.[a-z_.]+\b", text):  # a placeholder or message id
                wrong.append(f"{language}-{name}: {text!r}")
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

    assert wrong == []
    assert said  # the walk reached its screens


def test_a_second_result_on_the_same_screen_is_spoken_too(
    qtbot: QtBot, make_checkin_ui: CheckInUiFactory
) -> None:
    screen = make_checkin_ui()
    assert screen.ui.accessibility is not None
    speaker = RecordingSpeaker()
    screen.ui.accessibility.set_speaker(speaker)
    screen.ui.accessibility.toggleVoice()
    scan_from_thread(screen, booking(120))  # too early: the refusal screen
    qtbot.waitUntil(lambda: len(speaker.requests) == 2, timeout=TIMEOUT_MS)

    scan_from_thread(screen, booking(office="shisui", booking_id="bk-ui-2"))  # the same screen

    qtbot.waitUntil(lambda: len(speaker.requests) == 3, timeout=TIMEOUT_MS)
    assert [r.text for r in speaker.requests[1:]] == [
        "まだ受付時間ではありません。受付は 11:30 からです。その頃にもう一度かざしてください。",
        "この予約は 四街道支所 のご予約です。"
        "ご予約の庁舎へお越しください。わからない場合は窓口でお尋ねください。",
    ]

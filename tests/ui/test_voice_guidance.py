"""Voice guidance (issue 13): each screen and result spoken in the language shown, when on."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from kiosk.core.voice import spoken_ticket_number
from kiosk.ui.kiosk_view_model import Screen
from tests.ui.a11y_support import VoiceUi, voice_ui_fixture  # noqa: F401 - a fixture
from tests.ui.screen_support import find_item, tap

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

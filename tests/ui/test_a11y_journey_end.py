"""The accessibility modes end with a person's ticket journey, as the language does."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from kiosk.ui.kiosk_view_model import Screen
from tests.ui.a11y_support import VoiceUi, voice_ui_fixture  # noqa: F401 - a fixture
from tests.ui.screen_support import tap

TIMEOUT_MS = 10_000


def test_done_on_the_ticket_screen_turns_the_modes_off_for_the_next_person(
    qtbot: QtBot, voice_ui: Callable[[], VoiceUi]
) -> None:
    v = voice_ui()
    vm = v.ui.view_model
    for name in ("a11yVoice", "a11yLargeText", "a11yHighContrast"):
        tap(qtbot, v.ui, name)
    qtbot.waitUntil(lambda: v.a11y.high_contrast, timeout=TIMEOUT_MS)
    vm.setLanguage("en")
    vm.requestTicket("pension")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=TIMEOUT_MS)
    # The modes hold through the person's own journey...
    assert (v.a11y.voice_on, v.a11y.large_text, v.a11y.high_contrast) == (True, True, True)

    vm.done()

    # ... and end with it, like the language: the next person starts plain, in Japanese.
    assert vm.current_screen is Screen.HOME
    assert vm.current_language == "ja"
    assert (v.a11y.voice_on, v.a11y.large_text, v.a11y.high_contrast) == (False, False, False)

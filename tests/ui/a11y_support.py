"""The kiosk screen with a recording speech engine (voice guidance and the modes' tests)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.devices.speech.recording import RecordingSpeaker
from kiosk.ui.accessibility_view_model import AccessibilityViewModel
from kiosk.ui.window import KioskUi, build_ui
from tests.ui.conftest import KioskParts


@dataclass
class VoiceUi:
    """The screen, its accessibility view-model and what it asked the engine to say."""

    ui: KioskUi
    a11y: AccessibilityViewModel
    speaker: RecordingSpeaker

    def said(self) -> list[tuple[str, str]]:
        """Every utterance so far as (language, text)."""
        return [(r.language, r.text) for r in self.speaker.requests]


@pytest.fixture(name="voice_ui")
def voice_ui_fixture(
    qapp: QGuiApplication, qtbot: QtBot, parts: KioskParts
) -> Iterator[Callable[[], VoiceUi]]:
    """Builds the kiosk screen on the real parts with a ``RecordingSpeaker``."""
    built: list[KioskUi] = []

    def factory() -> VoiceUi:
        speaker = RecordingSpeaker()
        ui = build_ui(
            qapp,
            parts.config,
            parts.tickets,
            parts.waiting,
            parts.health,
            parts.catalogs,
            show=True,
            speaker=speaker,
        )
        built.append(ui)
        qtbot.waitExposed(ui.window)
        assert ui.accessibility is not None
        return VoiceUi(ui, ui.accessibility, speaker)

    yield factory
    for ui in built:
        assert ui.view_model.wait_idle(10)
        ui.close()
    built.clear()
    gc.collect()

"""The photo booth's live guidance spoken (issue 13): each new hint, at most every 2 s, and the
3-2-1 before the shutter; nothing while the voice is off."""

from __future__ import annotations

# ruff: noqa: N815 - Qt names are camelCase
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Property, QObject, Signal
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kiosk.devices.speech.recording import RecordingSpeaker
from kiosk.i18n.catalog import load_catalogs
from kiosk.ui.accessibility_view_model import AccessibilityViewModel

CATALOGS = load_catalogs(("ja", "en"))


class StubPhoto(QObject):
    """The photo view-model's properties the voice reads."""

    guidanceChanged = Signal()
    countdownChanged = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.key = ""
        self.count = 0

    def hint(self, key: str) -> None:
        self.key = key
        self.guidanceChanged.emit()

    def count_down(self, value: int) -> None:
        self.count = value
        self.countdownChanged.emit()

    guidanceKey = Property(str, lambda self: self.key, notify=guidanceChanged)
    countdown = Property(int, lambda self: self.count, notify=countdownChanged)
    screen = Property(str, lambda self: "photo_preview", constant=True)


class StubKiosk(QObject):
    languageChanged = Signal()
    language = Property(str, lambda self: "ja", notify=languageChanged)


Voiced = tuple[AccessibilityViewModel, StubPhoto, RecordingSpeaker]


@pytest.fixture
def voiced(
    qapp: QGuiApplication,
) -> Iterator[tuple[AccessibilityViewModel, StubPhoto, RecordingSpeaker]]:
    speaker = RecordingSpeaker()
    photo = StubPhoto()
    kiosk = StubKiosk()
    a11y = AccessibilityViewModel(speaker, CATALOGS, {"kioskModel": kiosk, "photoModel": photo})
    yield a11y, photo, speaker
    a11y.deleteLater()


def said(speaker: RecordingSpeaker) -> list[str]:
    return [r.text for r in speaker.requests]


def test_a_new_hint_is_said_at_once_and_the_latest_after_the_gap(
    qtbot: QtBot, voiced: Voiced
) -> None:
    a11y, photo, speaker = voiced
    a11y.toggleVoice()
    speaker.clear()

    photo.hint("photo.guide.move_closer")
    photo.hint("photo.guide.move_left")  # within the gap: waits
    photo.hint("photo.guide.hold_still")  # the latest is the one said

    assert said(speaker) == ["もう少し近づいてください。"]
    qtbot.waitUntil(lambda: len(speaker.requests) == 2, timeout=5000)
    assert said(speaker)[1] == "そのまま動かずに、カメラを見てください。"


def test_the_countdown_says_the_sentence_then_the_numbers(
    voiced: Voiced,
) -> None:
    a11y, photo, speaker = voiced
    a11y.toggleVoice()
    speaker.clear()

    for value in (3, 2, 1, 0):
        photo.count_down(value)

    assert said(speaker) == ["3 秒後に撮影します", "2", "1"]


def test_with_the_voice_off_the_booth_says_nothing(
    voiced: Voiced,
) -> None:
    _, photo, speaker = voiced

    photo.hint("photo.guide.move_closer")
    photo.count_down(3)

    assert speaker.requests == []

"""Voice guidance, large text and high contrast: one tap each, kept until the session ends.

``a11yModel`` in QML. The toolbar (``A11yToolbar.qml``, in the header of every screen) toggles
the three; ``Theme.qml`` reads ``largeText`` and ``highContrast``. When the voice is on, each
screen is spoken as it appears (and again when the language changes), in the language shown,
with the texts of :mod:`kiosk.core.voice`. ``reset`` turns all three off: the kiosk calls it
when a session ends (the idle return or a finished journey), so the next person starts from
the ordinary screen.
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import PurePosixPath

from PySide6.QtCore import Property, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtQml import QJSValue
from PySide6.QtQuick import QQuickItem, QQuickWindow

from kiosk.core.voice import CALL_STAFF_KEY, SCREEN_SPEECH, compose, screen_speech
from kiosk.devices.speech.protocol import Speaker, SpeechError
from kiosk.i18n.catalog import Catalog

log = logging.getLogger(__name__)

GUIDANCE_GAP_MS = 2000
"""The shortest gap between two spoken guidance hints at the photo booth."""
COUNTDOWN_KEY = "photo.countdown"
RESULT_SCREENS = frozenset(
    {"checkin_accepted", "checkin_rejected", "handover_door", "handover_result"}
)
"""Screens that show a new result without a screen change."""

TEXT_SCALE = 2.0
"""How much larger the text is in large-text mode (the issue asks for 200 %)."""


class _NoSpeech:
    """No speech engine: the voice button is hidden, nothing is ever said."""

    name = "none"

    def speak(self, text: str, language: str) -> None:
        """Say nothing."""

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to release."""


class AccessibilityViewModel(QObject):
    """The accessibility switches and the voice (see the module docstring).

    Properties (QML): ``voiceOn``, ``voiceAvailable``, ``largeText``, ``highContrast``,
    ``textScale``.

    Args:
        speaker: the speech engine; None (or one named ``none``) hides the voice button.
        catalogs: one catalogue per configured language (the speech texts).
        models: the view-models whose state is spoken, by their QML names (``kioskModel``,
            ``checkinModel``, ``photoModel``, ``handoverModel``); read through Qt properties.
        parent: Qt parent.
    """

    voiceChanged = Signal()
    largeTextChanged = Signal()
    highContrastChanged = Signal()
    spoken = Signal(str, str)  # (screen, text): each utterance, for the logs and tests

    _voiceRequested = Signal(bool)  # any thread -> GUI thread (the call-staff button)
    _callStaffRequested = Signal()  # any thread -> GUI thread: the call-staff button

    def __init__(
        self,
        speaker: Speaker | None,
        catalogs: Mapping[str, Catalog],
        models: Mapping[str, QObject],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._speaker: Speaker = speaker if speaker is not None else _NoSpeech()
        self._catalogs = dict(catalogs)
        self._models = dict(models)
        self._voice = False
        self._large = False
        self._contrast = False
        self._loader: QQuickItem | None = None
        self._screen_files: dict[str, str] = {}
        self._voiceRequested.connect(self._set_voice, Qt.ConnectionType.QueuedConnection)
        self._callStaffRequested.connect(self._call_staff, Qt.ConnectionType.QueuedConnection)
        self._guide_said = ""
        self._guide_pending = False
        self._guide_timer = QTimer(self)
        self._guide_timer.setSingleShot(True)
        self._guide_timer.setInterval(GUIDANCE_GAP_MS)
        self._guide_timer.timeout.connect(self._guidance_gap_over)
        photo = self._models.get("photoModel")
        if photo is not None and photo.metaObject().indexOfSignal("guidanceChanged()") >= 0:
            photo.guidanceChanged.connect(self._on_guidance)  # type: ignore[attr-defined]
            photo.countdownChanged.connect(self._on_countdown)  # type: ignore[attr-defined]
        # A new result on the screen already shown (a second scan on the check-in result, the
        # next step of a hand-over) is said too, once its properties have settled; a screen
        # change in the meantime says it instead (_on_screen_loaded cancels this).
        self._respeak = QTimer(self)
        self._respeak.setSingleShot(True)
        self._respeak.setInterval(0)
        self._respeak.timeout.connect(self._result_changed)
        for name, signal in (
            ("checkinModel", "resultChanged"),
            ("handoverModel", "outcomeChanged"),
        ):
            model = self._models.get(name)
            if model is not None and model.metaObject().indexOfSignal(f"{signal}()") >= 0:
                getattr(model, signal).connect(self._respeak.start)
        kiosk = self._models.get("kioskModel")
        if kiosk is not None:
            # NOTE: queued, so the screen's own texts are retranslated before they are read.
            kiosk.languageChanged.connect(  # type: ignore[attr-defined]
                self._on_language, Qt.ConnectionType.QueuedConnection
            )

    # -- wiring ----------------------------------------------------------------------------

    def attach(self, window: QQuickWindow) -> None:
        """Follow the window's screen loader: each loaded screen is spoken (voice on)."""
        files = window.property("screenFiles")  # Main.qml's screen name -> QML file
        if isinstance(files, QJSValue):
            files = files.toVariant()
        if isinstance(files, Mapping):
            self._screen_files = {str(v): str(k) for k, v in files.items()}
        else:
            log.warning("Main.qml has no screenFiles: screens will not be spoken")
        loader = window.findChild(QQuickItem, "screenLoader")
        if loader is None:
            log.warning("no screen loader in the window: screens will not be spoken")
            return
        self._loader = loader
        loader.loaded.connect(self._on_screen_loaded)  # type: ignore[attr-defined]

    # -- slots for QML -----------------------------------------------------------------------

    @Slot()
    def toggleVoice(self) -> None:
        """The voice button: on speaks the screen at once, off stops speaking."""
        self._set_voice(not self._voice)

    @Slot()
    def toggleLargeText(self) -> None:
        """The large-text button."""
        self._large = not self._large
        log.info("large text %s", "on" if self._large else "off")
        self.largeTextChanged.emit()

    @Slot()
    def toggleHighContrast(self) -> None:
        """The high-contrast button."""
        self._contrast = not self._contrast
        log.info("high contrast %s", "on" if self._contrast else "off")
        self.highContrastChanged.emit()

    @Slot()
    def reset(self) -> None:
        """The session ended: voice, large text and high contrast off (GUI thread)."""
        if self._voice:
            self._voice = False
            self._speaker.stop()
            self.voiceChanged.emit()
        if self._large:
            self._large = False
            self.largeTextChanged.emit()
        if self._contrast:
            self._contrast = False
            self.highContrastChanged.emit()

    def set_speaker(self, speaker: Speaker) -> None:
        """Speak through ``speaker`` from now on (GUI thread; tests, an engine set up late)."""
        self._speaker.stop()
        self._speaker = speaker

    # -- any thread --------------------------------------------------------------------------

    def set_voice(self, on: bool) -> None:
        """Thread-safe: switch the voice on or off (the call-staff button switches it on)."""
        self._voiceRequested.emit(on)

    def call_staff_pressed(self) -> None:
        """Thread-safe: the call-staff button: the voice comes on (someone who cannot read the
        screen may be the one who pressed it) and says staff are coming, then the screen."""
        self._callStaffRequested.emit()

    # -- GUI thread ---------------------------------------------------------------------------

    @Slot(bool)
    def _set_voice(self, on: bool) -> None:
        if on == self._voice or not self.voice_available:
            return
        self._voice = on
        log.info("voice guidance %s", "on" if on else "off")
        self.voiceChanged.emit()
        if on:
            self.speak_screen()
        else:
            self._speaker.stop()

    @Slot()
    def _call_staff(self) -> None:
        if not self.voice_available:
            return
        if not self._voice:
            self._voice = True
            log.info("voice guidance on (call-staff button)")
            self.voiceChanged.emit()
        catalog = self._catalog()
        screen = self.current_screen()
        parts = (CALL_STAFF_KEY, *SCREEN_SPEECH.get(screen, ()))
        text = compose(parts, catalog, self._facts())
        self._say(screen, text, catalog.language)

    @Slot()
    def _result_changed(self) -> None:
        if self._voice and self.current_screen() in RESULT_SCREENS:
            self.speak_screen()

    @Slot()
    def _on_screen_loaded(self) -> None:
        self._respeak.stop()
        self._guide_pending = False
        self._guide_said = ""
        if self._voice:
            self.speak_screen()
            if self.current_screen() == "photo_preview":
                # NOTE: the preview's words end with the guidance shown: not said twice.
                self._guide_said = self._read("photoModel", "guidanceKey")
                self._guide_timer.start()

    @Slot()
    def _on_language(self) -> None:
        if self._voice:
            self.speak_screen()

    # -- the photo booth's live guidance --------------------------------------------------------

    def _on_preview(self) -> bool:
        return self._voice and self._read("photoModel", "screen") == "photo_preview"

    @Slot()
    def _on_guidance(self) -> None:
        """The booth's guidance changed ("move closer"…): said at once, then at most every
        2 s (the latest one), so a person moving about is not talked over."""
        if not self._on_preview():
            return
        if self._guide_timer.isActive():
            self._guide_pending = True
            return
        self._say_guidance()

    @Slot()
    def _guidance_gap_over(self) -> None:
        if self._guide_pending and self._on_preview():
            self._say_guidance()
        self._guide_pending = False

    def _say_guidance(self) -> None:
        key = self._read("photoModel", "guidanceKey")
        if not key or key == self._guide_said:
            return
        self._guide_said = key
        catalog = self._catalog()
        self._say("photo_preview", compose((key,), catalog, {}), catalog.language)
        self._guide_timer.start()

    @Slot()
    def _on_countdown(self) -> None:
        """3-2-1 before the shutter: the sentence first, then the bare numbers."""
        if not self._on_preview():
            return
        value = int(self._read("photoModel", "countdown") or 0)
        if value <= 0:
            return
        catalog = self._catalog()
        if self._guide_said != COUNTDOWN_KEY:
            text = catalog.text(COUNTDOWN_KEY, value)
            self._guide_said = COUNTDOWN_KEY
        else:
            text = str(value)
        self._say("photo_preview", text, catalog.language)

    def speak_screen(self) -> None:
        """Say the screen shown now (a screen without speech stops the voice)."""
        screen, language, text = self.utterance()
        if text:
            self._say(screen, text, language)
        else:
            self._speaker.stop()

    def utterance(self) -> tuple[str, str, str]:
        """What the voice says on the screen shown now: (screen, language, text); the text is
        empty on a screen that says nothing (staff and technicians' screens)."""
        screen = self.current_screen()
        catalog = self._catalog()
        return screen, catalog.language, screen_speech(screen, catalog, self._facts())

    def _say(self, screen: str, text: str, language: str) -> None:
        try:
            self._speaker.speak(text, language)
        except SpeechError:
            log.exception("could not speak the %s screen", screen or "announcement")
            return
        log.debug("spoke %s in %s", screen or "an announcement", language)
        self.spoken.emit(screen, text)

    def current_screen(self) -> str:
        """The screen name (``home``, ``checkin_accepted``…) the window shows now."""
        if self._loader is None:
            return ""
        source = self._loader.property("source")
        name = PurePosixPath(source.path() if isinstance(source, QUrl) else str(source)).name
        return self._screen_files.get(name, "")

    def _language(self) -> str:
        kiosk = self._models.get("kioskModel")
        language = str(kiosk.property("language")) if kiosk is not None else ""
        return language if language in self._catalogs else next(iter(self._catalogs))

    def _catalog(self) -> Catalog:
        return self._catalogs[self._language()]

    def _read(self, model: str, name: str) -> str:
        obj = self._models.get(model)
        value = obj.property(name) if obj is not None else None
        return "" if value is None else str(value)

    def _facts(self) -> dict[str, str]:
        passed = self._read("photoModel", "passed") == "True"
        return {
            "ticket_number": self._read("kioskModel", "ticketNumber"),
            "ticket_service": self._read("kioskModel", "ticketService"),
            "problem_key": self._read("kioskModel", "problemKey"),
            "oos_key": self._read("kioskModel", "outOfServiceKey"),
            "opening_now": self._read("kioskModel", "openingNow"),
            "checkin_title": self._read("checkinModel", "title"),
            "checkin_body": self._read("checkinModel", "body"),
            "checkin_detail": self._read("checkinModel", "detail"),
            "photo_title": "photo.result.pass_title" if passed else "photo.result.fail_title",
            "photo_body": "photo.result.pass_body" if passed else "photo.result.fail_body",
            "photo_code": self._read("photoModel", "photoCode"),
            "photo_guidance": self._read("photoModel", "guidanceKey"),
            "handover_title": self._read("handoverModel", "title"),
            "handover_body": self._read("handoverModel", "body"),
        }

    # -- properties ---------------------------------------------------------------------------

    def _get_voice(self) -> bool:
        return self._voice

    def _get_voice_available(self) -> bool:
        return self.voice_available

    def _get_large(self) -> bool:
        return self._large

    def _get_contrast(self) -> bool:
        return self._contrast

    def _get_scale(self) -> float:
        return TEXT_SCALE if self._large else 1.0

    voiceOn = Property(bool, _get_voice, notify=voiceChanged)
    voiceAvailable = Property(bool, _get_voice_available, constant=True)
    largeText = Property(bool, _get_large, notify=largeTextChanged)
    highContrast = Property(bool, _get_contrast, notify=highContrastChanged)
    textScale = Property(float, _get_scale, notify=largeTextChanged)

    # -- Python-side read access ------------------------------------------------------------

    # -- the kiosk's inactivity limit (kiosk.ui.idle_return.IdleJourney) -------------------

    def holds_screen(self) -> bool:
        """Never: the modes do not keep a screen."""
        return False

    def clear_person(self) -> None:
        """The session ended: every mode off."""
        self.reset()

    @property
    def voice_available(self) -> bool:
        """False when no speech engine is fitted (``[accessibility] voice = "none"``)."""
        return self._speaker.name != _NoSpeech.name

    @property
    def voice_on(self) -> bool:
        """The voice is on."""
        return self._voice

    @property
    def large_text(self) -> bool:
        """Large text is on."""
        return self._large

    @property
    def high_contrast(self) -> bool:
        """High contrast is on."""
        return self._contrast

"""The preview screen's flow: guidance on live frames, hold still, count down, shutter.

While the preview is on screen, each frame from :class:`~kiosk.ui.photo_preview.PreviewPump`
is shown and its guidance said; once the guidance has said "ok" for ``hold_ok_s`` a countdown
(3-2-1) starts, a few "not ok" frames in a row cancel it, and at zero the shutter fires. A
motorised camera mount is held still during the countdown. Nobody in front for
``no_face_timeout_s``, or a camera in fault, ends the preview.

:class:`PhotoCapture` owns those timers and that state; the photo view-model composes it,
decides which screen follows (checking, home, "not available") and shows its state to QML.
"""

# ruff: noqa: N815 - Qt signal names are camelCase

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from kiosk.core.photo.guidance import Guidance, GuidanceSettings, GuidanceState
from kiosk.core.photo.result import PhotoSettings
from kiosk.devices.health import HealthState
from kiosk.ui.photo_preview import PROVIDER_ID, CameraImageProvider, PhotoBooth, PreviewPump
from kiosk.ui.qml_property import changed

log = logging.getLogger(__name__)

NOT_OK_TOLERANCE = 3  # guidance frames that may say "not ok" before a countdown is cancelled
CAMERA_CHECK_S = 0.25  # how often the camera's health is read while the preview is shown


class PhotoCapture(QObject):
    """The live preview, its guidance and the countdown to the shutter (see the module docs).

    Args:
        booth: the photo service, or None when the booth is not configured.
        settings: the booth settings (frame rate, hold, countdown, "nobody there" time).
        provider: the live frame is served to QML from here.
        note_activity: someone is in front of the camera (the kiosk's inactivity limit).
        on_shutter: the countdown reached zero: take the still.
        on_nobody: no face for ``no_face_timeout_s``.
        on_camera_lost: the camera is in fault (before or during the preview).
        parent: Qt parent (the view-model).
    """

    frameChanged = Signal()
    guidanceChanged = Signal()
    countdownChanged = Signal()

    _frame = Signal(int, object, object)  # preview thread -> GUI thread: (n, QImage, Guidance)

    def __init__(
        self,
        booth: PhotoBooth | None,
        settings: PhotoSettings,
        provider: CameraImageProvider,
        *,
        note_activity: Callable[[], None],
        on_shutter: Callable[[], None],
        on_nobody: Callable[[], None],
        on_camera_lost: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._booth = booth
        self._settings = settings
        self._provider = provider
        self._note_activity = note_activity
        self._on_shutter = on_shutter
        self._on_nobody = on_nobody
        self._on_camera_lost = on_camera_lost
        self._previewing = False
        self.frame_n = 0
        self.guidance: Guidance | None = None
        self.countdown = 0
        self._not_ok = 0
        guide = GuidanceSettings()
        # The outline: a head of the middle allowed size (crown to chin, plus a little for
        # the ears and hair), about 0.8 as wide as tall, centred where "ok" wants the head.
        head = (guide.head_min + guide.head_max) / 2
        self.oval_x = 0.5
        self.oval_y = (guide.vertical_band[0] + guide.vertical_band[1]) / 2 + 0.05
        self.oval_width = head * 1.1 * 0.8 * 9 / 16
        self.oval_height = head * 1.1
        self._pump = (
            PreviewPump(booth, settings.preview_fps, self._frame_from_thread)
            if booth is not None
            else None
        )
        self._frame.connect(self._on_frame, Qt.ConnectionType.QueuedConnection)
        s = settings
        self._no_face_timer = self._timer(s.no_face_timeout_s, on_nobody)
        self._hold_timer = self._timer(s.hold_ok_s, self._start_countdown)
        self._countdown_timer = self._timer(s.countdown_step_s, self._tick_countdown)
        self._countdown_timer.setSingleShot(False)
        self._health_timer = self._timer(CAMERA_CHECK_S, self._check_camera)
        self._health_timer.setSingleShot(False)

    def _timer(self, seconds: float, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(max(1, round(seconds * 1000)))
        timer.timeout.connect(slot)
        return timer

    @property
    def frame_source(self) -> str:
        """The live frame's QML source (empty before the first frame)."""
        return f"image://{PROVIDER_ID}/{self.frame_n}" if self.frame_n else ""

    @property
    def guidance_key(self) -> str:
        """The guidance's message id (a general hint before the first frame)."""
        return "photo.preview.hint" if self.guidance is None else self.guidance.message_id

    @property
    def guidance_ok(self) -> bool:
        """True while the guidance says the head is where the photo wants it."""
        return self.guidance is not None and self.guidance.state is GuidanceState.OK

    def start(self) -> None:
        """The preview is on screen: frames, guidance, the timers (or the camera is lost)."""
        assert self._pump is not None
        self._stop_countdown()
        self._set_guidance(None)
        self._previewing = True
        self._no_face_timer.start()
        self._health_timer.start()
        if not self._camera_usable():
            self._on_camera_lost()
            return
        self._pump.start()

    def stop(self) -> None:
        """The preview left the screen: no more frames, no countdown, no timers."""
        self._previewing = False
        if self._pump is not None:
            self._pump.pause()
        self._stop_countdown()
        self._no_face_timer.stop()
        self._health_timer.stop()

    def forget(self) -> None:
        """Forget the last frame and its guidance (the person left)."""
        self._set_guidance(None)
        if self.frame_n:
            self.frame_n = 0
            self.frameChanged.emit()

    def close(self) -> None:
        """End the preview thread (shutdown)."""
        if self._pump is not None:
            self._pump.close()

    def _frame_from_thread(self, n: int, image: QImage, guidance: Guidance) -> None:
        try:
            self._frame.emit(n, image, guidance)
        except RuntimeError:
            log.debug("preview frame after the photo screen was destroyed")

    @Slot(int, object, object)
    def _on_frame(self, n: int, image: QImage, guidance: Guidance) -> None:
        if not self._previewing:
            return  # NOTE: a frame in flight when the screen closed is never kept (privacy)
        self._provider.put("live", image)
        self.frame_n = n
        self.frameChanged.emit()
        self._set_guidance(guidance)
        if guidance.faces > 0:
            self._no_face_timer.start()
            self._note_activity()  # someone is there, even without touching the screen
        if guidance.state is GuidanceState.OK:
            self._not_ok = 0
            if self.countdown == 0 and not self._hold_timer.isActive():
                self._hold_timer.start()
        else:
            self._hold_timer.stop()
            self._not_ok += 1
            if self.countdown > 0 and self._not_ok >= NOT_OK_TOLERANCE:
                log.info("photo countdown cancelled: %s", guidance.state)
                self._stop_countdown()

    @Slot()
    def _start_countdown(self) -> None:
        if not self._previewing:
            return
        self._set_countdown(self._settings.countdown_from)
        self._hold_height(True)  # the camera must not move under a counting-down person
        self._countdown_timer.start()

    @Slot()
    def _tick_countdown(self) -> None:
        if self.countdown <= 1:
            self._countdown_timer.stop()
            self._set_countdown(0)
            self._on_shutter()
            self._hold_height(False)  # the still holds the height by itself
            return
        self._set_countdown(self.countdown - 1)

    def _stop_countdown(self) -> None:
        self._hold_timer.stop()
        self._countdown_timer.stop()
        self._not_ok = 0
        if self.countdown > 0:
            self._hold_height(False)
        self._set_countdown(0)

    def _hold_height(self, held: bool) -> None:
        if self._booth is not None:
            self._booth.hold_camera_height(held)

    @Slot()
    def _check_camera(self) -> None:
        if self._previewing and not self._camera_usable():
            self._on_camera_lost()

    def _camera_usable(self) -> bool:
        if self._booth is None:
            return False
        # NOTE: "unknown" before the first frame is not a fault: the preview opens the camera.
        return self._booth.camera_health().state is not HealthState.FAULT

    def _set_guidance(self, guidance: Guidance | None) -> None:
        old = self.guidance
        self.guidance = guidance
        # NOTE: only a new message is a change for the screen (guidance comes 10 times a second)
        if (old is None) != (guidance is None) or (
            old is not None and guidance is not None and old.message_id != guidance.message_id
        ):
            self.guidanceChanged.emit()

    def _set_countdown(self, value: int) -> None:
        changed(self, "countdown", value, self.countdownChanged)


__all__ = ["CAMERA_CHECK_S", "NOT_OK_TOLERANCE", "PhotoCapture"]

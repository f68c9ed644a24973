"""The ID photo screens: live preview with guidance, countdown, check, result, receipt.

State only; the QML files lay it out. The parts, each in its own module:

- the live preview (:mod:`kiosk.ui.photo_preview`): a worker thread reads the camera, runs the
  guidance and hands screen-sized frames to the GUI thread; QML shows them through
  :class:`~kiosk.ui.photo_preview.CameraImageProvider`;
- the preview screen's flow (:mod:`kiosk.ui.photo_capture`): guidance on screen, hold still,
  the 3-2-1 countdown and the shutter, "nobody there" and a lost camera;
- the staff review (:mod:`kiosk.ui.photo_staff_review`): a staff member signs in and
  approves a photo whose only problems are person-checked rules (issue 12);
- this module: the screens and their order (preview, check, result, receipt, "not
  available", the staff screens), the QML properties and slots (``photoModel.*``), and the
  kiosk's inactivity and privacy hooks (``holds_screen``, ``clear_person``).

The still, the check and the acceptance (JPEG, SQLite commit, receipt) and a staff sign-in run
on the screen's :class:`~kiosk.ui.gui_worker.GuiWorker`; their outcome comes back on the GUI
thread, like the ticket journey.

The camera's health is read from the service (the driver reports it): a lost camera shows a
calm "not available" screen; the device health fault goes to the server through the health
board the driver reports to.
"""

# ruff: noqa: N802, N815 - Qt and QML names are camelCase

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.guidance import Guidance
from kiosk.core.photo.result import AcceptedPhoto, PhotoResult, PhotoSettings
from kiosk.core.photo.review import REVIEW_REASONS, StaffVerifier
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.errors import KioskError
from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.kiosk_view_model import KioskViewModel
from kiosk.ui.photo_capture import NOT_OK_TOLERANCE, PhotoCapture
from kiosk.ui.photo_preview import (
    PREVIEW_WIDTH,
    PROVIDER_ID,
    CameraImageProvider,
    PhotoBooth,
    PreviewPump,
    bgr_to_qimage,
)
from kiosk.ui.photo_staff_review import STAFF_ID_MAX, STAFF_PIN_MAX, STAFF_PIN_MIN, PhotoStaffReview
from kiosk.ui.qml_property import changed, reads
from kiosk.ui.qr_image import qr_source

log = logging.getLogger(__name__)

T = TypeVar("T")

RESULT_HEIGHT = 600  # the crop is shown at this height


class PhotoScreen(enum.StrEnum):
    """The photo screens (``PhotoViewModel.screen``); NONE shows the ticket screens."""

    NONE = ""
    PREVIEW = "photo_preview"
    CHECKING = "photo_checking"
    RESULT = "photo_result"
    RECEIPT = "photo_receipt"
    UNAVAILABLE = "photo_unavailable"
    STAFF = "photo_staff"  # staff sign in to review the photo
    REVIEW = "photo_review"  # the signed-in staff member chooses a reason and approves


class PhotoViewModel(QObject):
    """The state of the photo screens.

    Properties (QML): ``available``, ``screen``, ``busy``, ``frameSource``, ``guidanceKey``,
    ``guidanceOk``, ``countdown``, ``ovalX``/``ovalY``/``ovalWidth``/``ovalHeight`` (share of
    the frame), ``passed``, ``resultSource``, ``problemKeys``, ``noteKeys``, ``photoCode``,
    ``receiptQr``, ``receiptPrinted``; the staff review: ``staffReviewOffered``, ``staffId``,
    ``staffPinMask``, ``staffField``, ``staffKeypad``, ``staffErrorKey``, ``reviewerId``,
    ``reviewRuleKeys``, ``reviewReasons`` (and their ``reviewReasonKeys``), ``reviewReason``.

    Args:
        booth: the photo service, or None when the booth is not configured.
        kiosk: the ticket journey's view-model (language, inactivity).
        provider: serves the preview frames and the result image to QML.
        staff: the staff sign-in for the staff review (the hand-over service); None: no
            staff review is offered.
        parent: Qt parent.
    """

    screenChanged = Signal()
    busyChanged = Signal()
    frameChanged = Signal()
    guidanceChanged = Signal()
    countdownChanged = Signal()
    resultChanged = Signal()
    receiptChanged = Signal()
    staffChanged = Signal()
    photoFinished = Signal(object)  # AcceptedPhoto, on the GUI thread (tests, the app)
    scanIgnored = Signal(str)  # why a scan on the staff screen was not used (tests, logs)

    def __init__(
        self,
        booth: PhotoBooth | None,
        kiosk: KioskViewModel,
        provider: CameraImageProvider,
        parent: QObject | None = None,
        *,
        staff: StaffVerifier | None = None,
    ) -> None:
        super().__init__(parent)
        self._booth = booth
        self._kiosk = kiosk
        self._provider = provider
        self._review = PhotoStaffReview(staff, self.staffChanged.emit)
        self._claims_scans = False  # read from the scanner thread: a plain bool
        self._settings = booth.settings if booth is not None else PhotoSettings()
        self._screen = PhotoScreen.NONE
        self._busy = False
        self._result_n = 0
        self._result: PhotoResult | None = None
        self._accepted_photo: AcceptedPhoto | None = None
        self._worker = GuiWorker("photo", self)
        self._scans = GuiInbox(self._on_scanned, "scan", self)  # from the scanner's thread
        self._capture = PhotoCapture(
            booth,
            self._settings,
            provider,
            note_activity=kiosk.noteActivity,
            on_shutter=self._shutter,
            on_nobody=self._on_no_face,
            on_camera_lost=self._show_unavailable,
            parent=self,
        )
        self._capture.frameChanged.connect(self.frameChanged)
        self._capture.guidanceChanged.connect(self.guidanceChanged)
        self._capture.countdownChanged.connect(self.countdownChanged)
        self._screen_timer = QTimer(self)
        self._screen_timer.setSingleShot(True)
        self._screen_timer.setInterval(max(1, round(self._settings.receipt_screen_s * 1000)))
        self._screen_timer.timeout.connect(self.done)
        kiosk.idle.add(self)  # the kiosk's one inactivity limit (holds_screen, clear_person)

    # -- slots for QML -------------------------------------------------------------------------

    @Slot()
    def open(self) -> None:
        """The home screen's "ID photo" button: start the live preview."""
        if self._booth is None or self._busy or self._screen is not PhotoScreen.NONE:
            return
        self._kiosk.noteActivity()
        log.info("photo booth opened")
        self._start_preview()

    @Slot()
    def retake(self) -> None:
        """ "Retake" on the result screen."""
        if self._screen is not PhotoScreen.RESULT or self._busy:
            return
        self._kiosk.noteActivity()
        self._set_result(None)
        self._start_preview()

    @Slot()
    def accept(self) -> None:
        """ "Accept" on the result screen (only offered for a photo that passed)."""
        booth, result = self._booth, self._result
        if (
            booth is None
            or self._busy
            or self._screen is not PhotoScreen.RESULT
            or result is None
            or not result.acceptable
        ):
            return
        self._kiosk.noteActivity()
        self._screen_timer.stop()
        language = self._kiosk.current_language
        self._submit("accept", lambda: booth.accept(result, language), self._on_accepted)

    @Slot()
    def done(self) -> None:
        """ "Done", "Cancel", or a screen's time is up: back to the ticket screens."""
        self._finish()

    # -- slots for QML: the staff review (kiosk.ui.photo_staff_review) -------------------------

    @Slot()
    def openStaffReview(self) -> None:
        """ "Staff approval" on the result screen (offered for a person-checked problem only)."""
        if self._busy or self._screen is not PhotoScreen.RESULT:
            return
        if not self._review.offered(self._result):
            return
        self._kiosk.noteActivity()
        self._review.begin()
        self._set_screen(PhotoScreen.STAFF)

    @Slot(str)
    def pressStaffDigit(self, digit: str) -> None:
        """A digit key of the staff keypad."""
        self._kiosk.noteActivity()
        if self._screen is PhotoScreen.STAFF:
            self._review.press(digit)

    @Slot()
    def deleteStaffDigit(self) -> None:
        """The "delete" key."""
        self._kiosk.noteActivity()
        self._review.keypad.delete()

    @Slot()
    def clearStaffDigits(self) -> None:
        """The "clear" key."""
        self._kiosk.noteActivity()
        self._review.keypad.clear()

    @Slot(str)
    def selectStaffField(self, field: str) -> None:
        """Tap on the staff number or the PIN field."""
        self._kiosk.noteActivity()
        self._review.keypad.select(field)

    @Slot()
    def submitStaff(self) -> None:
        """ "OK" on the staff keypad: next field, or sign in with the staff number and PIN."""
        self._kiosk.noteActivity()
        if self._busy or self._screen is not PhotoScreen.STAFF:
            return
        check = self._review.pin_check()
        if check is not None:
            self._submit("sign_in", check, self._on_signed_in)

    @Slot(str)
    def chooseReason(self, reason: str) -> None:
        """A reason button on the review screen."""
        self._kiosk.noteActivity()
        if self._screen is PhotoScreen.REVIEW:
            self._review.choose(reason)

    @Slot()
    def approve(self) -> None:
        """ "Approve" on the review screen: the core approves, stores the photo, prints."""
        self._kiosk.noteActivity()
        booth, result = self._booth, self._result
        sign_in, reason = self._review.sign_in, self._review.reason
        if (
            booth is None
            or self._busy
            or self._screen is not PhotoScreen.REVIEW
            or result is None
            or sign_in is None
            or not reason
        ):
            return
        self._screen_timer.stop()
        language = self._kiosk.current_language

        def approve_and_store() -> AcceptedPhoto:
            return booth.accept(result, language, booth.approve(result, sign_in, reason))

        self._submit("approve", approve_and_store, self._on_accepted)

    @Slot()
    def backToResult(self) -> None:
        """ "Back" on the staff screens: the result again, the staff member signed out."""
        self._kiosk.noteActivity()
        if self._busy or self._screen not in (PhotoScreen.STAFF, PhotoScreen.REVIEW):
            return
        self._review.sign_out()
        self._set_screen(PhotoScreen.RESULT)

    # -- the staff card scanner ----------------------------------------------------------------

    def wants_code(self, text: str) -> bool:
        """Thread-safe: True while the staff sign-in screen waits for a staff card."""
        return self._claims_scans

    def on_scanned_code(self, code: ScannedCode) -> None:
        """Thread-safe: a scanner read a code (route it here when :meth:`wants_code`)."""
        self._scans.post(code.text)

    def _on_scanned(self, text: str) -> None:
        if not self._review.enabled or self._screen is not PhotoScreen.STAFF:
            self.scanIgnored.emit("the staff sign-in is not on screen")
            return
        if self._busy:
            self.scanIgnored.emit("a sign-in is being checked")
            return
        self._kiosk.noteActivity()
        check = self._review.card_check(text)
        if check is not None:
            self._submit("sign_in", check, self._on_signed_in)

    def _on_signed_in(self, sign_in: StaffSignIn) -> None:
        if self._screen is not PhotoScreen.STAFF:
            return  # the screen moved on (inactivity, back): nobody is signed in
        if self._review.signed_in(sign_in):
            self._set_screen(PhotoScreen.REVIEW)

    # -- the preview (kiosk.ui.photo_capture) --------------------------------------------------

    def _start_preview(self) -> None:
        self._set_screen(PhotoScreen.PREVIEW)
        self._capture.start()

    def _shutter(self) -> None:
        booth = self._booth
        assert booth is not None
        self._capture.stop()
        self._kiosk.noteActivity()
        self._set_screen(PhotoScreen.CHECKING)

        def still_and_check() -> PhotoResult | KioskError:
            try:
                return booth.capture(booth.take_still())
            except KioskError as exc:  # NOTE: a lost camera is told calmly, not as a crash
                log.warning("photo still failed: %s", exc)
                return exc

        self._submit("check", still_and_check, self._on_checked)

    @Slot()
    def _on_no_face(self) -> None:
        if self._screen in (PhotoScreen.PREVIEW, PhotoScreen.RESULT):
            log.info("photo booth: nobody for %.0f s, back home", self._settings.no_face_timeout_s)
            self._finish()

    def _show_unavailable(self) -> None:
        self._capture.stop()
        log.warning("photo booth: the camera is not available")
        self._set_screen(PhotoScreen.UNAVAILABLE)
        self._screen_timer.start()

    # -- worker --------------------------------------------------------------------------------

    def _submit(
        self, step: str, call: Callable[[], T | Exception], then: Callable[[T], None]
    ) -> None:
        """Run ``call`` on the worker (busy meanwhile); ``then`` gets its value on the GUI
        thread; an exception raised or returned goes to :meth:`_on_failed` (the screen never
        stays busy)."""

        def outcome(value: T | Exception) -> None:
            self._set_busy(False)
            if isinstance(value, Exception):
                self._on_failed(step, value)
            else:
                then(value)

        self._set_busy(True)
        if not self._worker.submit(step, call, outcome):
            self._set_busy(False)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for a running check or acceptance (tests, shutdown); True when none is left."""
        return self._worker.wait_idle(timeout)

    def holds_screen(self) -> bool:
        """True while a still is checked or a photo stored, and on the receipt, which ends by
        itself and shows the code to note down (``IdleJourney``)."""
        return self._busy or self._screen is PhotoScreen.RECEIPT

    def clear_person(self) -> None:
        """The inactivity limit passed: home, and the photo and the camera's last frame are
        forgotten (``IdleJourney``)."""
        if self._screen is not PhotoScreen.NONE:
            log.info("photo booth: no touch on %s, back home", self._screen.value)
        self._finish()

    def close(self) -> None:
        """Stop the preview thread and the worker (shutdown)."""
        self._capture.close()
        self._worker.close()

    def _on_checked(self, result: PhotoResult) -> None:
        if self._screen is not PhotoScreen.CHECKING:
            return
        self._set_result(result)
        self._set_screen(PhotoScreen.RESULT)
        # NOTE: nobody touching the result is the kiosk's one inactivity limit (idle_return),
        # not the camera's "nobody in front" timer, which kept a failed photo 17 s longer.
        self._capture.stop()
        self._kiosk.noteActivity()
        log.info("photo result shown: %s", "pass" if result.acceptable else result.problems)

    def _on_accepted(self, photo: AcceptedPhoto) -> None:
        self._review.sign_out()  # the approval is stored; the staff member's sign-in ends here
        self._capture.stop()
        self._accepted_photo = photo
        self.receiptChanged.emit()
        self._set_screen(PhotoScreen.RECEIPT)
        self._screen_timer.setInterval(
            round(self._settings.receipt_screen_s * 1000 * (1 if photo.printed else 3))
        )
        self._screen_timer.start()
        self.photoFinished.emit(photo)

    def _on_failed(self, step: str, error: Exception) -> None:
        # NOTE: StoreError, OSError, a refused approval, a lost camera: the screen says so.
        log.warning("photo %s failed: %s", step, error)
        if step == "sign_in" and self._screen is PhotoScreen.STAFF:
            self._review.sign_in_failed()
            return
        self._show_unavailable()

    def _finish(self) -> None:
        self._capture.stop()
        self._screen_timer.stop()
        was_showing = self._screen is not PhotoScreen.NONE
        self._set_screen(PhotoScreen.NONE)
        self._set_result(None)
        self._capture.forget()
        if self._accepted_photo is not None:
            self._accepted_photo = None
            self.receiptChanged.emit()
        self._review.sign_out()
        self._provider.clear()  # the face is not kept for the next person
        self._screen_timer.setInterval(round(self._settings.receipt_screen_s * 1000))
        if was_showing:
            self._kiosk.setLanguage(self._kiosk.property("languages")[0])

    # -- setters -------------------------------------------------------------------------------

    def _set_screen(self, screen: PhotoScreen) -> None:
        self._claims_scans = screen is PhotoScreen.STAFF and self._review.enabled
        if screen is not self._screen:
            log.debug("photo screen %r -> %r", self._screen.value, screen.value)
            self._screen = screen
            self.screenChanged.emit()

    def _set_busy(self, busy: bool) -> None:
        changed(self, "_busy", busy, self.busyChanged)

    def _set_result(self, result: PhotoResult | None) -> None:
        if result is self._result:
            return
        self._result = result
        if result is not None and result.crop is not None:
            self._result_n += 1
            height = result.crop.shape[0]
            width = round(result.crop.shape[1] * RESULT_HEIGHT / height)
            self._provider.put("result", bgr_to_qimage(result.crop, width, mirror=False))
        self.resultChanged.emit()

    # -- properties ----------------------------------------------------------------------------

    def _get_available(self) -> bool:
        return self._booth is not None

    def _get_passed(self) -> bool:
        return self._result is not None and self._result.acceptable

    def _get_result_source(self) -> str:
        result = self._result
        if result is None or result.crop is None:
            return ""
        return f"image://{PROVIDER_ID}/result/{self._result_n}"

    def _get_problem_keys(self) -> list[str]:
        if self._result is None or self._result.acceptable:
            return []
        return [f"photo.problem.{problem}" for problem in self._result.to_tell]

    def _get_note_keys(self) -> list[str]:
        # How the photo was measured where the rules allow a choice (the Ministry's crown rule
        # for voluminous hair): said on the result, passed or failed, so nobody is surprised
        # that the top of the hair is trimmed.
        if self._result is None or self._result.report is None:
            return []
        return [f"photo.note.{note}" for note in self._result.report.notes]

    def _get_photo_code(self) -> str:
        return self._accepted_photo.display_code if self._accepted_photo else ""

    def _get_receipt_qr(self) -> str:
        return qr_source(self._accepted_photo.receipt_qr) if self._accepted_photo else ""

    def _get_receipt_printed(self) -> bool:
        return self._accepted_photo is not None and self._accepted_photo.printed

    def _get_staff_review_offered(self) -> bool:
        return self._review.offered(self._result)

    def _get_review_rule_keys(self) -> list[str]:
        return self._review.rule_keys(self._result)

    def _get_review_reasons(self) -> list[str]:
        return [reason.value for reason in REVIEW_REASONS]

    def _get_review_reason_keys(self) -> list[str]:
        return [f"photo.review.reason.{reason.value}" for reason in REVIEW_REASONS]

    available = Property(bool, _get_available, constant=True)
    screen = reads(str, "_screen", notify=screenChanged)
    busy = reads(bool, "_busy", notify=busyChanged)
    frameSource = reads(str, "_capture.frame_source", notify=frameChanged)
    guidanceKey = reads(str, "_capture.guidance_key", notify=guidanceChanged)
    guidanceOk = reads(bool, "_capture.guidance_ok", notify=guidanceChanged)
    countdown = reads(int, "_capture.countdown", notify=countdownChanged)
    passed = Property(bool, _get_passed, notify=resultChanged)
    resultSource = Property(str, _get_result_source, notify=resultChanged)
    problemKeys = Property(list, _get_problem_keys, notify=resultChanged)
    noteKeys = Property(list, _get_note_keys, notify=resultChanged)
    photoCode = Property(str, _get_photo_code, notify=receiptChanged)
    receiptQr = Property(str, _get_receipt_qr, notify=receiptChanged)
    receiptPrinted = Property(bool, _get_receipt_printed, notify=receiptChanged)
    staffReviewOffered = Property(bool, _get_staff_review_offered, notify=resultChanged)
    staffId = reads(str, "_review.keypad.number", notify=staffChanged)
    staffKeypad = reads(bool, "_review.keypad_enabled")  # False: staff card only
    staffPinMask = reads(str, "_review.keypad.pin_mask", notify=staffChanged)
    staffField = reads(str, "_review.keypad.field", notify=staffChanged)
    staffErrorKey = reads(str, "_review.keypad.error", notify=staffChanged)
    reviewerId = reads(str, "_review.reviewer_id", notify=staffChanged)
    reviewRuleKeys = Property(list, _get_review_rule_keys, notify=staffChanged)
    reviewReasons = Property(list, _get_review_reasons, constant=True)
    reviewReasonKeys = Property(list, _get_review_reason_keys, constant=True)  # message ids
    reviewReason = reads(str, "_review.reason", notify=staffChanged)
    ovalX = reads(float, "_capture.oval_x")
    ovalY = reads(float, "_capture.oval_y")
    ovalWidth = reads(float, "_capture.oval_width")
    ovalHeight = reads(float, "_capture.oval_height")

    # -- Python-side read access (tests, the app) ---------------------------------------------

    @property
    def current_screen(self) -> PhotoScreen:
        """The photo screen shown now (NONE: the ticket screens)."""
        return self._screen

    @property
    def last_result(self) -> PhotoResult | None:
        """The checked photo on screen."""
        return self._result

    @property
    def guidance(self) -> Guidance | None:
        """The latest guidance on screen."""
        return self._capture.guidance

    @property
    def keeps_images(self) -> bool:
        """True while the screen's image provider holds a camera frame or a result photo."""
        return self._provider.holds_images()


__all__ = [
    "NOT_OK_TOLERANCE",
    "PREVIEW_WIDTH",
    "PROVIDER_ID",
    "RESULT_HEIGHT",
    "STAFF_ID_MAX",
    "STAFF_PIN_MAX",
    "STAFF_PIN_MIN",
    "CameraImageProvider",
    "PhotoBooth",
    "PhotoScreen",
    "PhotoViewModel",
    "PreviewPump",
    "bgr_to_qimage",
]

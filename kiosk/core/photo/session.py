"""The ID photo booth: the camera, checking a still, and accepting a photo.

One photo's path (DESIGN §1: "a non-compliant photo accepted silently" must never happen):

1. :meth:`PhotoBoothService.capture` finds the one face in the camera still, crops it to the
   rule set's print at 600 dpi (:mod:`kiosk.core.photo.crop`) and checks the crop
   (:mod:`kiosk.core.photo.checks`). The :class:`~kiosk.core.photo.result.PhotoResult` holds
   every verdict, or why the still could not even be cropped (no face, two faces, head too
   near an edge).
2. :meth:`PhotoBoothService.accept` refuses a result with a failed or unmeasured verdict
   (:class:`~kiosk.core.photo.result.PhotoRefusedError`). Rules only a person can decide (head
   covering) do not block: they are listed in the event and on the receipt for the counter to
   check. A photo whose only problems are on person-checked rules can be accepted with a staff
   member's approval (:meth:`PhotoBoothService.approve`, :mod:`kiosk.core.photo.review`),
   stored with it and reported as ``photo.approved``; a failed machine-checked rule is never
   approved.
3. The photo is kept (JPEG first, then its row and events in one transaction) by
   :mod:`kiosk.core.photo.storage`, with a code from :mod:`kiosk.core.photo.codes`.
4. Its receipt is printed by :mod:`kiosk.core.photo.receipt`; a printer failure leaves the
   photo stored and the screen shows the code instead (like tickets).

The booth's value types live in :mod:`kiosk.core.photo.result`; they are re-exported here.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from kiosk.core.clock import Clock
from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.checks import check_photo
from kiosk.core.photo.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    format_photo_code,
    new_photo_code,
    photo_code_valid,
)
from kiosk.core.photo.crop import CropRefusedError, cut_print, plan_crop
from kiosk.core.photo.detect import (
    FaceDetection,
    FaceDetector,
    Image,
    measure_head,
    to_bgr,
    to_gray,
)
from kiosk.core.photo.eye_level import CameraHeightGuide, EyeLevelController, EyeLevelSettings
from kiosk.core.photo.guidance import GuidanceSettings, PhotoGuide
from kiosk.core.photo.landmarks import default_detector
from kiosk.core.photo.receipt import PRINTER, PhotoReceipts
from kiosk.core.photo.result import AcceptedPhoto, PhotoRefusedError, PhotoResult, PhotoSettings
from kiosk.core.photo.review import StaffApproval, StaffApprovalRefusedError, approve
from kiosk.core.photo.rules import RuleSet, load_rule_set
from kiosk.core.photo.storage import PhotoStorage, write_durably
from kiosk.devices.camera.protocol import Camera, Frame
from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.health import UNKNOWN_AT_START, Health, HealthBoard
from kiosk.devices.printer.protocol import Ticket, TicketPrinter
from kiosk.errors import DeviceError
from kiosk.i18n.catalog import Catalog
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox
from kiosk.store.photos import PhotoRow

logger = logging.getLogger(__name__)

CAMERA = "camera"
"""The booth camera's name on the health board."""

_write_durably = write_durably  # NOTE: its older name, which the store tests import


class PhotoBoothService:
    """Checks stills, stores accepted photos, prints their receipts (see the module docs).

    Args:
        settings: the booth settings.
        db: the kiosk database.
        outbox: events go here, in the same transaction as the photo row.
        clock: time of acceptance.
        storage_dir: where accepted JPEGs are kept (``<state_dir>/photos``).
        rules_name: the rule set (overrides ``settings.rules`` when given).
        printer: prints the receipt; None shows the code on screen only.
        catalogs: receipt texts per language.
        camera: the booth camera (the screens read its preview through :attr:`camera`).
        health: device health; the camera is registered, receipt printer failures reported.
        detector: the face detector (default: dlib HOG + 68 landmarks, chosen by
            ``bench/photo_detectors.py``).
        mount: the motorised camera mount, None when the camera is fixed.
        eye_level: how the mount follows the eyes (its band is the rule set's guidance band).
    """

    def __init__(
        self,
        settings: PhotoSettings,
        db: Database,
        outbox: Outbox,
        clock: Clock,
        storage_dir: Path,
        rules_name: str | None = None,
        printer: TicketPrinter | None = None,
        *,
        catalogs: Mapping[str, Catalog] | None = None,
        camera: Camera | None = None,
        health: HealthBoard | None = None,
        detector: FaceDetector | None = None,
        mount: CameraMount | None = None,
        eye_level: EyeLevelSettings | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self.storage_dir = storage_dir
        self.rule_set: RuleSet = load_rule_set(rules_name or settings.rules)
        self.camera = camera
        self.detector: FaceDetector = detector or default_detector()
        self._storage = PhotoStorage(db, outbox, storage_dir, self.rule_set)
        self.approvals = self._storage.approvals
        self._receipts = PhotoReceipts(
            settings, self.rule_set, self._storage, printer, catalogs or {}, health
        )
        # NOTE: one detector instance is shared by the preview worker and the still check;
        # OpenCV's CascadeClassifier is not documented as thread-safe, so calls are serialised.
        self._detect_lock = threading.Lock()
        if health is not None and camera is not None:
            health.register(CAMERA)
        # Camera height (optional mount): the preview's guide moves it, the still holds it.
        self.mount = mount
        self.eye_level: EyeLevelController | None = None
        if mount is not None:
            band = GuidanceSettings.for_rules(self.rule_set).vertical_band
            self.eye_level = EyeLevelController(
                dataclasses.replace(eye_level or EyeLevelSettings(), band=band)
            )
            if health is not None:
                health.register(mount.name)

    @property
    def settings(self) -> PhotoSettings:
        """The booth settings."""
        return self._settings

    @settings.setter
    def settings(self, settings: PhotoSettings) -> None:
        self._settings = settings
        self._receipts.settings = settings

    # -- the camera --------------------------------------------------------------------------

    def guide(self) -> PhotoGuide:
        """A preview guide for this rule set (use on one thread; see :meth:`advise`).

        With a camera mount it moves the camera to the eyes (:class:`CameraHeightGuide`).
        """
        if self.mount is not None and self.eye_level is not None:
            return CameraHeightGuide(
                _LockedDetector(self.detector, self._detect_lock),
                GuidanceSettings.for_rules(self.rule_set),
                self.rule_set,
                mount=self.mount,
                controller=self.eye_level,
            )
        return PhotoGuide(
            _LockedDetector(self.detector, self._detect_lock),
            GuidanceSettings.for_rules(self.rule_set),
            self.rule_set,
        )

    def camera_health(self) -> Health:
        """The camera's health now (``unknown`` without a camera)."""
        return self.camera.health if self.camera is not None else UNKNOWN_AT_START

    def preview_frames(self) -> Iterator[Frame]:
        """The camera's live frames (none without a camera); blocks while it is lost."""
        if self.camera is None:
            return iter(())
        return self.camera.frames()

    def take_still(self) -> Frame:
        """One full-resolution still from the camera.

        Raises:
            DeviceError: no camera, or it is lost or gave no frame.
        """
        if self.camera is None:
            raise _NoCameraError("no camera configured for the photo booth")
        self.hold_camera_height(True)
        try:
            return self.camera.still()
        finally:
            self.hold_camera_height(False)

    def hold_camera_height(self, held: bool) -> None:
        """Keep the camera mount where it is (True: countdown started) or free it again.

        Nestable; without a mount nothing happens. The still holds it by itself.
        """
        if self.eye_level is None:
            return
        if held:
            self.eye_level.hold()
        else:
            self.eye_level.release()

    def close(self) -> None:
        """Release the camera (its preview iterator ends) and the camera mount."""
        if self.camera is not None:
            self.camera.close()
        if self.mount is not None:
            self.mount.close()

    # -- check -------------------------------------------------------------------------------

    def capture(self, still: Image) -> PhotoResult:
        """Find the face in ``still``, crop it to the print and check every rule."""
        rule_set = self.rule_set
        size = (int(still.shape[1]), int(still.shape[0]))
        with self._detect_lock:
            bgr = to_bgr(still)
            detections = self.detector.detect(to_gray(bgr))
            if not detections:
                logger.info("photo still %dx%d: no face", *size)
                return PhotoResult(rule_set.id, size, refusal="no_face")
            if len(detections) > 1:
                logger.info("photo still %dx%d: %d faces", size[0], size[1], len(detections))
                return PhotoResult(rule_set.id, size, refusal="too_many_faces")
            geometry = measure_head(bgr, detections[0])
            try:
                plan = plan_crop(geometry, size[0], size[1], rule_set)
            except CropRefusedError as exc:
                logger.info("photo still %dx%d: %s", size[0], size[1], exc)
                return PhotoResult(rule_set.id, size, refusal=f"crop_{exc.reason}")
            crop = cut_print(bgr, plan, rule_set)
            # NOTE: the print is judged on the face found in the still (mapped onto it), not
            # on a second detection: a cascade that loses a tilted or closed-eyed face in the
            # print would otherwise turn "tilted" into "no face".
            face = detections[0].mapped(plan.scale, plan.x, plan.y)
            report = check_photo(crop, rule_set, self.detector, detections=[face])
        return PhotoResult(rule_set.id, size, crop, report)

    # -- staff review ------------------------------------------------------------------------

    def approve(self, result: PhotoResult, sign_in: StaffSignIn, reason: str) -> StaffApproval:
        """A signed-in staff member's approval of ``result`` for ``reason`` (nothing stored:
        :meth:`accept` stores it with the photo).

        Raises:
            StaffApprovalRefusedError: the photo cannot be approved (a machine-checked rule
                failed or was not measured, no face, nothing left to approve), the staff
                member is not signed in, or the reason is unknown.
        """
        if result.crop is None or result.refusal:
            raise StaffApprovalRefusedError("not_checked", result.refusal)
        approval = approve(result.report, sign_in, reason, self._clock.now())
        logger.info(
            "photo approved by staff %s (%s, %s): waives %s",
            approval.staff_id,
            approval.signed_in_by,
            approval.reason.value,
            ", ".join(approval.rules_waived),
        )
        return approval

    # -- accept ------------------------------------------------------------------------------

    def accept(
        self, result: PhotoResult, language: str = "ja", approval: StaffApproval | None = None
    ) -> AcceptedPhoto:
        """Store an acceptable photo, commit it with its event, print its receipt.

        With ``approval`` (:meth:`approve`), a photo whose only problems are person-checked
        rules is stored too, with the approval and a ``photo.approved`` event in the same
        transaction.

        Raises:
            PhotoRefusedError: a rule failed or could not be measured and no approval covers
                it (nothing is stored).
            StaffApprovalRefusedError: the approval does not cover this photo: a
                machine-checked rule failed, or it waives other rules than the photo's
                person-checked ones (nothing is stored).
            StoreError: the photo could not be committed (OutboxFullError included); nothing
                is promised on screen.
            OSError: the JPEG could not be written.
        """
        if approval is not None:
            # NOTE: checked again here, whatever the screen did: a failed machine-checked
            # rule is never stored, and an approval covers exactly the rules it names.
            if not result.staff_reviewable:
                raise StaffApprovalRefusedError("machine_rule_failed", ", ".join(result.problems))
            if approval.rules_waived != result.rules_to_waive:
                raise StaffApprovalRefusedError(
                    "rules_differ", f"{approval.rules_waived} != {result.rules_to_waive}"
                )
        elif not result.acceptable:
            raise PhotoRefusedError(result.problems)
        if result.crop is None:
            raise PhotoRefusedError(result.problems)
        now = self._clock.now()
        qr = self._settings.receipt_qr
        stored = self._storage.store(result, language, now, approval, qr)
        return self._receipts.print(stored, language, now, result.to_review, approval)

    # -- the receipt and the stored photos -------------------------------------------------

    def receipt_layout(
        self,
        photo: AcceptedPhoto,
        language: str,
        at: datetime,
        to_review: tuple[str, ...] = (),
        approval: StaffApproval | None = None,
    ) -> Ticket:
        """The receipt's paper layout in ``language`` (see :meth:`PhotoReceipts.layout`)."""
        return self._receipts.layout(photo, language, at, to_review, approval)

    def pending_transfers(self) -> list[PhotoRow]:
        """Accepted photos whose image has not reached the server (``transfer_state``)."""
        return self._storage.pending_transfers()


class _NoCameraError(DeviceError):
    """Raised when a still is asked for and the booth has no camera."""


class _LockedDetector:
    """A detector whose calls are serialised with the still checks."""

    def __init__(self, inner: FaceDetector, lock: threading.Lock) -> None:
        self._inner = inner
        self._lock = lock
        self.name = inner.name

    def detect(self, gray: Image) -> list[FaceDetection]:
        """Faces in ``gray`` (see :meth:`FaceDetector.detect`)."""
        with self._lock:
            return self._inner.detect(gray)


__all__ = [
    "CAMERA",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "PRINTER",
    "AcceptedPhoto",
    "PhotoBoothService",
    "PhotoRefusedError",
    "PhotoResult",
    "PhotoSettings",
    "format_photo_code",
    "new_photo_code",
    "photo_code_valid",
]

"""The ID photo booth: check a still, and store an accepted photo with its event and receipt.

One photo's path (DESIGN §1: "a non-compliant photo accepted silently" must never happen):

1. :meth:`PhotoBoothService.capture` finds the one face in the camera still, crops it to the
   rule set's print at 600 dpi (:mod:`kiosk.core.photo.crop`) and checks the crop
   (:mod:`kiosk.core.photo.checks`). The :class:`PhotoResult` holds every verdict, or why the
   still could not even be cropped (no face, two faces, head too near an edge).
2. :meth:`PhotoBoothService.accept` refuses a result with a failed or unmeasured verdict
   (:class:`PhotoRefusedError`). Rules only a person can decide (head covering) do not block:
   they are listed in the event and on the receipt for the counter to check. A photo whose
   only problems are on person-checked rules can be accepted with a staff member's approval
   (:meth:`PhotoBoothService.approve`, :mod:`kiosk.core.photo.review`), stored with it and
   reported as ``photo.approved``; a failed machine-checked rule is never approved.
3. The JPEG is written under ``storage_dir`` as ``<sha256>.jpg`` (temporary file, fsync,
   rename) *before* the row and the ``photo.captured`` event are committed in one transaction
   (DESIGN §6): a row never points at a missing file; a crash between the two leaves only an
   orphan file with a content name, harmless and recognisable.
4. The event carries the hash, size, rule set and verdict summary, never the image: the image
   goes to the server by a separate transfer (docs/mqtt-contract.md, "ID photos"); the row's
   ``transfer_state`` stays ``pending`` until that transfer confirms it.
5. The receipt (photo code as text and as a native QR) is printed through the
   :class:`~kiosk.devices.printer.protocol.TicketPrinter` with the ticket layout. A printer
   failure leaves the photo stored; the screen shows the code instead (like tickets).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.checks import PhotoReport, VerdictStatus, check_photo
from kiosk.core.photo.crop import CropRefusedError, cut_print, encode_jpeg, plan_crop
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
from kiosk.core.photo.review import (
    StaffApproval,
    StaffApprovalRefusedError,
    approve,
    machine_problems,
    waivable_rules,
)
from kiosk.core.photo.rules import RuleSet, load_rule_set
from kiosk.devices.camera.protocol import Camera, Frame
from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.health import UNKNOWN_AT_START, Health, HealthBoard
from kiosk.devices.printer.protocol import PrinterError, Ticket, TicketPrinter
from kiosk.errors import DeviceError, KioskError
from kiosk.i18n.catalog import Catalog
from kiosk.store.database import Database, Transaction
from kiosk.store.files import write_private
from kiosk.store.outbox import Outbox, rfc3339
from kiosk.store.photo_approvals import PhotoApprovalRepository, PhotoApprovalRow
from kiosk.store.photos import PhotoRepository, PhotoRow
from kiosk.uuid7 import uuid7

logger = logging.getLogger(__name__)

CAMERA = "camera"
PRINTER = "printer"

# Photo codes: no 0/O, 1/I/L or U (read aloud and typed by staff), 30 symbols.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 30^8 ≈ 6.6e11 codes; a check character is appended
_CODE_ATTEMPTS = 20


def _check_char(body: str) -> str:
    """Luhn mod N check character over :data:`CODE_ALPHABET` (catches every single typo and
    every swap of two neighbours)."""
    n = len(CODE_ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * CODE_ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return CODE_ALPHABET[(n - total % n) % n]


def new_photo_code() -> str:
    """A random photo code: 8 symbols and a check symbol (``7KQ2MXRA`` + ``F``)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return body + _check_char(body)


def photo_code_valid(code: str) -> bool:
    """True when ``code`` (hyphens and case ignored) is a well-formed photo code."""
    clean = code.replace("-", "").upper()
    if len(clean) != CODE_LENGTH + 1 or any(c not in CODE_ALPHABET for c in clean):
        return False
    return _check_char(clean[:-1]) == clean[-1]


def format_photo_code(code: str) -> str:
    """The code as people read it: ``7KQ2-MXRA-F``."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


class PhotoRefusedError(KioskError, ValueError):
    """Raised when a photo that did not pass its rules is offered for acceptance."""

    def __init__(self, problems: tuple[str, ...]):
        self.problems = problems
        super().__init__(f"photo refused: {', '.join(problems) or 'not checked'}")


@dataclass(frozen=True)
class PhotoSettings:
    """The booth's settings (from the ``[photo]`` config section; see the module docs).

    Attributes:
        office_name: receipt header per language.
        timezone: local time on the receipt.
        rules: the rule set id (``jp-passport``, ``icao``) or a rule set file.
        receipt_qr: the receipt QR's payload; ``{code}`` is replaced by the photo code.
        preview_fps: guidance frames per second on the preview screen.
        hold_ok_s: how long guidance must say "ok" before the countdown starts.
        countdown_step_s: seconds per countdown number (3-2-1).
        countdown_from: the first countdown number.
        no_face_timeout_s: no face (or no touch on the result) for this long: back home.
        receipt_screen_s: how long the receipt and "camera not available" screens stay.
    """

    office_name: Mapping[str, str] = field(default_factory=dict)
    timezone: tzinfo = UTC
    rules: str = "jp-passport"
    receipt_qr: str = "{code}"
    preview_fps: float = 10.0
    hold_ok_s: float = 1.0
    countdown_step_s: float = 1.0
    countdown_from: int = 3
    no_face_timeout_s: float = 60.0
    receipt_screen_s: float = 20.0


@dataclass(frozen=True)
class PhotoResult:
    """A checked still.

    Attributes:
        rule_set: the rule set's id.
        still_size: ``(width, height)`` of the camera still.
        crop: the print-sized crop (None when the still could not be cropped).
        report: every verdict on the crop (None when it could not be cropped).
        refusal: why there is no crop: ``no_face``, ``too_many_faces`` or ``crop_<reason>``
            (:class:`~kiosk.core.photo.crop.CropRefusedError` reasons); empty otherwise.
    """

    rule_set: str
    still_size: tuple[int, int]
    crop: Image | None = field(default=None, compare=False, repr=False)
    report: PhotoReport | None = None
    refusal: str = ""

    @property
    def problems(self) -> tuple[str, ...]:
        """What is wrong: the refusal, or the failed and unmeasured rules' names."""
        if self.refusal:
            return (self.refusal,)
        if self.report is None:
            return ("not_checked",)
        return tuple(v.rule.name for v in self.report.failed)

    @property
    def to_tell(self) -> tuple[str, ...]:
        """The problems to tell the citizen: the rules that failed on a measured value; the
        unmeasured ones only when nothing failed outright (no eyes found makes the roll
        unmeasurable too, and "your head is tilted" would be wrong advice)."""
        if self.refusal or self.report is None:
            return self.problems
        failed = tuple(v.rule.name for v in self.report.failed if v.status is VerdictStatus.FAIL)
        return failed or self.problems

    @property
    def acceptable(self) -> bool:
        """True when there is a crop and no rule failed or went unmeasured."""
        return self.crop is not None and self.report is not None and not self.problems

    @property
    def to_review(self) -> tuple[str, ...]:
        """Rules a person must still decide (head covering)."""
        if self.report is None:
            return ()
        return tuple(v.rule.name for v in self.report.needs_review)

    @property
    def rules_to_waive(self) -> tuple[str, ...]:
        """Person-checked rules this photo did not pass (what a staff approval waives)."""
        if self.crop is None or self.report is None or self.refusal:
            return ()
        return waivable_rules(self.report)

    @property
    def staff_reviewable(self) -> bool:
        """True when staff may approve this photo: it was cropped and checked, every
        machine-checked rule passed, and a person-checked rule is left (failed or to review)."""
        if self.crop is None or self.report is None or self.refusal:
            return False
        return not machine_problems(self.report) and bool(self.rules_to_waive)


@dataclass(frozen=True)
class AcceptedPhoto:
    """A photo that is stored and committed with its event (whatever the printer did).

    Attributes:
        id: uuid7 of the photo.
        code: the photo code (9 symbols, see :func:`format_photo_code`).
        sha256: hex hash of the JPEG.
        path: the JPEG on disk.
        size_bytes: the JPEG's size.
        receipt_qr: the receipt QR's payload (shown on screen too).
        printed: True when the receipt was cut.
        problem: the printer's health when the receipt did not print (None: no printer).
    """

    id: str
    code: str
    sha256: str
    path: Path
    size_bytes: int
    receipt_qr: str
    printed: bool
    problem: Health | None = None

    @property
    def display_code(self) -> str:
        """The code as people read it."""
        return format_photo_code(self.code)


def _verdict_summary(result: PhotoResult, approval: StaffApproval | None) -> dict[str, Any]:
    report = result.report
    assert report is not None
    summary: dict[str, Any] = {
        "status": {v.rule.name: v.status.value for v in report.verdicts},
        "measured": {
            v.rule.name: round(v.measured, 3)
            for v in report.verdicts
            if v.measured is not None and v.status is not VerdictStatus.REVIEW
        },
        "review": list(result.to_review),
        # NOTE: only an approved photo is stored with failed rules, all of them person-checked.
        "failed": list(result.problems) if approval is not None else [],
    }
    if approval is not None:
        summary["waived"] = list(approval.rules_waived)
    return summary


def _write_durably(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` (0600) via a temporary file, fsync and rename.

    A failed write (a full disk) leaves no temporary file behind (``write_private``).
    """
    path = folder / name
    if path.exists() and path.stat().st_size == len(data):
        return path  # the same content (the name is its hash)
    return write_private(folder, name, data)


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
        self.settings = settings
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self.storage_dir = storage_dir
        self.rule_set: RuleSet = load_rule_set(rules_name or settings.rules)
        self._printer = printer
        self._catalogs = dict(catalogs or {})
        self.camera = camera
        self._health = health
        self.detector: FaceDetector = detector or default_detector()
        self._repo = PhotoRepository(db)
        self.approvals = PhotoApprovalRepository(db)
        # NOTE: one detector instance is shared by the preview worker and the still check;
        # OpenCV's CascadeClassifier is not documented as thread-safe, so calls are serialised.
        self._detect_lock = threading.Lock()
        self._printer_lock = threading.Lock()
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
        dpi = self.rule_set.print_size.dpi
        jpeg = encode_jpeg(result.crop, dpi)
        sha256 = hashlib.sha256(jpeg).hexdigest()
        path = _write_durably(self.storage_dir, f"{sha256}.jpg", jpeg)
        now = self._clock.now()
        photo_id = uuid7()
        verdicts = _verdict_summary(result, approval)
        height, width = result.crop.shape[:2]
        with self._db.transaction() as tx:
            code = self._free_code(tx)
            receipt_qr = self.settings.receipt_qr.format(code=code)
            self._repo.insert(
                tx,
                PhotoRow(
                    id=photo_id,
                    code=code,
                    sha256=sha256,
                    size_bytes=len(jpeg),
                    width_px=int(width),
                    height_px=int(height),
                    dpi=dpi,
                    rule_set=self.rule_set.id,
                    verdicts=verdicts,
                    file=path.name,
                    language=language,
                    accepted_at=rfc3339(now),
                ),
            )
            self._outbox.append(
                tx,
                events.PHOTO,
                events.PHOTO_CAPTURED,
                {
                    "photo_id": photo_id,
                    "code": code,
                    "sha256": sha256,
                    "size_bytes": len(jpeg),
                    "content_type": "image/jpeg",
                    "width_px": int(width),
                    "height_px": int(height),
                    "dpi": dpi,
                    "rule_set": self.rule_set.id,
                    "verdicts": verdicts,
                    "language": language,
                    "transfer": "pending",
                },
                now=now,
            )
            if approval is not None:
                self._record_approval(tx, photo_id, code, approval, now)
        logger.info(
            "photo %s accepted (id %s, %s, %d bytes, sha256 %s…)",
            code,
            photo_id,
            self.rule_set.id,
            len(jpeg),
            sha256[:12],
        )
        accepted = AcceptedPhoto(photo_id, code, sha256, path, len(jpeg), receipt_qr, False)
        return self._print_receipt(accepted, language, now, result.to_review, approval)

    def _record_approval(
        self, tx: Transaction, photo_id: str, code: str, approval: StaffApproval, now: datetime
    ) -> None:
        approved_at = rfc3339(approval.approved_at)
        self.approvals.insert(
            tx,
            PhotoApprovalRow(
                photo_id=photo_id,
                staff_id=approval.staff_id,
                signed_in_by=approval.signed_in_by,
                reason=approval.reason.value,
                rules_waived=approval.rules_waived,
                approved_at=approved_at,
            ),
        )
        self._outbox.append(
            tx,
            events.PHOTO,
            events.PHOTO_APPROVED,
            {
                "photo_id": photo_id,
                "code": code,
                "staff_id": approval.staff_id,
                "signed_in_by": approval.signed_in_by,
                "reason": approval.reason.value,
                "rules_waived": list(approval.rules_waived),
                "approved_at": approved_at,
            },
            now=now,
        )

    def _free_code(self, tx: Transaction) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = new_photo_code()
            if not self._repo.code_taken(tx, code):
                return code
        raise KioskError(f"no free photo code after {_CODE_ATTEMPTS} attempts")

    def _rule_set_name(self, catalog: Catalog | None) -> str:
        """The rule set's short name in the receipt's language (``photo.rules.<id>``); the
        rule set's own (English) title only when the catalogue lacks it."""
        key = f"photo.rules.{self.rule_set.id}"
        if catalog is not None and key in catalog.messages:
            return catalog.text(key)
        return self.rule_set.title

    def receipt_layout(
        self,
        photo: AcceptedPhoto,
        language: str,
        at: datetime,
        to_review: tuple[str, ...] = (),
        approval: StaffApproval | None = None,
    ) -> Ticket:
        """The receipt's paper layout in ``language`` (the ticket layout); an approved photo
        says that staff checked it, and why, instead of asking the counter to check."""
        catalog = self._catalogs.get(language)
        text = catalog.text if catalog is not None else _plain_text
        local = at.astimezone(self.settings.timezone)
        lines = [
            text("photo.receipt.taken_at", local.strftime("%Y-%m-%d %H:%M")),
            text("photo.receipt.rules", self._rule_set_name(catalog)),
        ]
        if approval is not None:
            reason = text(f"photo.review.reason.{approval.reason.value}")
            lines.append(text("photo.receipt.approved", reason, approval.staff_id))
        elif to_review:
            lines.append(text("photo.receipt.review"))
        return Ticket(
            header=self.settings.office_name.get(language, ""),
            title=text("photo.receipt.title"),
            number=photo.display_code,
            lines=tuple(lines),
            qr=photo.receipt_qr,
            footer=(text("photo.receipt.footer"),),
            language=language,  # the printer draws scripts its fonts lack
        )

    def _print_receipt(
        self,
        photo: AcceptedPhoto,
        language: str,
        at: datetime,
        to_review: tuple[str, ...],
        approval: StaffApproval | None,
    ) -> AcceptedPhoto:
        if self._printer is None:
            self._record_receipt(photo, printed=False, reason="no_printer")
            return photo
        layout = self.receipt_layout(photo, language, at, to_review, approval)
        try:
            with self._printer_lock:
                status = self._printer.print_ticket(layout)
        except PrinterError as exc:
            logger.warning("photo %s receipt not printed: %s (%s)", photo.code, exc, exc.health)
            if self._health is not None:
                self._health.report(PRINTER, exc.health)
            self._record_receipt(photo, printed=False, reason=exc.health.reason or "error")
            return _replace_receipt(photo, printed=False, problem=exc.health)
        if self._health is not None:
            self._health.report(PRINTER, status.health())
        self._record_receipt(photo, printed=True)
        return _replace_receipt(photo, printed=True, problem=None)

    def _record_receipt(self, photo: AcceptedPhoto, *, printed: bool, reason: str = "") -> None:
        with self._db.transaction() as tx:
            self._repo.set_receipt_state(tx, photo.id, "printed" if printed else "failed", reason)
            data: dict[str, object] = {"photo_id": photo.id, "code": photo.code}
            if not printed:
                data["reason"] = reason
            self._outbox.append(
                tx,
                events.PHOTO,
                events.PHOTO_RECEIPT_PRINTED if printed else events.PHOTO_RECEIPT_FAILED,
                data,
            )

    def pending_transfers(self) -> list[PhotoRow]:
        """Accepted photos whose image has not reached the server (``transfer_state``)."""
        return self._repo.pending_transfers()


def _replace_receipt(
    photo: AcceptedPhoto, *, printed: bool, problem: Health | None
) -> AcceptedPhoto:
    return AcceptedPhoto(
        photo.id,
        photo.code,
        photo.sha256,
        photo.path,
        photo.size_bytes,
        photo.receipt_qr,
        printed,
        problem,
    )


def _plain_text(message_id: str, *args: object) -> str:
    """Without a catalogue: the id and its arguments (tests without translations)."""
    return " ".join([message_id, *(str(a) for a in args)])


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

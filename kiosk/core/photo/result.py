"""What the booth's steps hand each other: the settings, a checked still, a stored photo.

:class:`PhotoResult` is one still's verdicts (or why it could not be cropped) and says what
the screen may offer: accept (:attr:`PhotoResult.acceptable`), or staff approval
(:attr:`PhotoResult.staff_reviewable`). :class:`AcceptedPhoto` is a photo stored and
committed with its event, whatever the receipt printer did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from kiosk.core.photo.checks import PhotoReport, VerdictStatus
from kiosk.core.photo.codes import format_photo_code
from kiosk.core.photo.detect import Image
from kiosk.core.photo.review import machine_problems, waivable_rules
from kiosk.devices.health import Health
from kiosk.errors import KioskError


class PhotoRefusedError(KioskError, ValueError):
    """Raised when a photo that did not pass its rules is offered for acceptance."""

    def __init__(self, problems: tuple[str, ...]):
        self.problems = problems
        super().__init__(f"photo refused: {', '.join(problems) or 'not checked'}")


@dataclass(frozen=True)
class PhotoSettings:
    """The booth's settings (from the ``[photo]`` config section).

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
        code: the photo code (9 symbols, see :func:`~kiosk.core.photo.codes.format_photo_code`).
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


__all__ = ["AcceptedPhoto", "PhotoRefusedError", "PhotoResult", "PhotoSettings"]

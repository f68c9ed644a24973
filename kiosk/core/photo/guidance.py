"""Live guidance from preview frames: what the citizen should do before the photo is taken.

One frame in, one :class:`Guidance` out, fast enough for the preview (see
``bench/photo_guidance.py``). The order of the advice is the order a person can act on it:
nobody there (or the light so wrong that nobody can be seen), too many people, distance (too
far / too close), position (off centre), light (too dark or bright on the face: staff are
asked, the citizen cannot fix it), blur (moving), eyes (closed or hidden), glasses (glare on
the lenses, tinted lenses), pose (tilted), then ok. Light, blur, eyes and glasses use the
rule set's own limits and the checks' measures, so the preview says "ok" only to what the
still will pass. The head is measured like the checks do (crown from the plain backdrop,
chin and sides from the landmarks), so "ok" means the still can be cropped to the rules.

Every sentence speaks to the person photographed (a child too), except when a helper is in
the frame: two faces, one centred and one beside it, get "Helper: please step out of the
picture" (``audience`` ``helper``); two people side by side are asked to come one at a time.

Directions are said from the citizen's point of view: the camera looks at them, so a face on
the image's left is a person standing too far to *their* right, who is asked to move left.
"""

from __future__ import annotations

import enum
import logging
import math
from dataclasses import dataclass

import numpy as np

from kiosk.core.photo.checks import measure_face
from kiosk.core.photo.crop import CropRefusedError, plan_crop
from kiosk.core.photo.detect import (
    FaceDetection,
    FaceDetector,
    HeadGeometry,
    Image,
    measure_head,
    to_gray,
)
from kiosk.core.photo.rules import RuleSet

logger = logging.getLogger(__name__)


class GuidanceState(enum.StrEnum):
    """What the preview shows."""

    NO_FACE = "no_face"
    TOO_MANY_FACES = "too_many_faces"
    TOO_FAR = "too_far"
    TOO_CLOSE = "too_close"
    OFF_CENTRE = "off_centre"
    LIGHTING = "lighting"
    BLURRED = "blurred"
    EYES_NOT_SEEN = "eyes_not_seen"
    GLASSES = "glasses"  # glare on the lenses, or tinted lenses
    TILTED = "tilted"
    CAMERA_MOVING = "camera_moving"  # a motorised mount brings the camera to eye level
    OK = "ok"


# Message ids in kiosk/i18n/{ja,en}.json.
MESSAGE_IDS: dict[str, str] = {
    "no_face": "photo.guide.no_face",
    "too_many_faces": "photo.guide.too_many_faces",
    "too_far": "photo.guide.move_closer",
    "too_close": "photo.guide.move_back",
    "move_left": "photo.guide.move_left",
    "move_right": "photo.guide.move_right",
    "move_up": "photo.guide.move_up",
    "move_down": "photo.guide.move_down",
    "tilted": "photo.guide.straighten",
    "lighting": "photo.guide.lighting",
    "blurred": "photo.guide.keep_still",
    "eyes_not_seen": "photo.guide.open_eyes",
    "glasses_glare": "photo.guide.glasses_glare",
    "glasses_tint": "photo.guide.glasses_tint",
    "helper": "photo.guide.helper_step_out",
    "ok": "photo.guide.hold_still",
}
# A second face beside a centred one is a helper (a parent holding a child, a carer): the
# centred face is the subject when it is this close to the middle (share of the width).
SUBJECT_CENTRE = 0.12


# Median grey of a frame with no face found, beyond which the light is blamed, not the person.
FRAME_WASHED_OUT = 245.0
FRAME_BLACK = 25.0

# A crop refused for lack of room on one side of the head: which way the person should move.
_CROP_ADVICE = {
    "top": "move_down",
    "bottom": "move_up",
    "left": "move_left",
    "right": "move_right",
}


@dataclass(frozen=True)
class GuidanceSettings:
    """Where the head must be in the preview frame.

    Attributes:
        head_min: smallest head (crown to chin) as a share of the frame height.
        head_max: largest head as a share of the frame height (the print's headroom and chin
            room must still fit in the frame).
        centre_tolerance: largest horizontal offset of the face centre, share of the width.
        vertical_band: the eye line must lie in this band of the frame height (top, bottom).
        max_roll_deg: largest eye-line tilt.
    """

    head_min: float = 0.40
    head_max: float = 0.62
    centre_tolerance: float = 0.08
    vertical_band: tuple[float, float] = (0.30, 0.55)
    max_roll_deg: float = 4.0

    @classmethod
    def for_rules(cls, rule_set: RuleSet) -> GuidanceSettings:
        """Settings whose roll limit is a little stricter than the rule set's (1° to spare)."""
        roll = rule_set.get("roll_deg")
        limit = roll.high if roll is not None and roll.high is not None else 5.0
        return cls(max_roll_deg=max(1.0, limit - 1.0))


@dataclass(frozen=True)
class Guidance:
    """Advice for one preview frame.

    Attributes:
        state: what is wrong (or ok).
        message_id: the catalogue id of the sentence to show.
        faces: faces found.
        head_fraction: head height as a share of the frame height (None without one face).
        offset_x: face centre offset, share of the width, positive = image right.
        roll_deg: eye-line tilt (None without two eyes).
        geometry: the measured head, for the outline on screen.
        audience: who the sentence speaks to: ``person`` (the one photographed, always but
            when a helper is in the frame) or ``helper``.
    """

    state: GuidanceState
    message_id: str
    faces: int
    head_fraction: float | None = None
    offset_x: float | None = None
    roll_deg: float | None = None
    geometry: HeadGeometry | None = None
    audience: str = "person"


class PhotoGuide:
    """Turns preview frames into :class:`Guidance`.

    Args:
        detector: the face detector (the same as the checks use).
        settings: where the head must be.
        rule_set: when given, "ok" also needs the frame to be croppable to its print
            (margins above, below and beside the head); the framing is judged, not the
            preview's resolution.
    """

    def __init__(
        self,
        detector: FaceDetector,
        settings: GuidanceSettings | None = None,
        rule_set: RuleSet | None = None,
    ) -> None:
        self.detector = detector
        self.settings = settings or GuidanceSettings()
        self.rule_set = rule_set

    def advise(self, frame: Image) -> Guidance:
        """The advice for one BGR (or grayscale) preview frame."""
        s = self.settings
        gray = to_gray(frame)
        detections = self.detector.detect(gray)
        if not detections:
            # NOTE: a blinding or black frame hides the person: say so, not "stand in front".
            level = float(np.median(gray))
            if level >= FRAME_WASHED_OUT or level <= FRAME_BLACK:
                return Guidance(GuidanceState.LIGHTING, MESSAGE_IDS["lighting"], 0)
            return Guidance(GuidanceState.NO_FACE, MESSAGE_IDS["no_face"], 0)
        height, width = frame.shape[:2]
        if len(detections) > 1:
            if self._helper_in_frame(detections, width):
                return Guidance(
                    GuidanceState.TOO_MANY_FACES,
                    MESSAGE_IDS["helper"],
                    len(detections),
                    audience="helper",
                )
            return Guidance(
                GuidanceState.TOO_MANY_FACES, MESSAGE_IDS["too_many_faces"], len(detections)
            )
        geometry = measure_head(frame, detections[0])
        head = geometry.head_height / height
        offset = (geometry.centre_x - width / 2) / width
        roll = geometry.roll_deg

        def advice(state: GuidanceState, key: str) -> Guidance:
            return Guidance(state, MESSAGE_IDS[key], 1, head, offset, roll, geometry)

        if head < s.head_min:
            return advice(GuidanceState.TOO_FAR, "too_far")
        if head > s.head_max or geometry.crown_y <= 0 or geometry.chin_y >= height - 1:
            return advice(GuidanceState.TOO_CLOSE, "too_close")
        if abs(offset) > s.centre_tolerance:
            # Face on the image's left = the person stands to their right: ask them to go left.
            return advice(GuidanceState.OFF_CENTRE, "move_left" if offset < 0 else "move_right")
        eye_band = geometry.eye_y / height
        if eye_band < s.vertical_band[0]:
            return advice(GuidanceState.OFF_CENTRE, "move_down")
        if eye_band > s.vertical_band[1]:
            return advice(GuidanceState.OFF_CENTRE, "move_up")
        if self.rule_set is not None and geometry.crown_found:
            try:
                plan_crop(geometry, width, height, self.rule_set, max_upscale=None)
            except CropRefusedError as exc:
                key = _CROP_ADVICE.get(exc.reason)
                if key is not None:
                    return advice(GuidanceState.OFF_CENTRE, key)
        face = measure_face(gray, detections[0])
        exposure = self._limits("exposure", (70.0, 210.0))
        if not exposure[0] <= face.exposure <= exposure[1]:
            return advice(GuidanceState.LIGHTING, "lighting")
        if face.sharpness < self._limits("sharpness", (60.0, math.inf))[0]:
            return advice(GuidanceState.BLURRED, "blurred")
        eyes_closed = (
            face.eyes_open is not None
            and face.eyes_open < self._limits("eyes_open", (0.16, math.inf))[0]
        )
        if face.eyes_visible < 2 or eyes_closed:
            return advice(GuidanceState.EYES_NOT_SEEN, "eyes_not_seen")
        if (
            face.lens_glare is not None
            and face.lens_glare > self._limits("lens_glare", (-math.inf, 0.02))[1]
        ):
            return advice(GuidanceState.GLASSES, "glasses_glare")
        if (
            face.lens_tint is not None
            and face.lens_tint < self._limits("lens_tint", (0.6, math.inf))[0]
        ):
            return advice(GuidanceState.GLASSES, "glasses_tint")
        if roll is not None and abs(roll) > s.max_roll_deg:
            return advice(GuidanceState.TILTED, "tilted")
        return advice(GuidanceState.OK, "ok")

    @staticmethod
    def _helper_in_frame(detections: list[FaceDetection], width: int) -> bool:
        """Two faces, one of them centred: the other is a helper (see :data:`SUBJECT_CENTRE`).
        Two people side by side, or three and more, are "one at a time"."""
        if len(detections) != 2:
            return False
        offsets = sorted(abs(d.face.cx - width / 2) / width for d in detections)
        return offsets[0] <= SUBJECT_CENTRE < offsets[1]

    def _limits(self, rule: str, default: tuple[float, float]) -> tuple[float, float]:
        """The rule set's range for ``rule`` (missing ends open), else ``default``."""
        found = self.rule_set.get(rule) if self.rule_set is not None else None
        if found is None:
            return default
        low = found.low if found.low is not None else -math.inf
        high = found.high if found.high is not None else math.inf
        return low, high

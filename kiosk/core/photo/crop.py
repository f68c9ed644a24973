"""Crop a still to the rule set's print size at its resolution (600 dpi), or refuse clearly.

The head measured in the still (crown from the backdrop, or by the Ministry's rule for
voluminous hair; chin and sides from the landmarks: the face outline and the ears, never the
hair) fixes the scale: the head is made as tall as the middle of the allowed crown-to-chin
range (Japan: 34 mm; ICAO: 75 % of the height), or smaller, down to 0.5 mm above the range's
floor, when the face and ears are so wide that the side margins would not fit. Hair beyond
the print's edges is trimmed, as the Ministry allows. The top margin is the middle
of what the rules allow once the head height is fixed (Japan: 2–6 mm on top and 5–9 mm
below, with 45 − 34 = 11 mm to share, gives 4 mm on top); without margin rules 40 % of the
spare height goes on top. The crop is
centred on the face's centre line.

When the crop would reach outside the still, it slides within the allowed margins; if that is
not enough the crop is refused with :class:`CropRefusedError`, saying which side lacks how many
pixels ("step back", "move to the left" for the guidance). A still too small for the print
(more than :data:`MAX_UPSCALE` times enlarged) is refused too.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PilImage

from kiosk.core.photo.detect import HeadGeometry, Image
from kiosk.core.photo.rules import RuleSet
from kiosk.errors import KioskError

logger = logging.getLogger(__name__)

MAX_UPSCALE = 4.0
DEFAULT_TOP_SHARE = 0.4
JPEG_QUALITY = 95


class CropRefusedError(KioskError, ValueError):
    """Raised when a still cannot be cropped to the rules (head too near an edge, too small)."""

    def __init__(self, reason: str, detail: str, *, short_px: float = 0.0) -> None:
        self.reason = reason
        self.short_px = short_px
        super().__init__(f"crop refused ({reason}): {detail}")


@dataclass(frozen=True)
class CropPlan:
    """Where the print lies in the still.

    Attributes:
        x: left edge in still pixels (float: sub-pixel).
        y: top edge.
        width: width in still pixels.
        height: height in still pixels.
        head_mm: head height the print will show.
        top_mm: top margin the print will show.
        scale: output pixels per still pixel.
    """

    x: float
    y: float
    width: float
    height: float
    head_mm: float
    top_mm: float
    scale: float


def _target_head_mm(rule_set: RuleSet) -> float:
    height_mm = rule_set.print_size.height_mm
    mm_rule = rule_set.get("head_height_mm")
    if mm_rule is not None and mm_rule.low is not None and mm_rule.high is not None:
        return (mm_rule.low + mm_rule.high) / 2
    ratio = rule_set.get("head_height_ratio")
    if ratio is not None and ratio.low is not None and ratio.high is not None:
        return (ratio.low + ratio.high) / 2 * height_mm
    return 0.75 * height_mm


# Kept between the head and a rule's limit when the head is made smaller for wide hair: the
# chin and sides are measured to about ±0.5 mm (bench/photo_guidance.py).
SIDE_SAFETY_MM = 0.4
HEAD_SAFETY_MM = 0.5


def _head_mm(geometry: HeadGeometry, rule_set: RuleSet) -> float:
    """The head height to print: the middle of the range, smaller when the head (with
    landmarks: the face and ears; without: the head with its hair) is so wide that the side
    margins would not fit, but never below the range (then the side margin check fails
    honestly)."""
    target = _target_head_mm(rule_set)
    side = rule_set.get("side_margin_mm")
    head_rule = rule_set.get("head_height_mm")
    width_px = geometry.right_x - geometry.left_x
    if side is None or side.low is None or not width_px > 0:
        return target
    room_mm = rule_set.print_size.width_mm - 2 * (side.low + SIDE_SAFETY_MM)
    widest = room_mm * geometry.head_height / width_px
    floor = head_rule.low + HEAD_SAFETY_MM if head_rule and head_rule.low is not None else 0.0
    return max(min(target, widest), min(target, floor))


def _top_range_mm(rule_set: RuleSet, head_mm: float) -> tuple[float, float]:
    """The top margins (mm) that keep both top and bottom margins inside their rules."""
    spare = rule_set.print_size.height_mm - head_mm
    low, high = 0.0, spare
    top = rule_set.get("top_margin_mm")
    if top is not None:
        low = max(low, top.low if top.low is not None else low)
        high = min(high, top.high if top.high is not None else high)
    bottom = rule_set.get("bottom_margin_mm")
    if bottom is not None:
        if bottom.high is not None:
            low = max(low, spare - bottom.high)
        if bottom.low is not None:
            high = min(high, spare - bottom.low)
    if low > high:
        return spare * DEFAULT_TOP_SHARE, spare * DEFAULT_TOP_SHARE
    if top is None and bottom is None:
        preferred = spare * DEFAULT_TOP_SHARE
        return preferred, preferred
    return low, high


def plan_crop(
    geometry: HeadGeometry,
    image_width: int,
    image_height: int,
    rule_set: RuleSet,
    *,
    max_upscale: float | None = MAX_UPSCALE,
) -> CropPlan:
    """Where to cut the print from a still of ``image_width`` x ``image_height`` px.

    ``max_upscale`` None skips the resolution check (guidance on low-resolution preview
    frames asks only whether the framing would do).

    Raises:
        CropRefusedError: the head is not measured, is cut off at the top, or the still lacks
            margin on a side, or the head is too small to print at the rule set's resolution.
    """
    size = rule_set.print_size
    head_px = geometry.head_height
    if not head_px > 0:
        raise CropRefusedError("no_head", f"head height {head_px:.1f} px")
    if not geometry.crown_found:
        raise CropRefusedError(
            "crown_not_found", "the top of the head is not visible against a plain backdrop"
        )
    head_mm = _head_mm(geometry, rule_set)
    px_per_mm = head_px / head_mm
    width_px, height_px = size.width_mm * px_per_mm, size.height_mm * px_per_mm
    scale = size.height_px / height_px
    if max_upscale is not None and scale > max_upscale:
        raise CropRefusedError(
            "too_small",
            f"head {head_px:.0f} px tall would be enlarged {scale:.1f}x (at most {max_upscale:g}x)",
        )
    top_low, top_high = _top_range_mm(rule_set, head_mm)
    preferred_top = (top_low + top_high) / 2
    # y of the print's top edge for a top margin t: crown_y - t * px_per_mm.
    y_pref = geometry.crown_y - preferred_top * px_per_mm
    y_min = geometry.crown_y - top_high * px_per_mm  # the most headroom allowed
    y_max = geometry.crown_y - top_low * px_per_mm
    y = min(max(y_pref, max(y_min, 0.0)), y_max)
    if y < 0:
        raise CropRefusedError("top", f"needs {-y:.0f} px more above the head", short_px=-y)
    if y + height_px > image_height:
        short = y + height_px - image_height
        # Slide up as far as the top margin allows.
        y_up = max(y_min, 0.0)
        if y_up + height_px > image_height:
            raise CropRefusedError(
                "bottom", f"needs {short:.0f} px more below the chin", short_px=short
            )
        y = max(y_up, image_height - height_px)
    side = rule_set.get("side_margin_mm")
    side_px = (side.low or 0.0) * px_per_mm if side is not None else 0.0
    x = geometry.centre_x - width_px / 2
    if x < 0 or x + width_px > image_width:
        # Slide sideways while the head keeps its side margins inside the print.
        lo = max(0.0, geometry.right_x + side_px - width_px)
        hi = min(image_width - width_px, geometry.left_x - side_px)
        offset = rule_set.get("centre_offset_ratio")
        max_off = (offset.high or 0.0) * width_px if offset is not None else width_px
        lo = max(lo, geometry.centre_x - width_px / 2 - max_off)
        hi = min(hi, geometry.centre_x - width_px / 2 + max_off)
        if lo > hi:
            which = "left" if x < 0 else "right"
            short = -x if x < 0 else x + width_px - image_width
            raise CropRefusedError(
                which, f"needs {short:.0f} px more on the {which} of the head", short_px=short
            )
        x = min(max(x, lo), hi)
    top_mm = (geometry.crown_y - y) / px_per_mm
    return CropPlan(x, y, width_px, height_px, head_mm, top_mm, scale)


def crop_still(image: Image, geometry: HeadGeometry, rule_set: RuleSet) -> Image:
    """The print, cut from ``image`` and resampled to the rule set's pixel size.

    Raises:
        CropRefusedError: see :func:`plan_crop`.
    """
    height, width = image.shape[:2]
    return cut_print(image, plan_crop(geometry, width, height, rule_set), rule_set)


def cut_print(image: Image, plan: CropPlan, rule_set: RuleSet) -> Image:
    """The print ``plan`` places in ``image``, resampled to the rule set's pixel size."""
    out_w, out_h = rule_set.print_size.width_px, rule_set.print_size.height_px
    # An affine warp keeps the sub-pixel position exactly (no rounding of the crop box).
    sx, sy = out_w / plan.width, out_h / plan.height
    matrix = np.array([[sx, 0.0, -plan.x * sx], [0.0, sy, -plan.y * sy]], np.float32)
    interpolation = cv2.INTER_AREA if plan.scale < 1 else cv2.INTER_CUBIC
    out = cv2.warpAffine(
        image, matrix, (out_w, out_h), flags=interpolation, borderMode=cv2.BORDER_REPLICATE
    )
    logger.info(
        "photo crop %s: %dx%d px from (%.0f, %.0f) %.0fx%.0f, head %.1f mm, top %.1f mm",
        rule_set.id,
        out_w,
        out_h,
        plan.x,
        plan.y,
        plan.width,
        plan.height,
        plan.head_mm,
        plan.top_mm,
    )
    return np.asarray(out, dtype=np.uint8)


def encode_jpeg(image: Image, dpi: int) -> bytes:
    """JPEG bytes of a BGR image with its print resolution in the JFIF header."""
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image
    buffer = io.BytesIO()
    PilImage.fromarray(rgb).save(buffer, format="JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
    return buffer.getvalue()


def write_jpeg(image: Image, path: Path, dpi: int) -> None:
    """Write ``image`` as a JPEG with ``dpi`` in its header."""
    path.write_bytes(encode_jpeg(image, dpi))

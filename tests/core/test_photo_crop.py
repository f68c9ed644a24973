"""The crop puts head height and margins inside the rules, or refuses clearly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.photo.checks import VerdictStatus, check_photo
from kiosk.core.photo.crop import CropRefusedError, crop_still, plan_crop
from kiosk.core.photo.detect import BackdropModel, Box, FaceDetection, HeadGeometry, measure_head
from kiosk.core.photo.rules import load_rule_set
from simulators.camera.scene import passport_still
from tests.core.photo_support import DETECTOR

JP = load_rule_set("jp-passport")
ICAO = load_rule_set("icao")


@pytest.mark.parametrize("rule_set_id", ["jp-passport", "icao"])
def test_the_true_head_height_and_margins_of_the_crop_are_inside_the_rules(
    rule_set_id: str,
) -> None:
    rule_set = load_rule_set(rule_set_id)
    still, truth = passport_still(width=2048, height=1536, scale=1.9)
    geometry = measure_head(still, DETECTOR.detect(still)[0])
    plan = plan_crop(geometry, 2048, 1536, rule_set)
    mm_per_px = rule_set.print_size.height_mm / plan.height
    head_mm = (truth.chin[1] - truth.crown[1]) * mm_per_px
    top_mm = (truth.crown[1] - plan.y) * mm_per_px
    bottom_mm = (plan.y + plan.height - truth.chin[1]) * mm_per_px
    left_mm = (truth.head_left - plan.x) * mm_per_px
    right_mm = (plan.x + plan.width - truth.head_right) * mm_per_px
    if rule_set.id == "jp-passport":
        assert 32 <= head_mm <= 36
        assert 2 <= top_mm <= 6
        assert 5 <= bottom_mm <= 9
        assert min(left_mm, right_mm) >= 2
    else:
        assert 0.70 <= head_mm / 45 <= 0.80
    assert abs(left_mm - right_mm) < 0.5


def test_the_written_crop_is_827_by_1063_px_and_measures_inside_the_rules() -> None:
    still, _ = passport_still(width=2048, height=1536, scale=1.9)
    crop = crop_still(still, measure_head(still, DETECTOR.detect(still)[0]), JP)
    assert crop.shape == (1063, 827, 3)
    report = check_photo(crop, JP, DETECTOR)
    geometry_rules = ("head_height_mm", "top_margin_mm", "bottom_margin_mm", "side_margin_mm")
    assert [report.verdict(n).status for n in geometry_rules] == [VerdictStatus.PASS] * 4


def test_a_head_at_the_top_edge_is_refused_for_lack_of_headroom() -> None:
    still, _ = passport_still(width=2048, height=1536, scale=1.9, cy=300)
    geometry = measure_head(still, DETECTOR.detect(still)[0])
    with pytest.raises(CropRefusedError, match=r"crown_not_found|top") as caught:
        crop_still(still, geometry, JP)
    assert caught.value.reason in ("crown_not_found", "top")


def test_a_head_at_the_left_edge_is_refused_naming_the_side() -> None:
    still, _ = passport_still(width=2048, height=1536, scale=1.9, cx=230)
    geometry = measure_head(still, DETECTOR.detect(still)[0])
    with pytest.raises(CropRefusedError, match="more on the left") as caught:
        crop_still(still, geometry, JP)
    assert caught.value.reason == "left"


def test_a_head_too_small_to_print_at_600_dpi_is_refused() -> None:
    still, _ = passport_still(width=1280, height=960, scale=0.55)
    geometry = measure_head(still, DETECTOR.detect(still)[0])
    with pytest.raises(CropRefusedError, match="enlarged") as caught:
        crop_still(still, geometry, JP)
    assert caught.value.reason == "too_small"


def geometry_from(
    crown: float, head: float, centre: float, half_width: float, found: bool
) -> HeadGeometry:
    face = FaceDetection(Box(round(centre - half_width), round(crown + head * 0.2), 10, 10))
    backdrop = BackdropModel((230.0, 230.0, 230.0), 1.0, 230.0)
    return HeadGeometry(
        face,
        crown,
        found,
        crown + head,
        centre - half_width,
        centre + half_width,
        centre,
        0.0,
        100.0,
        backdrop,
    )


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(200, 5000),
    height=st.integers(200, 4000),
    crown=st.floats(-500, 4000),
    head=st.floats(1, 3000),
    centre=st.floats(-500, 5500),
    half_width=st.floats(1, 1500),
    found=st.booleans(),
    rule_set_id=st.sampled_from(["jp-passport", "icao"]),
)
def test_any_detection_gives_a_crop_inside_the_image_or_a_clear_refusal(
    width: int,
    height: int,
    crown: float,
    head: float,
    centre: float,
    half_width: float,
    found: bool,
    rule_set_id: str,
) -> None:
    rule_set = JP if rule_set_id == "jp-passport" else ICAO
    geometry = geometry_from(crown, head, centre, half_width, found)
    try:
        plan = plan_crop(geometry, width, height, rule_set)
    except CropRefusedError as exc:
        assert exc.reason in {
            "no_head",
            "crown_not_found",
            "too_small",
            "top",
            "bottom",
            "left",
            "right",
        }
        assert str(exc).startswith(f"crop refused ({exc.reason}): ")
        return
    eps = 1e-6
    assert plan.x >= -eps and plan.y >= -eps
    assert plan.x + plan.width <= width + eps
    assert plan.y + plan.height <= height + eps
    mm = rule_set.print_size.height_mm / plan.height
    head_mm = head * mm
    top_mm = (crown - plan.y) * mm
    bottom_mm = (plan.y + plan.height - crown - head) * mm
    if rule_set is JP:
        assert 32 - eps <= head_mm <= 36 + eps
        assert 2 - eps <= top_mm <= 6 + eps
        assert 5 - eps <= bottom_mm <= 9 + eps
    else:
        assert 0.70 - eps <= head_mm / 45 <= 0.80 + eps

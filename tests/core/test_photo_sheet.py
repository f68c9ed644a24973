"""The print sheet: copies of the checked print, unscaled, on photo paper with cut marks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image as PilImage

from kiosk.core.photo.rules import PrintSize, load_rule_set
from kiosk.core.photo.sheet import PAPERS, SheetError, plan_sheet, render_sheet
from kiosk.photo_cli import EXIT_FAIL, EXIT_PASS, main

SIZE = load_rule_set("jp-passport").print_size


def _print() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (SIZE.height_px, SIZE.width_px, 3), dtype=np.uint8)


def test_an_l_sheet_holds_four_passport_prints_each_pixel_for_pixel() -> None:
    layout = plan_sheet(SIZE, "L")
    image = _print()
    sheet = render_sheet(image, layout)

    assert sheet.shape[:2] == (round(127 / 25.4 * 600), round(89 / 25.4 * 600))
    assert len(layout.origins) == 4
    for x, y in layout.origins:
        assert np.array_equal(sheet[y : y + SIZE.height_px, x : x + SIZE.width_px], image)
    # Cut marks are drawn (grey) and lie outside every copy.
    grey = np.argwhere(np.all(sheet == 170, axis=2))
    assert len(grey) > 0
    for x, y in layout.origins:
        inside = (grey[:, 1] >= x) & (grey[:, 1] < x + SIZE.width_px)
        inside &= (grey[:, 0] >= y) & (grey[:, 0] < y + SIZE.height_px)
        assert not inside.any()


@given(
    paper=st.sampled_from(sorted(PAPERS)),
    width_mm=st.integers(20, 60),
    height_mm=st.integers(25, 70),
)
def test_copies_never_overlap_and_stay_inside_the_paper_or_are_refused(
    paper: str, width_mm: int, height_mm: int
) -> None:
    size = PrintSize(width_mm, height_mm, 300)
    try:
        layout = plan_sheet(size, paper)
    except SheetError:
        short, long_ = PAPERS[paper]
        assert min(width_mm, height_mm) > short - 6 or max(width_mm, height_mm) > long_ - 6
        return
    w, h = layout.copy_size
    boxes = [(x, y, x + w, y + h) for x, y in layout.origins]
    for x0, y0, x1, y1 in boxes:
        assert x0 >= 0 and y0 >= 0 and x1 <= layout.width_px and y1 <= layout.height_px
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_more_copies_than_fit_and_a_wrong_sized_print_are_refused_clearly() -> None:
    with pytest.raises(SheetError, match="5 copies asked, 4 fit on L"):
        plan_sheet(SIZE, "L", copies=5)
    with pytest.raises(SheetError, match="crop it to the rule set first"):
        render_sheet(np.zeros((100, 80, 3), np.uint8), plan_sheet(SIZE, "L"))


def test_kiosk_photo_sheet_writes_a_600_dpi_jpeg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "print.png", tmp_path / "sheet.jpg"
    cv2.imwrite(str(src), _print())
    assert main(["sheet", str(src), str(out), "--paper", "KG", "--copies", "2"]) == EXIT_PASS
    with PilImage.open(out) as image:
        assert image.info["dpi"] == (600, 600)
        assert image.size == (round(102 / 25.4 * 600), round(152 / 25.4 * 600))
    assert "2 copies on KG paper" in capsys.readouterr().out
    cv2.imwrite(str(src), np.zeros((50, 40, 3), np.uint8))
    assert main(["sheet", str(src), str(out)]) == EXIT_FAIL

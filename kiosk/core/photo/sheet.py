"""The print sheet: copies of an accepted print laid out on photo paper, with cut marks.

A city that prints the photos (a photo printer at the counter, or a print shop) gets one
sheet: as many copies of the 35 × 45 mm print as fit on the paper with a gap between them for
the scissors, thin grey cut marks in the gaps, and nothing scaled — every copy is the print's
own pixels at the rule set's resolution, so what was checked is what is printed. The sheet is
the paper's size at the same dpi (a JPEG with that dpi in its header).

Papers are the common photo sizes sold in Japan and Europe (:data:`PAPERS`); both orientations
are tried and the one that holds more copies wins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from kiosk.core.photo.detect import Image
from kiosk.core.photo.rules import PrintSize
from kiosk.errors import KioskError

logger = logging.getLogger(__name__)

# (width, height) in mm, portrait.
PAPERS: dict[str, tuple[float, float]] = {
    "L": (89.0, 127.0),  # the usual Japanese photo print
    "KG": (102.0, 152.0),  # 4 x 6 inch
    "2L": (127.0, 178.0),
    "A6": (105.0, 148.0),
}
GAP_MM = 3.0  # between copies: room for one cut on each side of the mark
EDGE_MM = 3.0  # printers do not print to the edge
MARK_GREY = 170
SHEET_WHITE = 255


class SheetError(KioskError, ValueError):
    """Raised when the print does not fit the paper at all, or the paper is unknown."""


@dataclass(frozen=True)
class SheetLayout:
    """Where the copies go.

    Attributes:
        paper: paper name.
        width_px: sheet width.
        height_px: sheet height.
        origins: top-left corner of each copy, px.
        copy_size: (width, height) of one copy, px.
    """

    paper: str
    width_px: int
    height_px: int
    origins: tuple[tuple[int, int], ...]
    copy_size: tuple[int, int]


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def plan_sheet(size: PrintSize, paper: str = "L", copies: int | None = None) -> SheetLayout:
    """Lay out copies of a ``size`` print on ``paper``: as many as fit, or ``copies``.

    Raises:
        SheetError: unknown paper, no copy fits, or fewer fit than ``copies``.
    """
    if paper not in PAPERS:
        raise SheetError(f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}")
    if copies is not None and copies < 1:
        raise SheetError(f"copies must be at least 1, not {copies}")
    dpi = size.dpi
    copy_w, copy_h = size.width_px, size.height_px
    gap, edge = _px(GAP_MM, dpi), _px(EDGE_MM, dpi)
    best: SheetLayout | None = None
    short, long_ = PAPERS[paper]
    for width_mm, height_mm in ((short, long_), (long_, short)):
        width, height = _px(width_mm, dpi), _px(height_mm, dpi)
        columns = max(0, (width - 2 * edge + gap) // (copy_w + gap))
        rows = max(0, (height - 2 * edge + gap) // (copy_h + gap))
        if columns * rows == 0:
            continue
        # The block of copies is centred on the paper.
        left = (width - (columns * copy_w + (columns - 1) * gap)) // 2
        top = (height - (rows * copy_h + (rows - 1) * gap)) // 2
        origins = tuple(
            (left + c * (copy_w + gap), top + r * (copy_h + gap))
            for r in range(rows)
            for c in range(columns)
        )
        if best is None or len(origins) > len(best.origins):
            best = SheetLayout(paper, width, height, origins, (copy_w, copy_h))
    if best is None:
        raise SheetError(f"a {size.width_mm:g} x {size.height_mm:g} mm print does not fit {paper}")
    if copies is not None:
        if copies > len(best.origins):
            raise SheetError(f"{copies} copies asked, {len(best.origins)} fit on {paper}")
        best = SheetLayout(
            best.paper, best.width_px, best.height_px, best.origins[:copies], best.copy_size
        )
    return best


def render_sheet(print_image: Image, layout: SheetLayout) -> Image:
    """The sheet: white paper, the print's own pixels at each origin, cut marks in the gaps.

    Raises:
        SheetError: the image is not the size the layout was planned for.
    """
    copy_w, copy_h = layout.copy_size
    if print_image.shape[:2] != (copy_h, copy_w):
        raise SheetError(
            f"the print is {print_image.shape[1]}x{print_image.shape[0]} px; the sheet was "
            f"planned for {copy_w}x{copy_h} px (crop it to the rule set first)"
        )
    sheet = np.full((layout.height_px, layout.width_px, 3), SHEET_WHITE, np.uint8)
    mark = max(1, layout.width_px // 1000)  # a hair line at 600 dpi
    reach = copy_w // 12
    # Corner ticks on the lines to cut along, drawn first: the copies pasted after them cover
    # any tick that would reach into a neighbour, so every copy stays the print's own pixels.
    for x, y in layout.origins:
        for cx in (x, x + copy_w):
            sheet[max(0, y - reach) : max(0, y - 2), cx : cx + mark] = MARK_GREY
            sheet[y + copy_h + 2 : y + copy_h + reach, cx : cx + mark] = MARK_GREY
        for cy in (y, y + copy_h):
            sheet[cy : cy + mark, max(0, x - reach) : max(0, x - 2)] = MARK_GREY
            sheet[cy : cy + mark, x + copy_w + 2 : x + copy_w + reach] = MARK_GREY
    for x, y in layout.origins:
        sheet[y : y + copy_h, x : x + copy_w] = print_image
    logger.info(
        "photo sheet %s: %d copies on %dx%d px",
        layout.paper,
        len(layout.origins),
        layout.width_px,
        layout.height_px,
    )
    return sheet

"""Screenshots of the photo booth's staff review screens in every language, into
``screenshots/`` (git-ignored), checked for split words like every screenshot walk
(tests/ui/test_screenshots.py); tests/ui/test_plain_text.py runs the walk again.
"""

# ruff: noqa: F401, F811 - config, splits and make_full_kiosk are fixtures

from __future__ import annotations

from pytestqt.qtbot import QtBot

import tests.ui.test_screenshots as screenshots
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.ui.photo_view_model import PhotoScreen
from tests.ui.conftest import HANDOVER_STAFF_ID
from tests.ui.full_kiosk_support import FullKioskFactory, make_full_kiosk
from tests.ui.line_breaks import SplitWord
from tests.ui.screen_support import find_item, tap
from tests.ui.test_photo_staff_review import STEP_MS, CoveredHeadBooth, _covered_result, _type
from tests.ui.test_screenshots import config, splits


def test_the_staff_review_screens_are_captured_in_each_language(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory, splits: list[SplitWord]
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    ui.view_model.setLanguage(screenshots.JOURNEY_LANGUAGE)
    qtbot.waitUntil(
        lambda: find_item(ui, "photoResultImage").property("paintedWidth") > 0, timeout=STEP_MS
    )
    screenshots._shot(ui, splits, "p10-result-head-covering")

    tap(qtbot, ui, "photoStaffReviewButton")
    _type(qtbot, kiosk, HANDOVER_STAFF_ID)
    tap(qtbot, ui, "photoStaffOk")
    _type(qtbot, kiosk, "00")
    screenshots._shot(ui, splits, "p11-staff-sign-in")

    vm.on_scanned_code(
        ScannedCode(text=kiosk.staff_card("s-12"), source="scanner", received_mono=0.0)
    )
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)
    tap(qtbot, ui, "photoReviewReason_religious")
    screenshots._shot(ui, splits, "p12-staff-review")
    tap(qtbot, ui, "photoReviewBack")

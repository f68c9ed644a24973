"""Staff review of an ID photo on the real screen (issue 12): the result offers staff approval
for a photo whose only problem is the person-checked head-covering rule; staff sign in with the
hand-over's staff number and PIN (or card), choose a reason and approve; the photo is stored
with the approval. A photo failing a machine-checked rule offers nothing of the kind.

The booth is the real one on the camera simulator, with a detector that "sees" a head covering
on every face (its head-covering verdict is ``fail``): the shipped rule is left to a person.
"""

# ruff: noqa: F401, F811 - make_full_kiosk is a fixture, imported from full_kiosk_support

from __future__ import annotations

import time
from dataclasses import replace

from pytestqt.qtbot import QtBot

from kiosk.core import events
from kiosk.core.photo.checks import VerdictStatus
from kiosk.core.photo.detect import Image
from kiosk.core.photo.session import PhotoBoothService, PhotoResult
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.store.photo_approvals import PhotoApprovalRow
from kiosk.ui.photo_view_model import PhotoScreen
from simulators.camera.simulator import SESSION
from tests.ui.conftest import HANDOVER_STAFF_ID, HANDOVER_STAFF_PIN
from tests.ui.full_kiosk_support import FullKiosk, FullKioskFactory, make_full_kiosk, shown_texts
from tests.ui.screen_support import find_item, item_text, tap

STEP_MS = 15_000
GOOD = next(s for s in SESSION if s.name == "good")
EYES_CLOSED = next(s for s in SESSION if s.name == "eyes_closed")


class CoveredHeadBooth(PhotoBoothService):
    """The booth as if its detector saw a head covering on every checked face."""

    def capture(self, still: Image) -> PhotoResult:
        result = super().capture(still)
        if result.report is None:
            return result
        verdicts = tuple(
            replace(v, status=VerdictStatus.FAIL) if v.rule.name == "head_covering" else v
            for v in result.report.verdicts
        )
        return replace(result, report=replace(result.report, verdicts=verdicts))


def _photo_events(kiosk: FullKiosk) -> list[tuple[str, dict[str, object]]]:
    return [
        (e.type, e.payload["data"])
        for e in kiosk.parts.outbox.pending(limit=1000)
        if e.category == events.PHOTO
    ]


def _covered_result(qtbot: QtBot, kiosk: FullKiosk, *, blink: bool = False) -> None:
    kiosk.ui.view_model.setLanguage("en")
    kiosk.camera_sim.hold(GOOD)
    if blink:
        kiosk.camera_sim.at_next_still(EYES_CLOSED)
    kiosk.photo.open()
    qtbot.waitUntil(lambda: kiosk.photo.current_screen is PhotoScreen.RESULT, timeout=STEP_MS)


def _type(qtbot: QtBot, kiosk: FullKiosk, digits: str) -> None:
    for digit in digits:
        tap(qtbot, kiosk.ui, f"photoStaffKey_{digit}")


def test_staff_sign_in_with_number_and_pin_approve_a_head_covering_and_the_photo_is_stored(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    assert vm.property("passed") is False
    assert vm.property("problemKeys") == ["photo.problem.head_covering"]
    assert not find_item(ui, "photoAcceptButton").isVisible()
    assert find_item(ui, "photoStaffNote").isVisible()

    tap(qtbot, ui, "photoStaffReviewButton")
    assert vm.current_screen is PhotoScreen.STAFF
    _type(qtbot, kiosk, HANDOVER_STAFF_ID)
    tap(qtbot, ui, "photoStaffOk")
    _type(qtbot, kiosk, HANDOVER_STAFF_PIN)
    assert item_text(ui, "photoStaffValue_pin") == "●" * len(HANDOVER_STAFF_PIN)
    tap(qtbot, ui, "photoStaffOk")
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)

    assert item_text(ui, "photoReviewer") == f"Reviewed by staff {HANDOVER_STAFF_ID}"
    assert "• Hat or head covering" in shown_texts(ui)
    assert not find_item(ui, "photoReviewApprove").isEnabled()  # a reason first
    tap(qtbot, ui, "photoReviewReason_religious")
    with qtbot.waitSignal(vm.photoFinished, timeout=STEP_MS) as finished:
        tap(qtbot, ui, "photoReviewApprove")
    photo = finished.args[0]

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.RECEIPT, timeout=STEP_MS)
    assert (vm.property("reviewerId"), vm.property("staffId")) == ("", "")  # signed out
    approval = kiosk.photo_service.approvals.get(photo.id)
    assert approval is not None
    assert (approval.staff_id, approval.signed_in_by, approval.reason, approval.rules_waived) == (
        HANDOVER_STAFF_ID,
        "pin",
        "religious",
        ("head_covering",),
    )
    types = [t for t, _ in _photo_events(kiosk)]
    assert types == [events.PHOTO_CAPTURED, events.PHOTO_APPROVED, events.PHOTO_RECEIPT_PRINTED]
    approved = dict(_photo_events(kiosk))[events.PHOTO_APPROVED]
    assert (approved["staff_id"], approved["reason"], approved["rules_waived"]) == (
        HANDOVER_STAFF_ID,
        "religious",
        ["head_covering"],
    )
    with kiosk.parts.db.reading() as conn:  # the sign-in started no hand-over
        assert conn.execute("SELECT COUNT(*) FROM handover").fetchone()[0] == 0


def test_a_wrong_staff_pin_is_refused_on_the_screen_and_counts_against_the_staff_keypad(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    tap(qtbot, ui, "photoStaffReviewButton")
    _type(qtbot, kiosk, HANDOVER_STAFF_ID)
    tap(qtbot, ui, "photoStaffOk")
    _type(qtbot, kiosk, "0000")
    tap(qtbot, ui, "photoStaffOk")

    qtbot.waitUntil(lambda: vm.property("staffErrorKey") != "", timeout=STEP_MS)

    assert vm.current_screen is PhotoScreen.STAFF
    assert item_text(ui, "photoStaffError") == (
        "This staff card or PIN is not accepted here. Try again or ask the office manager."
    )
    assert vm.property("staffPinMask") == ""  # the wrong PIN is not kept
    failed = [
        e.payload["data"]
        for e in kiosk.parts.outbox.pending(limit=1000)
        if e.type == "handover.pin_failed"
    ]
    assert failed == [{"staff_id": HANDOVER_STAFF_ID, "keypad": "staff"}]
    assert _photo_events(kiosk) == []


def test_a_staff_card_scanned_on_the_sign_in_screen_signs_in_for_the_photo_not_a_loading(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    card = kiosk.staff_card("s-12")
    assert vm.wants_code(card) is False  # only while the staff sign-in is shown
    tap(qtbot, ui, "photoStaffReviewButton")
    assert vm.wants_code(card) is True

    vm.on_scanned_code(ScannedCode(text=card, source="scanner", received_mono=time.monotonic()))
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)

    assert item_text(ui, "photoReviewer") == "Reviewed by staff s-12"
    tap(qtbot, ui, "photoReviewReason_medical")
    with qtbot.waitSignal(vm.photoFinished, timeout=STEP_MS) as finished:
        tap(qtbot, ui, "photoReviewApprove")
    approval = kiosk.photo_service.approvals.get(finished.args[0].id)
    assert approval is not None
    assert (approval.staff_id, approval.signed_in_by, approval.reason) == (
        "s-12",
        "card",
        "medical",
    )
    assert kiosk.handover.current_screen.value == ""  # the hand-over never saw the card


def test_without_staff_pins_the_sign_in_asks_for_the_card_and_shows_no_keypad(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth, card_only=True)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    tap(qtbot, ui, "photoStaffReviewButton")

    assert vm.property("staffKeypad") is False
    assert "Scan your staff card." in shown_texts(ui)
    assert not find_item(ui, "photoStaffKey_1").isVisible()
    assert not find_item(ui, "photoStaffOk").isVisible()
    vm.pressStaffDigit("1")
    vm.selectStaffField("pin")
    vm.pressStaffDigit("2")
    vm.submitStaff()  # nothing to sign in with
    assert (vm.current_screen, vm.property("busy")) == (PhotoScreen.STAFF, False)
    vm.on_scanned_code(
        ScannedCode(text=kiosk.staff_card("s-12"), source="scanner", received_mono=0.0)
    )
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)
    assert vm.property("reviewerId") == "s-12"


def test_a_passed_photo_leaves_the_head_covering_to_staff_who_may_approve_it_at_the_kiosk(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk()  # the shipped rule: head covering left to a person (review)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    assert vm.property("passed") is True
    assert vm.last_result is not None and vm.last_result.to_review == ("head_covering",)
    assert find_item(ui, "photoAcceptButton").isVisible()  # the citizen may accept alone
    assert find_item(ui, "photoStaffReviewButton").isVisible()
    assert not find_item(ui, "photoStaffNote").isVisible()  # the note is for failed photos

    tap(qtbot, ui, "photoStaffReviewButton")
    vm.on_scanned_code(
        ScannedCode(text=kiosk.staff_card("s-12"), source="scanner", received_mono=0.0)
    )
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)
    tap(qtbot, ui, "photoReviewReason_medical")
    with qtbot.waitSignal(vm.photoFinished, timeout=STEP_MS) as finished:
        tap(qtbot, ui, "photoReviewApprove")

    approval = kiosk.photo_service.approvals.get(finished.args[0].id)
    assert approval is not None
    assert (approval.staff_id, approval.reason, approval.rules_waived) == (
        "s-12",
        "medical",
        ("head_covering",),
    )
    captured = dict(_photo_events(kiosk))[events.PHOTO_CAPTURED]
    verdicts = captured["verdicts"]
    assert isinstance(verdicts, dict)
    assert (verdicts["failed"], verdicts["review"], verdicts["waived"]) == (
        [],
        ["head_covering"],
        ["head_covering"],
    )


def test_a_photo_failing_a_machine_checked_rule_offers_no_staff_approval(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk, blink=True)
    # The landmarks find the closed eyes and read the lids shut: eyes_open, a machine rule.
    assert "photo.problem.eyes_open" in vm.property("problemKeys")

    assert vm.property("staffReviewOffered") is False
    assert not find_item(ui, "photoStaffReviewButton").isVisible()
    assert not find_item(ui, "photoStaffNote").isVisible()
    vm.openStaffReview()  # refused: nothing happens
    assert vm.current_screen is PhotoScreen.RESULT


def test_back_on_the_review_signs_the_staff_member_out_and_shows_the_result_again(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    tap(qtbot, ui, "photoStaffReviewButton")
    vm.on_scanned_code(
        ScannedCode(text=kiosk.staff_card("s-12"), source="scanner", received_mono=0.0)
    )
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)
    tap(qtbot, ui, "photoReviewReason_religious")

    tap(qtbot, ui, "photoReviewBack")

    assert vm.current_screen is PhotoScreen.RESULT
    assert (vm.property("reviewerId"), vm.property("reviewReason")) == ("", "")
    vm.approve()  # nobody is signed in any more: nothing happens
    assert vm.current_screen is PhotoScreen.RESULT
    assert _photo_events(kiosk) == []


def test_the_inactivity_limit_on_the_review_signs_the_staff_member_out_and_goes_home(
    qtbot: QtBot, make_full_kiosk: FullKioskFactory
) -> None:
    kiosk = make_full_kiosk(booth_class=CoveredHeadBooth, inactivity_s=3.0)
    vm, ui = kiosk.photo, kiosk.ui
    _covered_result(qtbot, kiosk)
    vm.openStaffReview()
    vm.on_scanned_code(
        ScannedCode(text=kiosk.staff_card("s-12"), source="scanner", received_mono=0.0)
    )
    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.REVIEW, timeout=STEP_MS)

    qtbot.waitUntil(lambda: vm.current_screen is PhotoScreen.NONE, timeout=STEP_MS)

    assert (vm.property("reviewerId"), vm.property("reviewRuleKeys")) == ("", [])
    assert vm.keeps_images is False
    assert not any("s-12" in text for text in shown_texts(ui))
    assert _photo_events(kiosk) == []

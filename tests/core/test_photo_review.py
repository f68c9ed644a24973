"""Staff review of an ID photo (issue 12) in the core: the staff sign-in through the hand-over's
checks, the approval, its refusal for a machine-checked rule, and its record on disk.

A photo that fails only on the person-checked head-covering rule is made from a real checked
still whose head-covering verdict is set to ``fail`` (as a detector that saw a covering would
say; the shipped rule is left to a person, ``review``, which approval covers as well).
"""

# ruff: noqa: F401, F811 - booth, db, printer and good_still are fixtures of test_photo_session

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.core import events
from kiosk.core.handover import HandoverOutcome, OutcomeCode
from kiosk.core.handover.loading import StaffSignIn
from kiosk.core.photo.checks import VerdictStatus
from kiosk.core.photo.detect import Image
from kiosk.core.photo.review import (
    REVIEW_REASONS,
    ReviewReason,
    StaffApproval,
    StaffApprovalRefusedError,
)
from kiosk.core.photo.session import PhotoBoothService, PhotoRefusedError, PhotoResult
from kiosk.store.database import Database
from kiosk.store.outbox import rfc3339
from kiosk.store.photo_approvals import PhotoApprovalRow
from simulators.printer.server import PrinterSimulator
from tests.core.conftest import SteppingClock
from tests.core.handover_support import build, staff_card
from tests.core.test_photo_session import _photo_events, _still, booth, db, good_still, printer


def _with(result: PhotoResult, rule: str, status: VerdictStatus) -> PhotoResult:
    """``result`` with the verdict of ``rule`` set to ``status``."""
    assert result.report is not None
    verdicts = tuple(
        replace(v, status=status) if v.rule.name == rule else v for v in result.report.verdicts
    )
    return replace(result, report=replace(result.report, verdicts=verdicts))


def _covered(booth: PhotoBoothService, still: Image) -> PhotoResult:
    result = _with(booth.capture(still), "head_covering", VerdictStatus.FAIL)
    assert result.problems == ("head_covering",)
    return result


def _signed_in(clock: SteppingClock, staff_id: str = "1234", how: str = "pin") -> StaffSignIn:
    return StaffSignIn(staff_id, how, clock.now())


def test_the_head_covering_rule_is_person_checked_and_no_measured_rule_is(
    booth: PhotoBoothService,
) -> None:
    person = [r.name for r in booth.rule_set.rules.values() if r.person_checked]
    assert person == ["head_covering"]
    assert [reason.value for reason in REVIEW_REASONS] == ["religious", "medical"]


def test_a_photo_failing_only_the_head_covering_rule_is_stored_with_its_staff_approval(
    booth: PhotoBoothService, db: Database, good_still: Image, clock: SteppingClock
) -> None:
    result = _covered(booth, good_still)
    assert (result.acceptable, result.staff_reviewable) == (False, True)
    with pytest.raises(PhotoRefusedError):
        booth.accept(result, "ja")  # not without staff

    approval = booth.approve(result, _signed_in(clock), "religious")
    photo = booth.accept(result, "ja", approval)

    assert approval == StaffApproval(
        "1234", "pin", ReviewReason.RELIGIOUS, ("head_covering",), clock.now()
    )
    assert booth.approvals.get(photo.id) == PhotoApprovalRow(
        photo.id, "1234", "pin", "religious", ("head_covering",), rfc3339(clock.now())
    )
    captured, approved, receipt = _photo_events(db)
    assert [captured["type"], approved["type"], receipt["type"]] == [
        events.PHOTO_CAPTURED,
        events.PHOTO_APPROVED,
        events.PHOTO_RECEIPT_PRINTED,
    ]
    assert approved["data"] == {
        "photo_id": photo.id,
        "code": photo.code,
        "staff_id": "1234",
        "signed_in_by": "pin",
        "reason": "religious",
        "rules_waived": ["head_covering"],
        "approved_at": rfc3339(clock.now()),
    }
    verdicts = captured["data"]["verdicts"]  # type: ignore[index]
    assert (verdicts["failed"], verdicts["waived"]) == (["head_covering"], ["head_covering"])


def test_the_approval_is_on_disk_in_the_photo_approval_table(
    booth: PhotoBoothService, db: Database, good_still: Image, clock: SteppingClock
) -> None:
    result = _covered(booth, good_still)
    photo = booth.accept(result, "en", booth.approve(result, _signed_in(clock), "medical"))

    conn = sqlite3.connect(db.path)  # a separate connection: what a restart would read
    try:
        rows = conn.execute(
            "SELECT photo_id, staff_id, signed_in_by, reason, rules_waived, approved_at "
            "FROM photo_approval"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [(photo.id, "1234", "pin", "medical", '["head_covering"]', rfc3339(clock.now()))]


def test_a_photo_failing_a_machine_checked_rule_is_never_approved_nor_stored(
    booth: PhotoBoothService, db: Database, clock: SteppingClock
) -> None:
    result = _with(booth.capture(_still("eyes_closed")), "head_covering", VerdictStatus.FAIL)
    # The landmarks find closed eyes and read their lids shut: eyes_open, a machine rule.
    assert "eyes_open" in result.problems
    assert result.staff_reviewable is False

    with pytest.raises(StaffApprovalRefusedError) as refused:
        booth.approve(result, _signed_in(clock), "religious")
    assert refused.value.why == "machine_rule_failed"
    forged = StaffApproval("1234", "pin", ReviewReason.RELIGIOUS, ("head_covering",), clock.now())
    with pytest.raises(StaffApprovalRefusedError) as refused:
        booth.accept(result, "ja", forged)  # the core checks again, whatever the screen did
    assert refused.value.why == "machine_rule_failed"

    assert _photo_events(db) == []
    with db.reading() as conn:
        counts = [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("photo", "photo_approval")
        ]
    assert counts == [0, 0]


def test_an_approval_needs_a_signed_in_staff_member_a_listed_reason_and_a_checked_photo(
    booth: PhotoBoothService, good_still: Image, clock: SteppingClock
) -> None:
    result = _covered(booth, good_still)
    not_signed_in = StaffSignIn(
        "1234", "pin", clock.now(), refusal=HandoverOutcome(OutcomeCode.STAFF_REFUSED)
    )
    cases = [
        (result, not_signed_in, "religious", "not_signed_in"),
        (result, _signed_in(clock), "fashion", "unknown_reason"),
        (
            PhotoResult("jp-passport", (1920, 1080), refusal="no_face"),
            _signed_in(clock),
            "religious",
            "not_checked",
        ),
        (
            _with(result, "head_covering", VerdictStatus.PASS),
            _signed_in(clock),
            "medical",
            "nothing_to_approve",
        ),
    ]
    whys = []
    for photo, sign_in, reason, _ in cases:
        with pytest.raises(StaffApprovalRefusedError) as refused:
            booth.approve(photo, sign_in, reason)
        whys.append(refused.value.why)
    assert whys == [why for *_, why in cases]


def test_an_approval_covers_exactly_the_rules_it_names(
    booth: PhotoBoothService, good_still: Image, clock: SteppingClock
) -> None:
    result = _covered(booth, good_still)
    other = StaffApproval("1234", "pin", ReviewReason.MEDICAL, ("eyes_open",), clock.now())

    with pytest.raises(StaffApprovalRefusedError) as refused:
        booth.accept(result, "ja", other)

    assert refused.value.why == "rules_differ"


def test_the_receipt_of_an_approved_photo_says_staff_checked_it_and_why(
    booth: PhotoBoothService, good_still: Image, clock: SteppingClock, printer_sim: PrinterSimulator
) -> None:
    result = _covered(booth, good_still)
    booth.accept(
        result, "en", booth.approve(result, _signed_in(clock, "s-12", "card"), "religious")
    )

    printed = printer_sim.wait_for_tickets(1, timeout=5)[0]

    assert "Head covering approved by staff s-12 (Religious reasons)" in printed.lines
    assert not any("counter" in line for line in printed.lines)


def test_staff_sign_in_for_a_review_starts_no_hand_over_and_counts_wrong_pins(
    tmp_path: Path,
) -> None:
    parts = build(tmp_path / "kiosk.sqlite3")
    service = parts.service
    now = parts.clock.now()

    by_card = service.verify_staff_card(staff_card(now, "s-12"))
    by_pin = service.verify_staff_pin("s-77", "7777")
    wrong = service.verify_staff_pin("s-77", "0000")
    elsewhere = service.verify_staff_card(staff_card(now, "s-13", office="other"))

    assert (by_card.ok, by_card.staff_id, by_card.how) == (True, "s-12", "card")
    assert (by_pin.ok, by_pin.staff_id, by_pin.how) == (True, "s-77", "pin")
    assert wrong.refusal is not None and wrong.refusal.code is OutcomeCode.STAFF_REFUSED
    assert elsewhere.refusal is not None and elsewhere.refusal.code is OutcomeCode.STAFF_REFUSED
    assert parts.event_types() == ["handover.pin_failed", "handover.refused"]
    with parts.db.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM handover").fetchone()[0] == 0
    parts.db.close()

"""Meetings with a named member of staff: a ``meeting`` booking QR at the entrance.

Real signatures, real SQLite: the screen says who is told and where to wait, the event names
the host for the server, the server's answer says the host was told, and an arrival too
early or too late is refused as for any booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.booking_tokens import BookingTokenError, read_booking_token
from kiosk.core.checkin import CheckInOutcome, CheckInResult, OutcomeFamily
from kiosk.core.jws import sign
from simulators.booking_system.book import BookingBook
from simulators.booking_system.tokens import issue_meeting_token
from tests.core.checkin_support import KEY, NOW, CheckInParts, make_parts

SLOT = NOW + timedelta(minutes=10)  # 10:10 in Tokyo
PLACE = {"ja": "2階 相談室前のいす", "en": "the seats outside room 2-3"}


@pytest.fixture
def parts(tmp_path: Path) -> CheckInParts:
    return make_parts(tmp_path)


def meeting(slot: datetime = SLOT, **kwargs: Any) -> str:
    """A meeting with Hanako Yamada (staff s-042) at 10:10, signed with the booking key."""
    kwargs.setdefault("wait", PLACE)
    return issue_meeting_token(
        "chuo",
        "s-042",
        "山田 花子",
        slot,
        booking_id="mt-1",
        key=KEY,
        kid="k2",
        **kwargs,
    )


def test_a_meeting_online_says_who_is_being_told_and_where_to_wait(parts: CheckInParts) -> None:
    parts.service.set_link_online(True)
    outcome = parts.service.check_in(meeting(), NOW)

    assert outcome.result is CheckInResult.ACCEPTED
    assert outcome.family is OutcomeFamily.ACCEPTED
    assert outcome.text("ja").title == "ようこそ"
    assert outcome.text("ja").body == "担当の山田 花子にご到着をお知らせしています。"
    assert outcome.text("ja").detail == "2階 相談室前のいすでお待ちください。"
    assert outcome.text("en").body == "We are telling 山田 花子 that you have arrived."
    assert outcome.text("en").detail == "Please wait at: the seats outside room 2-3"
    kind, data = parts.events()[0]
    assert kind == "checkin.accepted"
    assert (data["kind"], data["host"], data["booking_id"], data["service"]) == (
        "meeting",
        "s-042",
        "mt-1",
        "",
    )
    assert "山田" not in str(data)  # the server knows its staff: the event carries the id only


def test_the_servers_answer_says_the_host_was_told(parts: CheckInParts) -> None:
    parts.service.set_link_online(True)
    parts.service.check_in(meeting(), NOW)
    seen: list[CheckInOutcome] = []
    parts.service.subscribe(seen.append)

    answer = parts.service.apply_server_answer("mt-1", accepted=True, host_notified=True, now=NOW)

    assert answer is not None and answer.host_notified
    assert answer.text("ja").body == "担当の山田 花子にご到着をお知らせしました。"
    assert answer.text("en").body == "山田 花子 has been told that you have arrived."
    assert answer.text("en").detail == "Please wait at: the seats outside room 2-3"
    assert seen == [answer]


def test_a_meeting_offline_sends_the_resident_to_the_counter(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(meeting(), NOW)

    assert outcome.result is CheckInResult.ACCEPTED
    assert outcome.text("en").body == (
        "We cannot reach 山田 花子 right now. "
        "Please tell the counter that you are here for your meeting."
    )
    assert parts.events()[0][0] == "checkin.accepted"  # queued: the host is told once online


def test_a_meeting_without_a_place_names_the_waiting_area(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(meeting(wait=None), NOW)
    assert outcome.text("ja").detail == "待合スペースでお待ちください。"
    assert outcome.text("en").detail == "Please wait at: the waiting area"


@pytest.mark.parametrize(
    ("slot", "result"),
    [
        (NOW + timedelta(hours=2), CheckInResult.TOO_EARLY),
        (NOW - timedelta(hours=1), CheckInResult.TOO_LATE),
        (NOW + timedelta(days=1), CheckInResult.WRONG_DAY),
    ],
)
def test_early_and_late_arrivals_follow_the_booking_rules(
    parts: CheckInParts, slot: datetime, result: CheckInResult
) -> None:
    outcome = parts.service.check_in(meeting(slot), NOW)
    assert outcome.result is result
    assert parts.events()[0][1]["reason"] == result.value
    assert parts.events()[0][1]["host"] == "s-042"


def test_a_meeting_is_checked_in_once(parts: CheckInParts) -> None:
    parts.service.check_in(meeting(), NOW)
    later = parts.service.check_in(meeting(), NOW + timedelta(minutes=3))
    assert later.result is CheckInResult.ALREADY_USED


def test_the_meeting_slip_names_the_host(parts: CheckInParts) -> None:
    outcome = parts.service.check_in(meeting(), NOW)
    assert parts.service.slip_layout(outcome, "ja").title == "山田 花子 との面会"
    assert parts.service.slip_layout(outcome, "en").title == "Meeting with 山田 花子"


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"host": ""}, "host"),
        ({"hname": None}, "hname"),
        ({"wait": ["ja"]}, "wait"),
        ({"wait": {"ja": 3}}, "ja"),
        ({"wait": {str(n): "x" for n in range(17)}}, "wait"),
    ],
)
def test_a_meeting_token_with_bad_claims_is_not_a_booking(
    parts: CheckInParts, claims: dict[str, object], detail: str
) -> None:
    base = {
        "typ": "meeting",
        "bid": "mt-2",
        "office": "chuo",
        "host": "s-042",
        "hname": "山田 花子",
        "slot": SLOT.isoformat(),
        "exp": int((SLOT + timedelta(days=1)).timestamp()),
    }
    text = sign({**base, **claims}, KEY, "k2")
    with pytest.raises(BookingTokenError) as caught:
        read_booking_token(text, parts.service.trust, NOW)
    assert caught.value.reason == "not_a_booking"
    assert f"claim {detail} " in str(caught.value)


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"hname": "\u202e子花 田山"}, "hname"),  # a bidi override turns the sentence round
        ({"hname": "山田\n\nこの予約は取り消されました"}, "hname"),  # reads as a 2nd message
        ({"hname": "山田\u200b花子"}, "hname"),  # a zero-width space
        ({"hname": "山" * 41}, "hname"),
        ({"host": "s-042\x1b[2J"}, "host"),
        ({"wait": {"ja": "2階\r\n窓口 9 へ"}}, "ja"),
        ({"wait": {"en": "room 2-3\u2066\u2067"}}, "en"),
        ({"wait": {"ja": "待" * 81}}, "ja"),
    ],
)
def test_a_meeting_text_that_is_too_long_or_not_one_plain_line_is_not_a_booking(
    parts: CheckInParts, claims: dict[str, object], detail: str
) -> None:
    text = issue_meeting_token(
        "chuo", "s-042", "山田 花子", SLOT, booking_id="mt-3", key=KEY, kid="k2", wait=PLACE
    )
    base = read_booking_token(text, parts.service.trust, NOW)
    assert base.meeting is not None  # the same token with plain fields is a meeting
    forged = {
        "typ": "meeting",
        "bid": "mt-3",
        "office": "chuo",
        "host": "s-042",
        "hname": "山田 花子",
        "slot": SLOT.isoformat(),
        "exp": int((SLOT + timedelta(days=1)).timestamp()),
        **claims,
    }
    with pytest.raises(BookingTokenError) as caught:
        read_booking_token(sign(forged, KEY, "k2"), parts.service.trust, NOW)
    assert caught.value.reason == "not_a_booking"
    assert f"claim {detail} " in str(caught.value)
    outcome = parts.service.check_in(sign(forged, KEY, "k2"), NOW)
    assert outcome.result is CheckInResult.NOT_A_BOOKING
    assert outcome.meeting is None


def test_a_meeting_place_in_nepali_keeps_its_joiners_and_a_name_of_40_characters_is_shown(
    parts: CheckInParts,
) -> None:
    place = "दोस्रो तल्ला, कोठा २-३ अगाडि क्\u200dष"  # ZWJ: a half form of क
    outcome = parts.service.check_in(
        issue_meeting_token(
            "chuo",
            "s-042",
            "山" * 40,
            SLOT,
            booking_id="mt-4",
            key=KEY,
            kid="k2",
            wait={"ne": place},
        ),
        NOW,
    )
    assert outcome.result is CheckInResult.ACCEPTED
    assert outcome.meeting is not None
    assert outcome.meeting.host_name == "山" * 40
    assert outcome.meeting.place("ne") == place


def test_the_booking_system_records_each_meeting_in_its_book(tmp_path: Path) -> None:
    book = BookingBook(tmp_path / "bookings.jsonl")
    issue_meeting_token("chuo", "s-042", "山田 花子", SLOT, code="12345671", book=book)
    (book.path.open("a")).write("{half a line\n")

    entry = book.by_code("12345671")
    assert entry is not None
    assert (entry.kind, entry.host, entry.host_name, entry.office) == (
        "meeting",
        "s-042",
        "山田 花子",
        "chuo",
    )
    assert book.by_code("00000000") is None

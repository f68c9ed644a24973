"""Meetings and typed codes through the real broker to the central simulator and back.

The simulated booking system issues a meeting and a booking into its book; the central
simulator reads the book: it tells a meeting's host that the visitor arrived, and names the
service of a typed booking code (an unknown code is refused).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import parse_config
from kiosk.core.checkin import CheckInOutcome, CheckInResult
from kiosk.core.trust import KeyPurpose
from kiosk.services import KioskServices, build_services
from simulators.booking_system.book import BookingBook
from simulators.booking_system.tokens import issue_booking, issue_meeting_token
from simulators.central.server import CentralSimulator
from simulators.clock.sync import SimulatedClockSync
from simulators.printer.server import PrinterSimulator
from tests.link.link_support import wait_until
from tests.mosquitto import MosquittoBroker
from tests.test_ticket_to_server import managed_document
from tests.trust_keys import central_keys, signing_key


@pytest.fixture
def book(tmp_path: Path) -> BookingBook:
    return BookingBook(tmp_path / "bookings.jsonl")


@pytest.fixture
def online(
    tmp_path: Path, mosquitto: MosquittoBroker, book: BookingBook
) -> Iterator[tuple[KioskServices, CentralSimulator, list[CheckInOutcome]]]:
    """A started kiosk (check-in on) and a central simulator that keeps the booking book."""
    document = managed_document(tmp_path, mosquitto)
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as printer:
        kiosk = build_services(
            parse_config(document, source="test"),
            clock_sync=SimulatedClockSync(),
            printer_url=printer.url,
            printer_poll_s=3600,
            document=document,
        )
        assert kiosk.checkin is not None
        answers: list[CheckInOutcome] = []
        kiosk.checkin.subscribe(answers.append)
        with CentralSimulator(
            "127.0.0.1", mosquitto.port, booking_book=book, **central_keys()
        ) as central:
            kiosk.start()
            try:
                wait_until(
                    lambda: kiosk.link is not None and kiosk.link.online, 15, "the link online"
                )
                yield kiosk, central, answers
            finally:
                kiosk.stop()


def test_a_meetings_host_is_told_and_the_screen_says_so(
    online: tuple[KioskServices, CentralSimulator, list[CheckInOutcome]], book: BookingBook
) -> None:
    kiosk, central, answers = online
    kid, key = signing_key(KeyPurpose.BOOKING)
    token = issue_meeting_token(
        "chuo",
        "s-042",
        "山田 花子",
        datetime.now(UTC) + timedelta(minutes=5),
        booking_id="mt-7",
        key=key,
        kid=kid,
        book=book,
    )
    assert kiosk.checkin is not None
    first = kiosk.checkin.check_in(token)
    assert first.text("en").body == "We are telling 山田 花子 that you have arrived."

    wait_until(lambda: any(a.host_notified for a in answers), 15, "the host told")
    told = central.host_notifications()
    assert [(n.host, n.host_name, n.booking_id) for n in told] == [("s-042", "山田 花子", "mt-7")]
    assert answers[-1].text("ja").body == "担当の山田 花子にご到着をお知らせしました。"


def test_a_typed_code_is_answered_with_its_service(
    online: tuple[KioskServices, CentralSimulator, list[CheckInOutcome]], book: BookingBook
) -> None:
    kiosk, _central, answers = online
    kid, key = signing_key(KeyPurpose.BOOKING)
    issue_booking(
        "chuo",
        "insurance",
        datetime.now(UTC) + timedelta(minutes=5),
        book=book,
        code="12345671",
        key=key,
        kid=kid,
    )
    assert kiosk.checkin is not None
    assert kiosk.checkin.check_in_code("1234-5671").result is CheckInResult.CODE_PENDING

    wait_until(lambda: bool(answers), 15, "the server's answer")
    assert answers[-1].result is CheckInResult.ACCEPTED
    assert answers[-1].service_id == "insurance"
    assert answers[-1].text("en").body.startswith("Insurance and pension — your turn at about")


def test_a_typed_code_the_booking_system_never_issued_is_refused(
    online: tuple[KioskServices, CentralSimulator, list[CheckInOutcome]],
) -> None:
    kiosk, _central, answers = online
    assert kiosk.checkin is not None
    kiosk.checkin.check_in_code("1234-5671")

    wait_until(lambda: bool(answers), 15, "the server's answer")
    assert answers[-1].result is CheckInResult.CODE_REFUSED
    assert answers[-1].text("en").title == "We could not find this booking"

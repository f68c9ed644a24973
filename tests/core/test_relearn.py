"""Re-learning after a replaced database, on real SQLite files and the physical locker fake:
compartments nobody can vouch for, the server's answer (numbers never go down, used
bookings come back, a wrong or malformed answer changes nothing) (issue 10, item 5)."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.commands import CommandError
from kiosk.core.relearn import TAIL_TICKETS_PER_MINUTE, StoreRelearn
from kiosk.store.kv import kv_get
from kiosk.store.opening import Replacement
from kiosk.store.tickets import TicketRepository
from kiosk.store.used_bookings import UsedBookingRepository
from tests.core.handover_support import FakeBoard, Parts, assign, build, staff_card

TOKYO = ZoneInfo("Asia/Tokyo")
PREVIOUS = "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57"
DAY = "2026-11-27"


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def relearn_for(parts: Parts, replacement: Replacement | None, *, at: datetime) -> StoreRelearn:
    return StoreRelearn(
        parts.db,
        parts.outbox,
        Clock(at),
        office="chuo",
        timezone=TOKYO,
        reset_time=time(3, 0),
        service_ids=["certificates", "insurance"],
        replacement=replacement,
    )


def last_numbers(parts: Parts) -> dict[str, int]:
    with parts.db.reading() as conn:
        return {
            s: TicketRepository.last_number(conn, DAY, s) for s in ("certificates", "insurance")
        }


def test_compartments_nobody_can_vouch_for_are_marked_unknown_and_nothing_fires(
    tmp_path: Path,
) -> None:
    board = FakeBoard(tuple(range(1, 49)))
    board.put_item(3)  # a passport the lost database had recorded
    board.models[5].open = True  # a door left open
    board.silent_boards.add(2)  # doors 33-48: the third board does not answer
    parts = build(tmp_path / "k.sqlite3", board)
    relearn = relearn_for(
        parts, Replacement("missing", PREVIOUS, marker=True), at=parts.clock.now()
    )

    checks = relearn.relearn_locker(parts.service.relearn_occupancy)

    states = {c.door: c.state for c in parts.service.compartments()}
    unknown = sorted(d for d, s in states.items() if s == "unknown")
    assert unknown == [3, 5, *range(33, 45)]
    assert {c.door: c.verdict for c in checks if c.door in (3, 4, 5)} == {
        3: "unknown",
        4: "empty",
        5: "unknown",
    }
    assert board.total_pulses() == 0
    event = [d for t, d in parts.events() if t == "handover.occupancy_relearned"]
    assert event[0]["unknown"] == unknown
    assert relearn.relearn_locker(parts.service.relearn_occupancy) == []  # once per replacement


def test_loading_never_chooses_an_unknown_compartment_until_staff_clear_it(
    tmp_path: Path,
) -> None:
    board = FakeBoard(tuple(range(1, 49)), item_sensors=False)  # no item sensors at all
    parts = build(tmp_path / "k.sqlite3", board)
    relearn = relearn_for(
        parts, Replacement("missing", PREVIOUS, marker=True), at=parts.clock.now()
    )
    relearn.relearn_locker(parts.service.relearn_occupancy)
    assign(parts, "P-1", "S")

    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    refused = parts.service.select_case(start.handover_id, "P-1")
    assert refused.code.value == "no_free_compartment"
    assert board.total_pulses() == 0

    assert parts.service.clear_compartment(1, "s-12") is True  # staff looked: empty
    start = parts.service.identify_staff_card(staff_card(parts.clock.now()))
    chosen = parts.service.select_case(start.handover_id, "P-1")
    assert chosen.door == 1
    cleared = [d for t, d in parts.events() if t == "handover.compartment_cleared"]
    assert cleared == [{"door": 1, "staff_id": "s-12", "was": "unknown", "case_id": ""}]


def test_the_servers_answer_raises_numbers_brings_back_bookings_and_ends_the_relearn(
    tmp_path: Path,
) -> None:
    parts = build(tmp_path / "k.sqlite3")
    at = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)
    relearn = relearn_for(parts, Replacement("missing", PREVIOUS, marker=True), at=at)
    with parts.db.transaction() as tx:  # the marker's reservation, taken over at creation
        TicketRepository.raise_counter(tx, DAY, "certificates", 50)

    result = relearn.handle_command(
        {
            "incarnation": parts.outbox.incarnation,
            "previous_incarnation": PREVIOUS,
            "tickets": [
                {"business_day": DAY, "service": "certificates", "last_number": 17},
                {"business_day": DAY, "service": "insurance", "last_number": 4},
                {"business_day": "2026-11-26", "service": "certificates", "last_number": 90},
            ],
            "events_until": "2026-11-27T00:59:00.000Z",
            "used_bookings": [
                {"booking_id": "bk-1", "code": "12345671", "used_at": "2026-11-27T00:30:00Z"},
                {"booking_id": "code:7654321", "code": "7654321", "used_at": ""},
            ],
            "final": True,
        }
    )

    assert result == {
        "next_numbers": {"certificates": 51, "insurance": 5},
        "used_bookings_learned": 2,
        "possible_duplicate_numbers": 0,
        "done": True,
    }
    assert last_numbers(parts) == {"certificates": 50, "insurance": 4}  # never lowered
    with parts.db.reading() as conn:
        used = UsedBookingRepository.find_by_code(conn, "12345671")
        assert kv_get(conn, "store.relearn") == "done"
    assert used is not None and (used.booking_id, used.outcome) == ("bk-1", "relearned")
    assert not relearn.pending
    assert [t for t, _ in parts.events("store.")] == ["store.relearned"]


def test_without_a_marker_the_servers_numbers_get_a_tail_for_what_it_never_received(
    tmp_path: Path,
) -> None:
    parts = build(tmp_path / "k.sqlite3")
    at = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)  # 01:00 UTC
    replacement = Replacement(
        "server_knew_previous", PREVIOUS, detected_at="2026-11-27T01:00:00.000Z"
    )
    relearn = relearn_for(parts, replacement, at=at)

    result = relearn.handle_command(
        {
            "incarnation": parts.outbox.incarnation,
            "tickets": [{"business_day": DAY, "service": "certificates", "last_number": 17}],
            "events_until": "2026-11-27T00:55:30.000Z",  # 4.5 minutes before
            "final": True,
        }
    )

    tail = TAIL_TICKETS_PER_MINUTE * (5 + 1)
    assert result["next_numbers"] == {"certificates": 17 + tail + 1, "insurance": tail + 1}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"incarnation": PREVIOUS}, "wrong_incarnation"),
        ({"tickets": "all of them"}, "bad_args"),
        ({"tickets": [{"business_day": DAY, "service": "certificates"}]}, "bad_args"),
        (
            {"tickets": [{"business_day": DAY, "service": "x", "last_number": True}]},
            "bad_args",
        ),
        ({"used_bookings": [{"booking_id": ""}]}, "bad_args"),
        ({"used_bookings": [{}] * 2001}, "bad_args"),
        ({"final": "yes"}, "bad_args"),
    ],
)
def test_a_wrong_or_malformed_answer_is_refused_and_changes_nothing(
    tmp_path: Path, args: dict[str, object], code: str
) -> None:
    parts = build(tmp_path / "k.sqlite3")
    at = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)
    relearn = relearn_for(parts, Replacement("missing", PREVIOUS, marker=True), at=at)
    with pytest.raises(CommandError) as refused:
        relearn.handle_command({"incarnation": parts.outbox.incarnation, **args})
    assert refused.value.code == code
    assert relearn.pending
    assert last_numbers(parts) == {"certificates": 0, "insurance": 0}
    with parts.db.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM used_booking").fetchone()[0] == 0


def test_a_case_the_server_assigns_again_cannot_be_picked_up_from_an_unknown_compartment(
    tmp_path: Path,
) -> None:
    from tests.core.handover_support import pickup_token

    board = FakeBoard(tuple(range(1, 49)))
    board.put_item(3)  # the passport of P-1, loaded before the database was lost
    parts = build(tmp_path / "k.sqlite3", board)
    replacement = Replacement("missing", PREVIOUS, marker=True)
    relearn_for(parts, replacement, at=parts.clock.now()).relearn_locker(
        parts.service.relearn_occupancy
    )
    assign(parts, "P-1", "S")  # the server assigns its cases again

    outcome = parts.service.scan_pickup(pickup_token("P-1", parts.clock.now()))

    assert outcome.code.value == "not_ready"
    assert board.total_pulses() == 0
    assert {c.door: c.state for c in parts.service.compartments()}[3] == "unknown"


def test_a_remote_maintenance_open_refuses_a_compartment_of_unknown_content(
    tmp_path: Path,
) -> None:
    """It has no case id on the new database, but may hold a passport the old one knew."""
    board = FakeBoard(tuple(range(1, 49)))
    board.put_item(3)
    parts = build(tmp_path / "k.sqlite3", board)
    relearn = relearn_for(
        parts, Replacement("missing", PREVIOUS, marker=True), at=parts.clock.now()
    )
    relearn.relearn_locker(parts.service.relearn_occupancy)
    board.take_item(3)  # even if its item sensor reads empty now (a sensor can be wrong)

    fired: list[int] = []
    result = parts.service.open_for_maintenance(3, lambda: str(fired.append(3)))

    assert (result.opened, result.reason) == (False, "door_not_free")
    assert fired == [] and board.total_pulses() == 0

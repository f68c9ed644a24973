"""Issue 10, item 11: time-sensitive decisions need a clock that can be trusted.

The review saw a token that had expired ten days earlier accepted while the kiosk's clock
was ten days behind. The guard reads the kernel's synchronisation state and the boot clock;
the check-in refuses to judge a booking's times while the clock cannot be trusted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kiosk.core.checkin import CheckInResult, CheckInService
from kiosk.core.clock_guard import CLOCK_HEALTH, ClockGuard
from kiosk.core.handover.machine import OutcomeCode
from kiosk.devices.clock.adjtimex import AdjtimexClockSync
from kiosk.devices.health import HealthBoard, HealthState
from kiosk.i18n.catalog import load_catalogs
from simulators.clock.sync import SimulatedClockSync
from tests.core.checkin_support import NOW, make_parts, token
from tests.core.handover_support import (
    StepClock,
    all_doors_pulsed,
    assign,
    build,
    load_case,
    pickup_token,
    staff_card,
)


class SettableClock:
    """A wall clock and a boot clock the test moves (a person with `date -s`, time passing)."""

    def __init__(self, wall: datetime):
        self.wall = wall
        self.boot = 1000.0

    def now(self) -> datetime:
        return self.wall

    def boot_seconds(self) -> float:
        return self.boot

    def wait(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.boot += seconds


def guard(sync: SimulatedClockSync, clock: SettableClock, health: HealthBoard) -> ClockGuard:
    return ClockGuard(sync, clock, health=health, boot_clock=clock.boot_seconds)


def test_a_synchronised_clock_decides_and_reads_ok() -> None:
    clock, health = SettableClock(NOW), HealthBoard()

    verdict = guard(SimulatedClockSync(True), clock, health).check()

    assert verdict.trusted
    assert health.get(CLOCK_HEALTH).state is HealthState.OK


def test_a_clock_never_synchronised_since_start_decides_nothing() -> None:
    clock, health = SettableClock(NOW), HealthBoard()

    verdict = guard(SimulatedClockSync(False), clock, health).check()

    assert not verdict.trusted
    reported = health.get(CLOCK_HEALTH)
    assert (reported.state, reported.reason) == (HealthState.FAULT, "clock_unsynchronised")


def test_an_unreadable_clock_is_unknown_never_ok() -> None:
    clock, health = SettableClock(NOW), HealthBoard()

    verdict = guard(SimulatedClockSync(None), clock, health).check()

    assert not verdict.trusted
    assert health.get(CLOCK_HEALTH).state is HealthState.UNKNOWN


def test_a_short_loss_of_the_time_service_is_held_over_but_a_jump_is_not() -> None:
    sync, clock, health = SimulatedClockSync(True), SettableClock(NOW), HealthBoard()
    clock_guard = guard(sync, clock, health)
    assert clock_guard.check().trusted
    sync.set(False)

    clock.wait(3600)
    held = clock_guard.check()
    clock.wall -= timedelta(days=10)  # someone sets the clock ten days back
    jumped = clock_guard.check()
    clock.wall += timedelta(days=10)  # and back to the right time
    mended = clock_guard.check()

    assert held.trusted and held.health.reason == "clock_holdover"
    assert not jumped.trusted and jumped.health.reason == "clock_jumped"
    assert mended.trusted


def test_the_holdover_ends_after_its_length() -> None:
    sync, clock = SimulatedClockSync(True), SettableClock(NOW)
    clock_guard = ClockGuard(
        sync, clock, holdover=timedelta(hours=2), boot_clock=clock.boot_seconds
    )
    clock_guard.check()
    sync.set(False)

    clock.wait(3 * 3600)

    verdict = clock_guard.check()
    assert not verdict.trusted and verdict.health.reason == "clock_unsynchronised"


def test_a_token_expired_ten_days_ago_is_not_accepted_on_a_clock_ten_days_behind(
    tmp_path: Path,
) -> None:
    """The review's case, end to end through the check-in service."""
    parts = make_parts(tmp_path)
    behind = SettableClock(NOW - timedelta(days=10))
    sync = SimulatedClockSync(True)
    clock_guard = ClockGuard(sync, behind, boot_clock=behind.boot_seconds)
    service = CheckInService(
        parts.config,
        parts.db,
        parts.outbox,
        load_catalogs(parts.config.ui.languages),
        behind,
        clock_guard=clock_guard,
    )
    # The kiosk was synchronised; the time service went away and the clock was set back.
    clock_guard.check()
    sync.set(False)
    behind.wall -= timedelta(days=10)
    slot = behind.wall + timedelta(minutes=10)
    expired = token(slot=slot, expires=NOW - timedelta(days=10))

    outcome = service.check_in(expired, behind.wall)

    assert outcome.result is CheckInResult.CLOCK_UNSET
    assert outcome.text("en").title == "This kiosk cannot check booking times right now"
    assert outcome.text("ja").body.endswith("受付窓口でお申し出ください。")
    refused = [d for t, d in parts.events() if t == "checkin.rejected"]
    assert refused[-1]["reason"] == "clock_unset" and refused[-1]["clock"] == "clock_jumped"
    # Not marked used: once the clock is right again the same booking is judged normally.
    sync.set(True)
    behind.wall = NOW
    again = service.check_in(token(slot=NOW + timedelta(minutes=10)), NOW)
    assert again.result is CheckInResult.ACCEPTED


def test_the_kernel_is_asked_without_error_on_this_machine() -> None:
    reading = AdjtimexClockSync().read()

    assert reading.synchronised in (True, False, None)
    assert reading.detail


def test_pickup_codes_and_staff_cards_are_not_judged_on_an_untrusted_clock(
    tmp_path: Path,
) -> None:
    clock = StepClock()
    synced = ClockGuard(SimulatedClockSync(True), clock)
    parts = build(tmp_path / "kiosk.sqlite3", clock=clock, clock_guard=synced)
    assign(parts, "P-1")
    load_case(parts, "P-1")
    pulsed = set(all_doors_pulsed(parts.board))
    # A restart while no time service is reachable: no synchronised reading in this boot.
    parts.db.close()
    unsynced = SimulatedClockSync(False)
    parts = build(
        tmp_path / "kiosk.sqlite3",
        parts.board,
        clock=clock,
        clock_guard=ClockGuard(unsynced, clock),
    )

    pickup = parts.service.scan_pickup(pickup_token("P-1", clock.now()))
    staff = parts.service.identify_staff_card(staff_card(clock.now()))

    assert pickup.code is OutcomeCode.CLOCK_UNSET
    assert staff.code is OutcomeCode.CLOCK_UNSET
    assert all_doors_pulsed(parts.board) == pulsed  # no door moved
    refused = [d for t, d in parts.events() if t == "handover.refused"]
    assert [d.get("reason") for d in refused[-2:]] == ["clock_unset", "clock_unset"]
    unsynced.set(True)  # the time service is back
    assert parts.service.scan_pickup(pickup_token("P-1", clock.now())).code is OutcomeCode.ENTER_PIN

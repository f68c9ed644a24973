"""A lock-board line unplugged (the simulator closes its socket) comes back healthy by itself.

The real Kerong driver on the real serial transport (``socket://``) against the board-chain
simulator. The kiosk reads the doors every second (the hand-over's door watch); while the
line is gone its transport re-opens with back-off (a fake clock here), so the watch does not
dial a missing adapter every second, and the first read after the back-off finds it again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.devices.locker.kerong_driver import KerongLocker
from kiosk.devices.locker.protocol import DoorState
from kiosk.devices.transport import ReopenBackoff, SerialTransport
from simulators.locker.server import LockerSimulator

BOARDS = 3


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=BOARDS) as simulator:
        yield simulator


def health_of(locker: KerongLocker) -> tuple[str, str]:
    health = locker.health()
    return health.state.value, health.reason


def test_an_unplugged_lock_board_line_is_retried_with_back_off_and_read_again_when_back(
    sim: LockerSimulator,
) -> None:
    clock = FakeClock()
    transport = SerialTransport(
        sim.url, write_timeout=2.0, reopen_backoff=ReopenBackoff(0.5, 10.0, clock=clock)
    )
    locker = KerongLocker(transport, boards=BOARDS, reply_timeout_s=0.5)
    try:
        sim.put_item(18)
        doors = locker.read_doors()
        assert health_of(locker) == ("ok", "")
        assert (doors[18].state, doors[18].item_present) == (DoorState.CLOSED, True)
        assert transport.connection_count == 1

        sim.unplug()
        for _ in range(2):  # the read that finds the line gone, then the first re-open
            doors = locker.read_doors()
            assert {d.state for d in doors.values()} == {DoorState.UNKNOWN}
            assert health_of(locker) == ("fault", "disconnected")
            if transport.failed_opens:
                break
        assert transport.failed_opens == 1
        for _ in range(5):  # the door watch, once a second, within the back-off
            assert {d.state for d in locker.read_doors().values()} == {DoorState.UNKNOWN}
        assert transport.failed_opens == 1
        assert "next attempt in 0.5 s" in locker.health().detail
        clock.advance(0.5)
        locker.read_doors()
        assert transport.failed_opens == 2

        sim.plug_in()
        clock.advance(0.99)
        locker.read_doors()
        assert (health_of(locker), transport.failed_opens) == (("fault", "disconnected"), 2)
        clock.advance(0.01)
        doors = locker.read_doors()
        assert health_of(locker) == ("ok", "")
        assert len(doors) == BOARDS * 16
        assert {d.state for d in doors.values()} == {DoorState.CLOSED}
        assert [d.door for d in doors.values() if d.item_present] == [18]
        assert (transport.connection_count, transport.reopen_backoff.failures) == (2, 0)
    finally:
        locker.close()


def test_a_lock_board_line_missing_at_start_is_found_when_it_is_plugged_in(
    sim: LockerSimulator,
) -> None:
    clock = FakeClock()
    sim.unplug()
    transport = SerialTransport(sim.url, reopen_backoff=ReopenBackoff(0.5, 10.0, clock=clock))
    locker = KerongLocker(transport, boards=BOARDS, reply_timeout_s=0.5)
    try:
        locker.read_doors()
        assert (health_of(locker), transport.failed_opens) == (("fault", "disconnected"), 1)
        sim.plug_in()
        clock.advance(0.5)
        locker.read_doors()
        assert (health_of(locker), transport.connection_count) == (("ok", ""), 1)
    finally:
        locker.close()

"""The real Kerong driver against the real locker simulator over ``socket://`` (3 boards)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from kiosk.devices.health import HealthState
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.kerong_driver import BoardEvent, KerongLocker
from kiosk.devices.locker.kerong_frames import (
    StatusReply,
    encode_status_reply,
    encode_status_request,
    encode_unlock,
)
from kiosk.devices.locker.protocol import DoorState, LockerError
from kiosk.errors import DeviceUrlError
from simulators.locker.server import LockerSimulator

BOARDS = 3
DOORS = BOARDS * 16


@pytest.fixture
def sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=BOARDS) as simulator:
        yield simulator


@pytest.fixture
def events() -> list[BoardEvent]:
    return []


@pytest.fixture
def locker(sim: LockerSimulator, events: list[BoardEvent]) -> Iterator[KerongLocker]:
    built = open_locker(sim.url, LockerSettings(boards=BOARDS, reply_timeout_s=0.1, retries=1))
    assert isinstance(built, KerongLocker)
    built.on_event = events.append
    yield built
    built.close()


def _unlock_frames(sim: LockerSimulator) -> list[bytes]:
    return [frame for frame in sim.frames_received() if frame[2] == 0x31]


def _open(sim: LockerSimulator, locker: KerongLocker, door: int) -> None:
    locker.unlock(door)
    assert sim.pull(door)


# -- unlock -------------------------------------------------------------------------------------


def test_each_unlock_fires_exactly_one_pulse_on_the_right_board_and_lock(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    doors = [1, 16, 17, 18, 32, 33, 48]
    for door in doors:
        locker.unlock(door)

    assert sim.pulsed_doors() == doors
    assert [(p.board, p.lock) for p in sim.pulse_log] == [
        (0, 1),
        (0, 16),
        (1, 1),
        (1, 2),
        (1, 16),
        (2, 1),
        (2, 16),
    ]
    assert _unlock_frames(sim) == [
        bytes.fromhex("02 00 31 03 36"),
        bytes.fromhex("02 0f 31 03 45"),
        bytes.fromhex("02 10 31 03 46"),
        bytes.fromhex("02 11 31 03 47"),
        bytes.fromhex("02 1f 31 03 55"),
        bytes.fromhex("02 20 31 03 56"),
        bytes.fromhex("02 2f 31 03 65"),
    ]
    assert sim.frames_received() == _unlock_frames(sim)  # nothing but the unlocks was sent
    assert locker.counters["unlocks_confirmed"] == len(doors)


def test_an_unlock_is_sent_even_when_the_door_already_reads_open(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    sim.force_open(7)
    assert locker.read_doors()[7].state is DoorState.OPEN
    locker.unlock(7)
    assert sim.pulses(7) == 1


def test_a_door_that_does_not_exist_is_refused_without_sending_anything(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    for door in (0, DOORS + 1):
        with pytest.raises(ValueError, match=f"no door {door}"):
            locker.unlock(door)
    assert sim.frames_received() == []


def test_unlocks_from_many_threads_each_fire_once(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    doors = list(range(1, DOORS + 1))
    threads = [threading.Thread(target=locker.unlock, args=(door,)) for door in doors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sim.pulsed_doors()) == doors
    assert locker.counters["unlocks_confirmed"] == DOORS


# -- status -------------------------------------------------------------------------------------


def test_status_follows_unlock_pull_push_and_the_item_sensors(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    assert locker.health().reason == "not_checked"
    sim.put_item(5)
    sim.put_item(20)
    assert not sim.pull(20)  # latched: pulling does nothing
    _open(sim, locker, 20)
    sim.take_item(20)

    doors = locker.read_doors()
    assert sorted(doors) == list(range(1, DOORS + 1))
    assert [d for d, s in doors.items() if s.state is DoorState.OPEN] == [20]
    assert [d for d, s in doors.items() if s.item_present] == [5]
    assert locker.health().state is HealthState.OK
    assert sim.frames_received()[-3:] == [encode_status_request(b) for b in range(BOARDS)]

    assert sim.push(20)
    assert locker.read_doors()[20].state is DoorState.CLOSED


def test_a_jammed_latch_is_pulsed_once_and_the_door_stays_closed(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    sim.jam(9)
    locker.unlock(9)
    assert not sim.pull(9)
    assert locker.read_doors()[9].state is DoorState.CLOSED
    assert sim.pulses(9) == 1
    assert [p.released for p in sim.pulse_log] == [False]


def test_a_door_that_will_not_stay_shut_still_reads_open_after_a_push(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    sim.wont_stay_shut(3)
    _open(sim, locker, 3)
    assert not sim.push(3)
    assert locker.read_doors()[3].state is DoorState.OPEN


def test_a_forced_door_reads_open_without_any_unlock(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    sim.force_open(40)
    assert locker.read_doors()[40].state is DoorState.OPEN
    assert sim.pulse_log == []


def test_the_lock_bit_polarity_must_match_the_board_revision() -> None:
    with LockerSimulator(port=0, boards=1, locked_bit=0) as sim:
        matching = open_locker(f"{sim.url}?locked_bit=0&reply_timeout=0.1")
        wrong = open_locker(f"{sim.url}?locked_bit=1&reply_timeout=0.1")
        try:
            _open(sim, matching, 2)  # type: ignore[arg-type]
            right = matching.read_doors()
            misread = wrong.read_doors()
        finally:
            matching.close()
            wrong.close()
    assert [d for d, s in right.items() if s.state is DoorState.OPEN] == [2]
    assert [d for d, s in misread.items() if s.state is DoorState.CLOSED] == [2]


# -- faults -------------------------------------------------------------------------------------


def test_a_silent_board_makes_its_doors_unknown_and_the_locker_faulty(
    sim: LockerSimulator, locker: KerongLocker, events: list[BoardEvent]
) -> None:
    locker.read_doors()
    sim.silence(1)

    doors = locker.read_doors()
    unknown = [d for d, s in doors.items() if s.state is DoorState.UNKNOWN]
    assert unknown == list(range(17, 33))
    assert all(doors[d].item_present is None for d in unknown)
    health = locker.health()
    assert (health.state, health.reason) == (HealthState.FAULT, "board_silent")
    assert "board 1 (doors 17-32)" in health.detail
    assert sim.frames_received()[-3:-1] == [encode_status_request(1)] * 2  # 1 try + 1 retry

    sim.silence(1, False)
    assert locker.read_doors()[17].state is DoorState.CLOSED
    assert locker.health().state is HealthState.OK
    assert [(e.board, e.kind) for e in events] == [(1, "silent"), (1, "back")]


def test_an_unanswered_unlock_is_reported_unconfirmed_and_never_resent(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    sim.silence(2)
    with pytest.raises(LockerError) as caught:
        locker.unlock(35)
    assert caught.value.health.reason == "unlock_unconfirmed"
    assert "no reply" in str(caught.value)
    assert _unlock_frames(sim) == [encode_unlock(2, 3)]
    assert sim.pulses(35) == 0
    assert locker.health().reason == "unlock_unconfirmed"

    sim.silence(2, False)
    locker.read_doors()
    assert locker.health().state is HealthState.OK


def test_a_corrupt_unlock_reply_is_unconfirmed_although_the_lock_fired_once(
    sim: LockerSimulator, locker: KerongLocker, caplog: pytest.LogCaptureFixture
) -> None:
    sim.corrupt_replies(1.0)
    with caplog.at_level(logging.WARNING), pytest.raises(LockerError) as caught:
        locker.unlock(12)
    assert caught.value.health.reason == "unlock_unconfirmed"
    assert "corrupt reply" in str(caught.value)
    assert sim.pulses(12) == 1
    # NOTE: a corrupt reply is ambiguous, so the door's sensor is read back (status requests
    # only, 1 + retries of them while every reply is corrupt) before giving up.
    assert sim.frames_received() == [encode_unlock(0, 12)] + [encode_status_request(0)] * 2
    assert locker.counters["corrupt_replies"] == 3
    assert locker.counters["unlock_checks"] == 2
    assert "tx  02 0b 31 03 41" in caplog.text  # the frame ring buffer is in the fault log


def test_corrupt_replies_are_counted_and_never_read_as_another_door(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    open_doors = [4, 19, 47]
    for door in open_doors:
        _open(sim, locker, door)
    sim.put_item(33)
    sim.corrupt_replies(0.3)

    for _ in range(12):
        for door, status in locker.read_doors().items():
            if status.state is DoorState.UNKNOWN:
                continue
            assert (status.state is DoorState.OPEN) == (door in open_doors)
            assert status.item_present == (door == 33)

    assert sim.corrupted > 0
    assert locker.counters["corrupt_replies"] == sim.corrupted
    assert sim.pulsed_doors() == open_doors


def test_a_reply_for_another_address_is_ignored() -> None:
    class CrossedLine:
        can_read = True
        connection_count = 1

        def __init__(self) -> None:
            self.pending = b""
            self.written: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.written.append(data)
            wrong = StatusReply(0x05, 0xFFFF, 0)  # a reply for board 0 lock 6
            self.pending = data + encode_status_reply(wrong)  # with a half-duplex echo

        def read(self, n: int, timeout: float) -> bytes:
            chunk, self.pending = self.pending[:n], self.pending[n:]
            return chunk

        def reset_input(self) -> None:
            self.pending = b""

        def close(self) -> None:
            pass

        def describe(self) -> str:
            return "crossed://"

    line = CrossedLine()
    locker = KerongLocker(line, reply_timeout_s=0.05)
    with pytest.raises(LockerError, match="not confirmed"):
        locker.unlock(1)
    # NOTE: the unlock's reply and each of the 1 + retries sensor read-backs got the crossed
    # reply; the unlock itself went out once.
    assert locker.counters["unexpected_replies"] == 4
    assert line.written == [encode_unlock(0, 1)] + [encode_status_request(0)] * 3


def test_a_restarted_board_is_detected_and_its_power_on_reading_is_not_trusted(
    sim: LockerSimulator, locker: KerongLocker, events: list[BoardEvent]
) -> None:
    for door in (1, 2):
        _open(sim, locker, door)
        sim.put_item(door)
    locker.read_doors()

    sim.reset_board(0)
    doors = locker.read_doors()

    assert [d for d, s in doors.items() if s.state is DoorState.OPEN] == [1, 2]
    assert [d for d, s in doors.items() if s.item_present] == [1, 2]
    health = locker.health()
    assert (health.state, health.reason) == (HealthState.DEGRADED, "board_restarted")
    assert locker.restarts() == {0: 1, 1: 0, 2: 0}
    assert [(e.board, e.kind) for e in events] == [(0, "restarted")]
    assert "after 1 unanswered request" in events[0].detail

    locker.acknowledge_restarts()
    assert locker.health().state is HealthState.OK


def test_a_restart_between_two_polls_is_detected_from_the_open_doors_it_forgot(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    for door in (17, 18):
        _open(sim, locker, door)
    locker.read_doors()
    sim.reset_board(1, boot_requests=0)

    doors = locker.read_doors()
    assert doors[17].state is DoorState.OPEN
    assert locker.restarts()[1] == 1


def test_the_last_frames_are_kept_with_direction_and_hex(
    sim: LockerSimulator, locker: KerongLocker
) -> None:
    locker.unlock(2)
    records = locker.recent_frames()
    assert [(r.direction, r.data.hex(" ")) for r in records] == [
        ("tx", "02 01 31 03 37"),
        ("rx", "02 01 35 ff ff 00 00 03 39"),
    ]
    assert records[0].describe().endswith("tx  02 01 31 03 37")


# -- factory ------------------------------------------------------------------------------------


def test_a_sim_url_is_refused_with_what_to_do() -> None:
    with pytest.raises(DeviceUrlError, match="socket://"):
        open_locker("sim://")


def test_a_url_that_cannot_drive_locks_is_refused() -> None:
    with pytest.raises(DeviceUrlError, match="gpio://"):
        open_locker("tcp://127.0.0.1:9100")


def test_url_parameters_override_the_settings_and_do_not_reach_pyserial(
    sim: LockerSimulator,
) -> None:
    locker = open_locker(f"{sim.url}?boards=2&locks_per_board=8&pulse_ms=1000&retries=0")
    try:
        assert isinstance(locker, KerongLocker)
        assert (locker.boards, locker.locks_per_board, locker.pulse_ms) == (2, 8, 1000)
        assert locker.doors == tuple(range(1, 17))
        locker.unlock(9)  # board 1 lock 1
    finally:
        locker.close()
    assert sim.pulsed_doors() == [17]  # the simulator wires 16 locks per board

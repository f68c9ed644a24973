"""How a Kerong board answers an unlock, and how the driver confirms it: once per reply shape.

Public CU16 code disagrees on what follows a ``31`` (see the NOTE above
``kerong_driver.UNLOCK_REPLY_SHAPES``): an echo of the lock's ADDR, a status frame with the
board's ADDR, or nothing. Each test here runs the real driver over a real transport
(``socket://`` to the locker simulator) once per shape. The driver must send the unlock exactly
once, take an echo as "confirmed by reply", and otherwise read the door's sensor back: "confirmed
by sensor" when it reads unlocked, "not confirmed" when the door still reads locked (a jammed
latch). A property test then throws arbitrary reply bytes at the unlock.

With ``KIOSK_TEST_LOCKER_URL`` (``serial:///dev/kiosk-locker``) and ``KIOSK_TEST_LOCKER_DOOR``
set, one test fires that real door once and prints which shape the board answered with.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk.devices.health import HealthState
from kiosk.devices.locker.factory import LockerSettings, open_locker
from kiosk.devices.locker.kerong_driver import UNLOCK_REPLY_SHAPES, KerongLocker
from kiosk.devices.locker.kerong_frames import (
    CMD_STATUS_REPLY,
    FrameParser,
    StatusReply,
    address,
    decode_status_reply,
    encode_status_reply,
    encode_status_request,
    encode_unlock,
)
from kiosk.devices.locker.protocol import DoorState, LockerError, UnlockConfirmation
from simulators.locker.control import apply_command
from simulators.locker.server import LockerSimulator

BOARDS = 2
DOOR = 18  # board 1 lock 2: the lock's ADDR (0x11) differs from the board's (0x10)
UNLOCK_CHECK_S = 0.3

SHAPES = pytest.mark.parametrize("shape", UNLOCK_REPLY_SHAPES)


def _locker(sim: LockerSimulator) -> KerongLocker:
    built = open_locker(
        sim.url,
        LockerSettings(
            boards=BOARDS, reply_timeout_s=0.1, retries=1, unlock_check_s=UNLOCK_CHECK_S
        ),
    )
    assert isinstance(built, KerongLocker)
    return built


@pytest.fixture
def spring() -> Iterator[LockerSimulator]:
    """Boards whose released latches push the door ajar at once (Kerong spring latches)."""
    with LockerSimulator(port=0, boards=BOARDS, auto_pull_s=0.0) as simulator:
        yield simulator


@pytest.fixture
def still() -> Iterator[LockerSimulator]:
    """Boards whose released doors stay shut until a person pulls them."""
    with LockerSimulator(port=0, boards=BOARDS) as simulator:
        yield simulator


def _unlocks(sim: LockerSimulator) -> list[bytes]:
    return [frame for frame in sim.frames_received() if frame[2] == 0x31]


def _status_requests(sim: LockerSimulator) -> list[bytes]:
    return [frame for frame in sim.frames_received() if frame[2] == 0x30]


EXPECTED = {
    "echo": UnlockConfirmation.REPLY,
    "status": UnlockConfirmation.SENSOR,
    "silent": UnlockConfirmation.SENSOR,
}


@SHAPES
def test_an_unlock_is_sent_once_and_confirmed_by_the_reply_or_the_doors_sensor(
    spring: LockerSimulator, shape: str
) -> None:
    spring.set_reply_shape(shape)
    locker = _locker(spring)
    try:
        result = locker.unlock(DOOR)
        health = locker.health()
    finally:
        locker.close()

    assert (result.door, result.confirmation, result.reply) == (DOOR, EXPECTED[shape], shape)
    assert result.confirmed is True
    assert spring.pulsed_doors() == [DOOR]
    assert _unlocks(spring) == [encode_unlock(1, 2)]
    if shape == "echo":
        assert spring.frames_received() == [encode_unlock(1, 2)]  # nothing else was asked
        assert result.detail == "the board echoed"
    else:
        # only status requests follow the unlock, and they stop at the first unlocked reading
        assert set(_status_requests(spring)) == {encode_status_request(1)}
        assert locker.counters["unlock_checks"] == len(_status_requests(spring))
        assert "the door's sensor read unlocked" in result.detail
    assert locker.counters["unlocks_confirmed"] == 1
    assert locker.counters[f"unlocks_confirmed_by_{EXPECTED[shape].value}"] == 1
    assert health.state is HealthState.OK
    # the unlock's own frames travel with the result: what went out, what came back, silence
    sent = [line.split("tx  ")[1] for line in result.frames if " tx  " in line]
    came = "".join(line.split("rx  ")[1] + " " for line in result.frames if " rx  " in line)
    assert sent == [frame.hex(" ") for frame in spring.frames_received()]
    assert came == "".join(frame.hex(" ") + " " for frame in spring.frames_sent())
    assert sum(" --  " in line for line in result.frames) == (1 if shape == "silent" else 0)


@SHAPES
def test_a_jammed_latch_is_pulsed_once_and_only_the_reply_can_confirm_it(
    still: LockerSimulator, shape: str
) -> None:
    still.set_reply_shape(shape)
    still.jam(DOOR)
    locker = _locker(still)
    try:
        result = locker.unlock(DOOR)
        doors = locker.read_doors()
        health = locker.health()
    finally:
        locker.close()

    assert still.pulsed_doors() == [DOOR]
    assert [pulse.released for pulse in still.pulse_log] == [False]
    assert _unlocks(still) == [encode_unlock(1, 2)]
    assert doors[DOOR].state is DoorState.CLOSED
    assert health.state is HealthState.OK  # the board answers; the latch is the problem
    if shape == "echo":
        # the board took the command: the hand-over's door watch finds the latch stuck
        assert result.confirmation is UnlockConfirmation.REPLY
        return
    assert result.confirmation is UnlockConfirmation.NOT_CONFIRMED
    assert result.confirmed is False
    assert result.reply == shape
    assert "the door still read locked" in result.detail
    assert "not re-sent" in result.detail
    assert locker.counters["unlocks_still_locked"] == 1
    assert locker.counters["unlocks_unconfirmed"] == 0
    assert len(_status_requests(still)) >= 2  # read back until the check time ran out


@pytest.mark.parametrize("shape", ["status", "silent"])
def test_a_released_door_nobody_pulls_reads_locked_then_opens_when_pulled(
    still: LockerSimulator, shape: str
) -> None:
    still.set_reply_shape(shape)
    locker = _locker(still)
    try:
        result = locker.unlock(DOOR)
        assert result.confirmation is UnlockConfirmation.NOT_CONFIRMED
        assert still.pull(DOOR) is True  # the latch did release: the person opens the door
        assert locker.read_doors()[DOOR].state is DoorState.OPEN
    finally:
        locker.close()
    assert still.pulsed_doors() == [DOOR]


def test_a_pull_during_the_read_back_confirms_the_unlock_by_the_sensor(
    still: LockerSimulator,
) -> None:
    still.set_reply_shape("silent")
    locker = _locker(still)

    def person() -> None:
        if still.wait_for_pulses(1):
            still.pull(DOOR)

    helper = threading.Thread(target=person)
    helper.start()
    try:
        result = locker.unlock(DOOR)
    finally:
        helper.join()
        locker.close()
    assert result.confirmation is UnlockConfirmation.SENSOR
    assert still.pulsed_doors() == [DOOR]


def test_lock_1_cannot_tell_a_status_frame_from_an_echo_and_takes_it_as_the_reply(
    still: LockerSimulator,
) -> None:
    still.set_reply_shape("status")
    locker = _locker(still)
    try:
        result = locker.unlock(17)  # board 1 lock 1: lock ADDR == board ADDR == 0x10
    finally:
        locker.close()
    assert (result.confirmation, result.reply) == (UnlockConfirmation.REPLY, "echo")
    assert still.frames_received() == [encode_unlock(1, 1)]


def test_the_reply_shape_switched_at_run_time_changes_the_next_unlock_only(
    spring: LockerSimulator,
) -> None:
    locker = _locker(spring)
    try:
        first = locker.unlock(DOOR)
        assert apply_command(spring, "shape 1 silent") == "board 1 answers an unlock with silent"
        second = locker.unlock(DOOR + 1)
        spring.set_reply_shape("status", 1)
        third = locker.unlock(DOOR + 2)
        on_board_0 = locker.unlock(2)  # board 0 still echoes
    finally:
        locker.close()
    assert [(r.confirmation, r.reply) for r in (first, second, third, on_board_0)] == [
        (UnlockConfirmation.REPLY, "echo"),
        (UnlockConfirmation.SENSOR, "silent"),
        (UnlockConfirmation.SENSOR, "status"),
        (UnlockConfirmation.REPLY, "echo"),
    ]
    assert spring.pulsed_doors() == [DOOR, DOOR + 1, DOOR + 2, 2]


def test_a_board_that_answers_neither_the_unlock_nor_the_read_back_raises_unconfirmed(
    still: LockerSimulator,
) -> None:
    still.set_reply_shape("silent")
    still.silence(1)
    locker = _locker(still)
    try:
        with pytest.raises(LockerError) as caught:
            locker.unlock(DOOR)
        health = locker.health()
    finally:
        locker.close()
    assert caught.value.health.reason == "unlock_unconfirmed"
    assert "no reply, and no sensor reading" in str(caught.value)
    assert (health.state, health.reason) == (HealthState.UNKNOWN, "unlock_unconfirmed")
    assert still.frames_received() == [encode_unlock(1, 2)] + [encode_status_request(1)] * 2
    assert locker.counters["unlocks_unconfirmed"] == 1


def test_the_unlock_and_its_read_back_are_in_the_flight_recorder(spring: LockerSimulator) -> None:
    spring.set_reply_shape("silent")
    locker = _locker(spring)
    try:
        result = locker.unlock(DOOR)
        recorded = [record.describe() for record in locker.recent_frames()]
    finally:
        locker.close()
    assert recorded == list(result.frames)
    directions = [record.split()[1] for record in recorded]
    assert directions[:2] == ["tx", "--"]  # the unlock, then nothing within the reply time
    assert recorded[2].endswith("tx  02 10 30 03 45")  # the read-back of board 1
    assert recorded[-1].split()[1] == "rx"


# -- any bytes after the unlock -----------------------------------------------------------------


class ScriptedLine:
    """An in-memory RS-485 line: the unlock gets ``unlock_reply``; each read-back the next of
    ``read_backs`` (then nothing). A read with nothing pending waits its timeout, as pyserial
    does."""

    can_read = True
    connection_count = 1

    def __init__(self, unlock_reply: bytes, read_backs: list[bytes]) -> None:
        self.unlock_reply = unlock_reply
        self.read_backs = list(read_backs)
        self.written: list[bytes] = []
        self.pending = b""
        self._idle = threading.Event()

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))
        if data[2] == 0x31:
            self.pending = self.unlock_reply
        elif self.read_backs:
            self.pending = self.read_backs.pop(0)

    def read(self, n: int, timeout: float) -> bytes:
        if not self.pending:
            self._idle.wait(timeout)
            return b""
        chunk, self.pending = self.pending[:n], self.pending[n:]
        return chunk

    def reset_input(self) -> None:
        self.pending = b""

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "scripted://"


BOARD, LOCK = 1, 2
LOCK_ADDR, BOARD_ADDR = address(BOARD, LOCK), address(BOARD, 1)


def _reply(addr: int, lock_bits: int, item_bits: int = 0) -> bytes:
    return encode_status_reply(StatusReply(addr, lock_bits, item_bits))


def _first_accepted(data: bytes) -> StatusReply | None:
    """What the driver takes from the unlock's reply: the first frame for the lock or board."""
    for frame in FrameParser().feed(data):
        if frame.command == CMD_STATUS_REPLY and frame.addr in (LOCK_ADDR, BOARD_ADDR):
            return decode_status_reply(frame)
    return None


def _first_reading(data: bytes) -> StatusReply | None:
    """What the driver takes from a read-back's reply: the first frame for the board."""
    for frame in FrameParser().feed(data):
        if frame.command == CMD_STATUS_REPLY and frame.addr == BOARD_ADDR:
            return decode_status_reply(frame)
    return None


def _reads_unlocked(data: bytes) -> bool:
    reading = _first_reading(data)
    return reading is not None and not reading.is_locked(LOCK, 1)


def _shape(data: bytes) -> str:
    """How the driver must name the unlock's reply when it is not the lock's echo."""
    if _first_accepted(data) is not None:
        return "status"
    if not data:
        return "silent"
    other = [f for f in FrameParser().feed(data) if f.command == CMD_STATUS_REPLY]
    return "other" if other else "corrupt"


reply_bytes = st.one_of(
    st.binary(max_size=24),
    st.builds(_reply, st.sampled_from([LOCK_ADDR, BOARD_ADDR, 0x05, 0x21]), st.integers(0, 0xFFFF)),
    st.builds(
        lambda junk, addr, bits, cut: (junk + _reply(addr, bits))[:cut],
        st.binary(max_size=6),
        st.sampled_from([LOCK_ADDR, BOARD_ADDR]),
        st.integers(0, 0xFFFF),
        st.integers(0, 16),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply_bytes, st.lists(reply_bytes, max_size=4))
@example(b"", [])
@example(_reply(LOCK_ADDR, 0xFFFF), [])
@example(_reply(BOARD_ADDR, 0xFFFF), [_reply(BOARD_ADDR, 0xFFFD)])
@example(b"\x02\x11\x35", [_reply(BOARD_ADDR, 0xFFFF)] * 4)
@example(_reply(0x05, 0xFFFF), [b"\x00", _reply(BOARD_ADDR, 0xFFFF)])
def test_any_reply_bytes_give_one_unlock_frame_and_a_result_the_bytes_justify(
    unlock_reply: bytes, read_backs: list[bytes]
) -> None:
    line = ScriptedLine(unlock_reply, read_backs)
    locker = KerongLocker(line, boards=2, reply_timeout_s=0.01, retries=1, unlock_check_s=0.08)
    try:
        result = locker.unlock(16 + LOCK)
        error = None
    except LockerError as exc:
        result, error = None, exc
    finally:
        locker.close()

    # the unlock went out once, first; everything after it was a status request of its board
    assert line.written[0] == encode_unlock(BOARD, LOCK)
    assert line.written[1:] == [encode_status_request(BOARD)] * (len(line.written) - 1)
    answered = read_backs[: len(line.written) - 1]
    first = _first_accepted(unlock_reply)
    echoed = first is not None and first.addr == LOCK_ADDR
    if echoed:
        assert result is not None
        assert (result.confirmation, result.reply) == (UnlockConfirmation.REPLY, "echo")
        assert line.written == [encode_unlock(BOARD, LOCK)]
        return
    if error is not None:
        assert (error.health.state, error.health.reason) == (
            HealthState.UNKNOWN,
            "unlock_unconfirmed",
        )
        assert not any(_reads_unlocked(data) for data in answered)
        return
    assert result is not None
    assert result.reply == _shape(unlock_reply)
    if result.confirmation is UnlockConfirmation.SENSOR:
        assert _reads_unlocked(answered[-1])
        assert not any(_reads_unlocked(data) for data in answered[:-1])
    else:
        assert result.confirmation is UnlockConfirmation.NOT_CONFIRMED
        assert not any(_reads_unlocked(data) for data in answered)
        assert any(_first_reading(data) is not None for data in answered)


# -- real hardware -----------------------------------------------------------------------------

HARDWARE_URL = os.environ.get("KIOSK_TEST_LOCKER_URL", "")
HARDWARE_DOOR = int(os.environ.get("KIOSK_TEST_LOCKER_DOOR", "0") or 0)


@pytest.mark.skipif(
    not (HARDWARE_URL and HARDWARE_DOOR),
    reason="set KIOSK_TEST_LOCKER_URL and KIOSK_TEST_LOCKER_DOOR to fire a real door once",
)
def test_a_real_board_confirms_an_unlock_of_a_free_door_with_one_unlock_frame(
    capsys: pytest.CaptureFixture[str],
) -> None:
    locker = open_locker(HARDWARE_URL)
    assert isinstance(locker, KerongLocker)
    try:
        result = locker.unlock(HARDWARE_DOOR)
    finally:
        locker.close()
    with capsys.disabled():
        print(f"\nreal board answered the unlock with: {result.reply}; {result.detail}")
        print("\n".join(result.frames))
    assert result.confirmed is True
    assert sum(" 31 03 " in line and "tx " in line for line in result.frames) == 1

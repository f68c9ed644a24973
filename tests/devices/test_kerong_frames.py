"""Kerong KR-CU16 frames byte for byte, and the streaming parser under garbage (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.locker.kerong_frames import (
    CMD_STATUS,
    CMD_STATUS_REPLY,
    ETX,
    STX,
    FrameParser,
    StatusReply,
    address,
    check_frame,
    checksum,
    decode_status_reply,
    encode_status_reply,
    encode_status_request,
    encode_unlock,
    lock_bits_for,
    split_address,
)
from kiosk.errors import ProtocolError

STATUS_BOARD_0 = bytes.fromhex("02 00 30 03 35")
STATUS_BOARD_2 = bytes.fromhex("02 20 30 03 55")
UNLOCK_BOARD_0_LOCK_1 = bytes.fromhex("02 00 31 03 36")
UNLOCK_BOARD_1_LOCK_16 = bytes.fromhex("02 1f 31 03 55")
UNLOCK_BOARD_9_LOCK_5 = bytes.fromhex("02 94 31 03 ca")
# board 1 echoing lock 1; locks 1-8 all set but lock 2, 9-16 set; items at locks 5 and 16
REPLY_BOARD_1 = bytes.fromhex("02 10 35 fd ff 10 80 03 d6")


def test_the_checksum_is_the_low_byte_of_the_sum_of_stx_addr_cmd_and_etx() -> None:
    assert checksum(bytes((STX, 0x00, CMD_STATUS, ETX))) == 0x35
    assert checksum(bytes((STX, 0xFF, 0xFF, ETX))) == (2 + 0xFF + 0xFF + 3) & 0xFF == 0x03


def test_requests_are_five_exact_bytes() -> None:
    assert encode_status_request(0) == STATUS_BOARD_0
    assert encode_status_request(2) == STATUS_BOARD_2
    assert encode_unlock(0, 1) == UNLOCK_BOARD_0_LOCK_1
    assert encode_unlock(1, 16) == UNLOCK_BOARD_1_LOCK_16
    assert encode_unlock(9, 5) == UNLOCK_BOARD_9_LOCK_5


def test_address_puts_the_board_in_the_high_nibble_and_lock_minus_one_in_the_low() -> None:
    assert address(0, 1) == 0x00
    assert address(0, 16) == 0x0F
    assert address(3, 1) == 0x30
    assert address(9, 16) == 0x9F
    assert split_address(0x9F) == (9, 16)
    assert split_address(0x30) == (3, 1)


@pytest.mark.parametrize(("board", "lock"), [(-1, 1), (16, 1), (0, 0), (0, 17)])
def test_address_out_of_range_is_refused(board: int, lock: int) -> None:
    with pytest.raises(ValueError):
        address(board, lock)


def test_a_status_reply_is_nine_exact_bytes_and_decodes_back() -> None:
    reply = StatusReply(0x10, lock_bits=0xFFFD, item_bits=0x8010)
    assert encode_status_reply(reply) == REPLY_BOARD_1
    frame = check_frame(REPLY_BOARD_1)
    assert (frame.board, frame.lock, frame.command) == (1, 1, CMD_STATUS_REPLY)
    assert decode_status_reply(frame) == reply


def test_lock_bit_polarity_is_per_board_revision() -> None:
    reply = StatusReply(0x00, lock_bits=0xFFFD, item_bits=0x8010)
    assert reply.is_locked(1, locked_bit=1) is True
    assert reply.is_locked(2, locked_bit=1) is False
    assert reply.is_locked(1, locked_bit=0) is False
    assert reply.is_locked(2, locked_bit=0) is True
    assert [lock for lock in range(1, 17) if reply.has_item(lock)] == [5, 16]


def test_lock_bits_for_builds_both_polarities() -> None:
    assert lock_bits_for({2: False}, locked_bit=1) == 0xFFFD
    assert lock_bits_for({2: False}, locked_bit=0) == 0x0002
    assert lock_bits_for([True, False], locked_bit=1) == 0xFFFD


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (bytes.fromhex("02 00 30 03 34"), "checksum"),
        (bytes.fromhex("02 00 30 04 36"), "ETX"),
        (bytes.fromhex("02 00 40 03 45"), "unknown"),
        (bytes.fromhex("02 10 35 fd ff 10 80 03"), "frame"),
    ],
)
def test_check_frame_names_what_is_wrong(data: bytes, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem):
        check_frame(data)


def test_a_request_is_not_a_status_reply() -> None:
    with pytest.raises(ProtocolError):
        decode_status_reply(check_frame(UNLOCK_BOARD_0_LOCK_1))


def test_the_parser_finds_frames_split_across_reads() -> None:
    parser = FrameParser()
    assert parser.feed(REPLY_BOARD_1[:4]) == []
    assert parser.pending == 4
    frames = parser.feed(REPLY_BOARD_1[4:] + UNLOCK_BOARD_0_LOCK_1[:2])
    assert [f.raw for f in frames] == [REPLY_BOARD_1]
    assert [f.raw for f in parser.feed(UNLOCK_BOARD_0_LOCK_1[2:])] == [UNLOCK_BOARD_0_LOCK_1]


def test_the_parser_resynchronises_behind_a_false_start_and_a_bad_checksum() -> None:
    parser = FrameParser()
    bad = bytearray(REPLY_BOARD_1)
    bad[4] ^= 0x01
    stream = b"\xff\x02\x10\x35" + bytes(bad) + REPLY_BOARD_1 + b"\x00\x02"
    frames = parser.feed(stream)
    assert [f.raw for f in frames] == [REPLY_BOARD_1]
    assert parser.rejected == 2  # the false start and the frame with the wrong checksum
    assert parser.pending == 1  # the trailing STX waits for more


def test_the_parser_drops_bytes_that_cannot_start_a_frame() -> None:
    parser = FrameParser()
    assert parser.feed(b"\x00\x01\xff\x30") == []
    assert (parser.discarded, parser.pending) == (4, 0)


valid_frames = st.one_of(
    st.builds(encode_status_request, st.integers(0, 15)),
    st.builds(encode_unlock, st.integers(0, 15), st.integers(1, 16)),
    st.builds(
        lambda addr, locks, items: encode_status_reply(StatusReply(addr, locks, items)),
        st.integers(0, 255),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFF),
    ),
)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(st.binary(max_size=300), st.lists(st.integers(0, 400), max_size=8))
def test_arbitrary_bytes_in_arbitrary_pieces_never_raise_and_only_give_valid_frames(
    data: bytes, cuts: list[int]
) -> None:
    parser = FrameParser()
    for piece in _split(data, cuts):
        for frame in parser.feed(piece):
            assert check_frame(frame.raw) == frame
    assert parser.pending < 9


@given(
    st.lists(st.tuples(st.binary(max_size=20), valid_frames), min_size=1, max_size=6),
    st.lists(st.integers(0, 400), max_size=8),
)
def test_valid_frames_between_garbage_without_stx_are_all_found_in_order(
    chunks: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    frames = [frame for _, frame in chunks]
    stream = b"".join(garbage.replace(b"\x02", b"") + frame for garbage, frame in chunks)
    parser = FrameParser()
    found = [f.raw for piece in _split(stream, cuts) for f in parser.feed(piece)]
    assert found == frames


@given(st.binary(max_size=40), valid_frames)
def test_a_valid_frame_after_any_garbage_is_found_once_the_garbage_is_flushed(
    garbage: bytes, frame: bytes
) -> None:
    parser = FrameParser()
    # NOTE: garbage may end in a false start that, with odds of 1 in 65,536 (ETX and checksum
    # both matching by chance), swallows up to 8 following bytes; three copies leave one whole.
    found = [f.raw for f in parser.feed(garbage + frame * 3)]
    assert frame in found

"""Fuzz: replies of the lock boards and the ticket printer (bytes from a device we drive).

A broken, swapped or hostile device can send anything back. The Kerong frame code refuses
what is not a frame with ``ProtocolError`` (or skips it while resynchronising), the driver
turns every reply into door states or a ``LockerError`` with a health reason; the printer's
``DLE EOT`` decoding refuses with ``ProtocolError`` and the driver reports a health reason.
The drivers run over a real ``TcpTransport`` to a scripted peer on a local socket.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk.devices.health import HealthState
from kiosk.devices.locker.kerong_driver import KerongLocker
from kiosk.devices.locker.kerong_frames import (
    CMD_STATUS_REPLY,
    FRAME_LENGTHS,
    FrameParser,
    RawFrame,
    StatusReply,
    check_frame,
    decode_status_reply,
    encode_status_reply,
)
from kiosk.devices.locker.protocol import DoorState, LockerError
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.printer.protocol import PaperStatus
from kiosk.devices.printer.status import FIXED_BITS_MASK, FIXED_BITS_VALUE, parse_status_byte
from kiosk.devices.transport import TcpTransport
from kiosk.errors import ProtocolError
from tests.fuzz.fuzz_support import ScriptedPeer

FAST = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WIRE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

LOCKS = 16
KNOWN_REASONS = {"board_silent", "bad_answer", "unlock_unconfirmed", "disconnected"}


def valid_reply(addr: int = 0x00, lock_bits: int = 0xFFFF, item_bits: int = 0) -> bytes:
    return encode_status_reply(StatusReply(addr, lock_bits, item_bits))


@st.composite
def mangled_replies(draw: st.DrawFn) -> bytes:
    """A valid status reply with bytes flipped, cut, doubled or framed in garbage."""
    frame = bytearray(
        valid_reply(
            draw(st.integers(0, 255)), draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 0xFFFF))
        )
    )
    for _ in range(draw(st.integers(0, 3))):
        frame[draw(st.integers(0, len(frame) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(frame)))
    body = bytes(frame[:cut]) if draw(st.booleans()) else bytes(frame)
    return (
        draw(st.binary(max_size=6)) + body * draw(st.integers(1, 2)) + draw(st.binary(max_size=6))
    )


device_bytes = st.one_of(st.binary(max_size=40), mangled_replies())


# -- Kerong frames: pure decoding --------------------------------------------------------------


@FAST
@given(st.lists(device_bytes, max_size=8))
@example([valid_reply()[:4], valid_reply()[4:] + b"\x02\x00"])
@example([b"\x02\x00\x35" + b"\x02" * 6])
def test_the_frame_parser_returns_only_frames_that_check_whatever_the_line_carries(
    chunks: list[bytes],
) -> None:
    parser = FrameParser()
    fed = 0
    for chunk in chunks:
        fed += len(chunk)
        for frame in parser.feed(chunk):
            assert isinstance(frame, RawFrame)
            assert check_frame(frame.raw) == frame
            assert len(frame.raw) == FRAME_LENGTHS[frame.command]

    assert parser.pending <= fed
    assert parser.pending < max(FRAME_LENGTHS.values())


@FAST
@given(device_bytes)
@example(b"\x02\x00\x35\x00\x00\x00\x00\x03\x3a")
@example(b"\x02\x00\x30\x03\x35")
def test_checking_and_decoding_a_frame_refuse_with_protocol_error_only(data: bytes) -> None:
    try:
        frame = check_frame(data)
    except ProtocolError as exc:
        assert str(exc)  # names what is wrong and the bytes seen
        return
    try:
        reply = decode_status_reply(frame)
    except ProtocolError as exc:
        assert frame.command != CMD_STATUS_REPLY
        assert str(exc)
        return
    assert 0 <= reply.lock_bits <= 0xFFFF
    assert 0 <= reply.item_bits <= 0xFFFF
    assert encode_status_reply(reply) == data


# -- the Kerong driver over a real transport --------------------------------------------------


@pytest.fixture(scope="module")
def peer() -> Iterator[ScriptedPeer]:
    with ScriptedPeer() as scripted:
        yield scripted


def board_replies() -> st.SearchStrategy[list[bytes | None]]:
    """What one board sends back to each request: garbage, mangled, valid, or hanging up."""
    reply = st.one_of(
        device_bytes,
        st.builds(valid_reply, st.just(0x00), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
        st.builds(valid_reply, st.integers(0, 255), st.integers(0, 0xFFFF), st.just(0)),
        st.none(),
    )
    return st.lists(reply, max_size=6)


@WIRE
@given(board_replies(), st.integers(1, LOCKS))
@example([None], 1)
@example([valid_reply(0x01), valid_reply(0x00)], 2)
@example([b"\x02\x00\x35\x00\x00\x00\x00\x03\x00"] * 4, 1)
def test_the_lock_driver_turns_any_board_reply_into_door_states_or_a_locker_error(
    peer: ScriptedPeer, replies: list[bytes | None], door: int
) -> None:
    peer.script(replies)
    transport = TcpTransport("127.0.0.1", peer.port, connect_timeout=2.0)
    locker = KerongLocker(transport, boards=1, reply_timeout_s=0.015, retries=1)
    try:
        doors = locker.read_doors()
        assert sorted(doors) == list(range(1, LOCKS + 1))
        for number, status in doors.items():
            assert status.door == number
            assert status.state in (DoorState.OPEN, DoorState.CLOSED, DoorState.UNKNOWN)
            if status.state is DoorState.UNKNOWN:
                assert status.item_present is None
        health = locker.health()
        if any(s.state is DoorState.UNKNOWN for s in doors.values()):
            assert health.state is HealthState.FAULT
            assert health.reason in KNOWN_REASONS
        try:
            locker.unlock(door)
        except LockerError as exc:
            assert exc.health.reason in KNOWN_REASONS
            assert exc.health.state in (HealthState.FAULT, HealthState.UNKNOWN)
            assert str(exc)
    finally:
        locker.close()


# -- printer status replies -------------------------------------------------------------------


@FAST
@given(st.integers(1, 4), st.binary(max_size=8))
def test_a_status_reply_is_a_status_byte_none_or_a_protocol_error(n: int, reply: bytes) -> None:
    try:
        value = parse_status_byte(n, reply)
    except ProtocolError as exc:
        assert f"DLE EOT {n}" in str(exc)
        assert len(reply) != 1 or reply[0] & FIXED_BITS_MASK != FIXED_BITS_VALUE
        return
    if value is None:
        assert reply == b""
    else:
        assert reply == bytes([value])
        assert value & FIXED_BITS_MASK == FIXED_BITS_VALUE


one_byte = st.integers(0, 255).map(lambda value: bytes([value]))

PRINTER_REASONS = {
    "",
    "no_answer",
    "bad_answer",
    "disconnected",
    "partial_answer",
    "cover_open",
    "paper_out",
    "printer_error",
    "offline",
    "paper_near_end",
}


@WIRE
@given(st.lists(st.one_of(st.binary(max_size=4), one_byte, st.none()), max_size=5))
@example([b"\x12", b"\x12", b"\x12", b"\x12"])
@example([b"\x12", None, b"\x12"])
@example([b"\xff\xff", b"\x00", b"", b"\x12"])
def test_the_printer_driver_reads_any_status_reply_as_a_status_with_a_health_reason(
    peer: ScriptedPeer, replies: list[bytes | None]
) -> None:
    peer.script(replies)
    transport = TcpTransport("127.0.0.1", peer.port, connect_timeout=2.0)
    printer = EscPosPrinter(transport, status_timeout_s=0.06)
    try:
        status = printer.status()
        health = status.health()
        assert health.reason in PRINTER_REASONS
        if not status.answered:
            assert health.state in (HealthState.UNKNOWN, HealthState.FAULT)
            assert health.reason in ("no_answer", "bad_answer", "disconnected")
        assert status.paper in set(PaperStatus)
    finally:
        printer.close()

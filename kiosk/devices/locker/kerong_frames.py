"""Frames of the Kerong KR-CU16 lock-control board (RS-485, 19200 8N1): pure encode/decode.

Every frame starts with STX and carries ETX and a checksum at its end::

    request        02 ADDR CMD 03 SUM                              5 bytes
    status reply   02 ADDR 35 L1-8 L9-16 IR1-8 IR9-16 03 SUM       9 bytes

- ``SUM`` is the sum of *every* byte before it (STX, ADDR, CMD, data and ETX), modulo 256.
  (Checked against a public CU16 driver, which sums the whole message body including STX and
  ETX and keeps the low byte; Kerong's own sheet says "SUM = low byte of the sum".)
- ``ADDR = board << 4 | (lock - 1)``: the high nibble is the board's address switch (0-15;
  we drive at most 10 on one line), the low nibble the lock *index* 0-15. Locks are numbered
  1-16 as printed on the board, so lock 1 is nibble 0 and lock 16 nibble 15. A status request
  names the board; we send lock nibble 0 and the board answers for all 16 locks.
- ``CMD``: ``30`` read status, ``31`` unlock (energise one lock for the board's pulse time).
  The board answers both with a ``35`` status frame that echoes the request's ``ADDR``; the
  reply to an unlock is sent when the pulse starts, so it says "command taken", not "door open".
- ``L1-8`` / ``L9-16``: lock (hook) sensor bits, bit 0 = lock 1 (resp. lock 9). Whether a set
  bit means *locked* differs between board revisions: :class:`StatusReply` takes ``locked_bit``.
- ``IR1-8`` / ``IR9-16``: the infrared item sensors, a set bit = item present.

:class:`FrameParser` turns a byte stream into frames, resynchronising on garbage: it never
raises, and never returns a frame whose ETX or checksum is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import ProtocolError

STX = 0x02
ETX = 0x03
CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
CMD_STATUS_REPLY = 0x35

REQUEST_LENGTH = 5
STATUS_REPLY_LENGTH = 9
FRAME_LENGTHS = {
    CMD_STATUS: REQUEST_LENGTH,
    CMD_UNLOCK: REQUEST_LENGTH,
    CMD_STATUS_REPLY: STATUS_REPLY_LENGTH,
}

MAX_BOARD_ADDRESS = 15  # the high nibble of ADDR
LOCKS_PER_BOARD = 16  # KR-CU16
ALL_LOCK_BITS = 0xFFFF


def checksum(data: bytes) -> int:
    """The CU16 checksum: sum of ``data`` (everything before the SUM byte) modulo 256."""
    return sum(data) & 0xFF


def address(board: int, lock: int) -> int:
    """``ADDR`` for a board (0-15) and a lock (1-16 as printed on the board).

    Raises:
        ValueError: board or lock out of range.
    """
    if not 0 <= board <= MAX_BOARD_ADDRESS:
        raise ValueError(f"board address must be 0-{MAX_BOARD_ADDRESS}, got {board}")
    if not 1 <= lock <= LOCKS_PER_BOARD:
        raise ValueError(f"lock must be 1-{LOCKS_PER_BOARD}, got {lock}")
    return board << 4 | (lock - 1)


def split_address(addr: int) -> tuple[int, int]:
    """``(board, lock)`` of an ``ADDR`` byte; lock is 1-16."""
    return addr >> 4, (addr & 0x0F) + 1


def _frame(addr: int, command: int, data: bytes = b"") -> bytes:
    body = bytes((STX, addr, command)) + data + bytes((ETX,))
    return body + bytes((checksum(body),))


def encode_status_request(board: int) -> bytes:
    """``02 ADDR 30 03 SUM`` asking one board for all its locks (lock nibble 0)."""
    return _frame(address(board, 1), CMD_STATUS)


def encode_unlock(board: int, lock: int) -> bytes:
    """``02 ADDR 31 03 SUM``: energise one lock (lock 1-16)."""
    return _frame(address(board, lock), CMD_UNLOCK)


@dataclass(frozen=True)
class RawFrame:
    """One frame with a correct STX, ETX and checksum, as cut from the byte stream.

    Attributes:
        addr: the ADDR byte.
        command: the CMD byte (``30``, ``31`` or ``35``).
        data: the bytes between CMD and ETX (4 for a status reply, none for a request).
        raw: the whole frame.
    """

    addr: int
    command: int
    data: bytes
    raw: bytes

    @property
    def board(self) -> int:
        """The board address (high nibble of ADDR)."""
        return self.addr >> 4

    @property
    def lock(self) -> int:
        """The lock (1-16) named by the low nibble of ADDR."""
        return (self.addr & 0x0F) + 1


@dataclass(frozen=True)
class StatusReply:
    """A decoded ``35`` status frame.

    Attributes:
        addr: the ADDR byte (echoes the request it answers).
        lock_bits: the 16 lock sensor bits as sent (bit 0 = lock 1), not yet mapped to
            locked/unlocked.
        item_bits: the 16 infrared bits (bit 0 = lock 1, set = item present).
    """

    addr: int
    lock_bits: int
    item_bits: int

    @property
    def board(self) -> int:
        """The board address (high nibble of ADDR)."""
        return self.addr >> 4

    @property
    def lock(self) -> int:
        """The lock (1-16) named by the low nibble of ADDR."""
        return (self.addr & 0x0F) + 1

    def is_locked(self, lock: int, locked_bit: int) -> bool:
        """True when lock 1-16 reads locked, for a board whose locked bit is ``locked_bit``."""
        return bool(self.lock_bits >> (lock - 1) & 1) == bool(locked_bit)

    def has_item(self, lock: int) -> bool:
        """True when the infrared sensor of lock 1-16 sees an item."""
        return bool(self.item_bits >> (lock - 1) & 1)


def lock_bits_for(locked: dict[int, bool] | list[bool], locked_bit: int) -> int:
    """The 16 lock bits for locks that are (not) locked, in a board's polarity.

    Args:
        locked: ``locked[i]`` for lock ``i + 1`` (a list), or ``{lock: locked}``; locks not
            given read locked.
        locked_bit: 1 when a set bit means locked, 0 when a clear bit does.
    """
    states = dict(enumerate(locked, start=1)) if isinstance(locked, list) else dict(locked)
    bits = 0
    for lock in range(1, LOCKS_PER_BOARD + 1):
        if states.get(lock, True) == bool(locked_bit):
            bits |= 1 << (lock - 1)
    return bits


def encode_status_reply(reply: StatusReply) -> bytes:
    """``02 ADDR 35 L1-8 L9-16 IR1-8 IR9-16 03 SUM`` (the board's side; for the simulator)."""
    data = bytes(
        (
            reply.lock_bits & 0xFF,
            reply.lock_bits >> 8 & 0xFF,
            reply.item_bits & 0xFF,
            reply.item_bits >> 8 & 0xFF,
        )
    )
    return _frame(reply.addr, CMD_STATUS_REPLY, data)


def decode_status_reply(frame: RawFrame) -> StatusReply:
    """The status in a ``35`` frame.

    Raises:
        ProtocolError: the frame is not a status reply.
    """
    if frame.command != CMD_STATUS_REPLY or len(frame.data) != 4:
        raise ProtocolError(f"not a CU16 status reply: {frame.raw.hex(' ')}")
    d = frame.data
    return StatusReply(frame.addr, d[0] | d[1] << 8, d[2] | d[3] << 8)


def check_frame(data: bytes) -> RawFrame:
    """Check one complete frame (length, STX, known CMD, ETX, checksum).

    Raises:
        ProtocolError: naming what is wrong and the bytes seen.
    """
    if len(data) < REQUEST_LENGTH or data[0] != STX:
        raise ProtocolError(f"not a CU16 frame: {data.hex(' ')}")
    length = FRAME_LENGTHS.get(data[2])
    if length is None:
        raise ProtocolError(f"unknown CU16 command 0x{data[2]:02x} in {data.hex(' ')}")
    if len(data) != length:
        raise ProtocolError(f"CU16 frame of {len(data)} B, expected {length}: {data.hex(' ')}")
    if data[-2] != ETX:
        raise ProtocolError(f"CU16 frame without ETX: {data.hex(' ')}")
    if checksum(data[:-1]) != data[-1]:
        raise ProtocolError(
            f"CU16 checksum 0x{data[-1]:02x}, expected 0x{checksum(data[:-1]):02x}: {data.hex(' ')}"
        )
    return RawFrame(data[1], data[2], bytes(data[3:-2]), bytes(data))


class FrameParser:
    """Cuts frames out of a byte stream and resynchronises on garbage.

    The length of a frame follows from its CMD byte. A candidate that starts with STX but has
    an unknown CMD, no ETX in its place or a wrong checksum costs only its STX byte: scanning
    restarts at the next byte, so a real frame hidden behind garbage (or behind a partial
    frame) is still found. Bytes that can never start a frame are dropped and counted.

    Attributes:
        discarded: bytes dropped so far (garbage, and the STX of each rejected candidate).
        rejected: candidates rejected for a wrong ETX, checksum or command.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0
        self.rejected = 0

    def reset(self) -> None:
        """Forget buffered bytes (the counters stay)."""
        self._buffer.clear()

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[RawFrame]:
        """Add bytes; return every complete, valid frame now found, in order."""
        self._buffer += data
        frames: list[RawFrame] = []
        buf = self._buffer
        while buf:
            start = buf.find(STX)
            if start < 0:
                self.discarded += len(buf)
                buf.clear()
                break
            if start:
                self.discarded += start
                del buf[:start]
            if len(buf) < 3:
                break  # need the CMD byte to know the length
            length = FRAME_LENGTHS.get(buf[2])
            if length is None:
                self._reject(buf)
                continue
            if len(buf) < length:
                break
            candidate = bytes(buf[:length])
            if candidate[-2] != ETX or checksum(candidate[:-1]) != candidate[-1]:
                self._reject(buf)
                continue
            del buf[:length]
            frames.append(RawFrame(candidate[1], candidate[2], candidate[3:-2], candidate))
        return frames

    def _reject(self, buf: bytearray) -> None:
        self.rejected += 1
        self.discarded += 1
        del buf[:1]

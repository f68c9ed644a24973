"""A chain of Kerong KR-CU16 lock boards on one RS-485 line, served over TCP.

The driver connects with ``socket://127.0.0.1:PORT`` and cannot tell it from a USB-RS-485
adapter: it sends ``30`` / ``31`` frames and gets ``35`` status frames back (see
:mod:`kiosk.devices.locker.kerong_frames`). Doors are numbered as the driver numbers them:
board 0 locks 1-16 are doors 1-16, board 1 lock 1 is door 17, and so on.

What a door does:

- ``31`` (unlock) energises its lock once: the pulse is recorded (:meth:`pulses`), and unless
  the latch is jammed the door is *released*. The reply goes out when the pulse starts, in the
  board's *reply shape* (:meth:`set_reply_shape`; real boards differ, see the NOTE above
  :data:`kiosk.devices.locker.kerong_driver.UNLOCK_REPLY_SHAPES`): ``echo`` a ``35`` frame with
  the unlock's ADDR, ``status`` a ``35`` status frame with the board's ADDR (lock nibble 0),
  ``silent`` nothing. A ``30`` is always answered.
- A released door opens when a person pulls it (:meth:`pull`); a latched one does not.
- :meth:`push` closes it and the latch catches again (unless it :meth:`wont_stay_shut`).
- The lock sensor reads *locked* while the door is shut; the item sensor reads what
  :meth:`put_item` / :meth:`take_item` left there. A released door that nobody pulled still
  reads locked; ``auto_pull_s=0`` plays a spring latch that pushes the door ajar at once.

Faults, switched at run time: :meth:`jam` (latch does not release: the door stays locked
after an unlock, though the lock was pulsed and the board answered), :meth:`wont_stay_shut`,
:meth:`force_open` (opens without a command), :meth:`corrupt_replies` (a fraction of replies
get one byte changed, so their checksum fails), :meth:`silence` (a board stops answering),
:meth:`reset_board` (relays drop, the board does not answer while it boots, then sends one
power-on reply that reads all locks locked and no items before its inputs are sampled).

Requests with a bad checksum, or for a board that is not on the chain, get no answer, as on a
real bus. Every frame both ways is recorded in :attr:`LockerSimulator.frames`.

Control it in-process::

    with LockerSimulator(port=0, boards=3) as sim:
        locker = KerongLocker(open_transport(parse_device_url(sim.url), timeout=2), boards=3)
        locker.unlock(18)
        sim.pull(18); sim.take_item(18); sim.push(18)
        assert sim.pulses(18) == 1
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Self

from kiosk.devices.locker.kerong_driver import UNLOCK_REPLY_SHAPES
from kiosk.devices.locker.kerong_frames import (
    CMD_STATUS,
    CMD_UNLOCK,
    FrameParser,
    RawFrame,
    StatusReply,
    address,
    encode_status_reply,
    lock_bits_for,
)
from simulators.tcp_server import TcpDeviceServer

logger = logging.getLogger(__name__)

DEFAULT_PORT = 7100
MAX_BOARDS = 10


@dataclass(frozen=True)
class WireFrame:
    """One frame on the simulated line.

    Attributes:
        at: ``time.monotonic()`` when it was read or written.
        direction: ``rx`` (from the driver) or ``tx`` (a board's answer).
        data: the bytes (a corrupted reply as sent, with its wrong byte).
    """

    at: float
    direction: str
    data: bytes


@dataclass(frozen=True)
class Pulse:
    """One energised lock.

    Attributes:
        door: the door number (from 1).
        board: the board address.
        lock: the lock on the board (1-16).
        pulse_ms: how long the output was energised.
        released: False when the latch was jammed and did not let go.
        at: ``time.monotonic()`` at the start of the pulse.
    """

    door: int
    board: int
    lock: int
    pulse_ms: int
    released: bool
    at: float


@dataclass
class DoorModel:
    """The physical state of one compartment (mutable; read a copy through :meth:`door`)."""

    open: bool = False
    released: bool = False
    item: bool = False
    jammed: bool = False
    wont_stay_shut: bool = False
    forced: int = 0


@dataclass
class _Board:
    reply_shape: str = "echo"
    silent: bool = False
    boot_requests_left: int = 0
    power_on_replies_left: int = 0
    resets: int = 0


class LockerSimulator(TcpDeviceServer):
    """The simulated lock boards; see the module docstring.

    Args:
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`).
        host: address to listen on.
        boards: boards on the chain (addresses 0 to ``boards - 1``), 1-10.
        locks_per_board: locks wired on each board (1-16).
        locked_bit: the board revision's polarity: 1 when a set lock bit means locked.
        pulse_ms: the pulse each unlock records.
        auto_pull_s: when set, a "person" pulls each released door this many seconds after
            its unlock (for the demo; 0 plays a spring latch); None leaves pulling to
            :meth:`pull`.
        reply_shape: how the boards answer an unlock (``echo``, ``status`` or ``silent``):
            one shape for every board, or ``{board: shape}`` (boards not named echo).
        jammed: doors whose latch is jammed from the start (see :meth:`jam`).
        seed: seed of the corruption choices.

    Raises:
        ValueError: a setting out of range, an unknown shape, board or door.
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        *,
        host: str = "127.0.0.1",
        boards: int = 1,
        locks_per_board: int = 16,
        locked_bit: int = 1,
        pulse_ms: int = 500,
        auto_pull_s: float | None = None,
        reply_shape: str | Mapping[int, str] = "echo",
        jammed: Iterable[int] = (),
        seed: int = 0,
    ) -> None:
        if not 1 <= boards <= MAX_BOARDS:
            raise ValueError(f"boards must be 1-{MAX_BOARDS}, got {boards}")
        if not 1 <= locks_per_board <= 16:
            raise ValueError(f"locks_per_board must be 1-16, got {locks_per_board}")
        if locked_bit not in (0, 1):
            raise ValueError(f"locked_bit must be 0 or 1, got {locked_bit}")
        super().__init__("locker simulator", host, port)
        self.boards = boards
        self.locks_per_board = locks_per_board
        self.locked_bit = locked_bit
        self.pulse_ms = pulse_ms
        self.auto_pull_s = auto_pull_s
        self.frames: list[WireFrame] = []
        self.pulse_log: list[Pulse] = []
        self.corrupted = 0
        self._random = random.Random(seed)
        self._corrupt_rate = 0.0
        self._doors = {door: DoorModel() for door in self.door_numbers}
        self._boards = [_Board() for _ in range(boards)]
        shapes = (
            dict.fromkeys(range(boards), reply_shape)
            if isinstance(reply_shape, str)
            else dict(reply_shape)
        )
        for board, shape in shapes.items():
            self.set_reply_shape(shape, board)
        for door in jammed:
            self.jam(door)
        self._parsers: dict[socket.socket, FrameParser] = {}
        self._timers: list[threading.Timer] = []

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def door_numbers(self) -> tuple[int, ...]:
        """Every door, in the driver's numbering."""
        return tuple(range(1, self.boards * self.locks_per_board + 1))

    def start(self) -> Self:
        """Listen and serve on a background thread; returns self."""
        if self.running:
            return self
        super().start()
        logger.info(
            "locker simulator on %s: %d board(s) x %d locks, locked bit %d",
            self.url,
            self.boards,
            self.locks_per_board,
            self.locked_bit,
        )
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; pending auto-pulls are cancelled."""
        super().stop()
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    # -- a person at the locker ---------------------------------------------------------------

    def pull(self, door: int) -> bool:
        """Pull the door's handle; True when it opened (it was released or already open)."""
        with self._changed:
            model = self._door(door)
            if model.released or model.open:
                model.open, model.released = True, False
                self._changed.notify_all()
                return True
            return False

    def push(self, door: int) -> bool:
        """Push the door shut; True when it stays shut and latched."""
        with self._changed:
            model = self._door(door)
            model.released = False
            if model.wont_stay_shut:
                model.open = True
                return False
            model.open = False
            self._changed.notify_all()
            return True

    def put_item(self, door: int) -> None:
        """Put something in the compartment (its item sensor sees it)."""
        with self._lock:
            self._door(door).item = True

    def take_item(self, door: int) -> None:
        """Take the item out."""
        with self._lock:
            self._door(door).item = False

    def door(self, door: int) -> DoorModel:
        """A copy of the door's physical state."""
        with self._lock:
            model = self._door(door)
            return DoorModel(**vars(model))

    # -- faults -------------------------------------------------------------------------------

    def jam(self, door: int, jammed: bool = True) -> None:
        """Jam (or free) the latch: an unlock pulses the lock but the door stays latched."""
        with self._lock:
            self._door(door).jammed = jammed

    def set_reply_shape(self, shape: str, board: int | None = None) -> None:
        """How a board (every board when None) answers an unlock from now on.

        ``echo``: a ``35`` frame with the lock's ADDR; ``status``: a ``35`` status frame with
        the board's ADDR; ``silent``: nothing (the lock still fires). Status requests are
        answered whatever the shape.

        Raises:
            ValueError: an unknown shape or board.
        """
        if shape not in UNLOCK_REPLY_SHAPES:
            raise ValueError(
                f"reply shape must be one of {', '.join(UNLOCK_REPLY_SHAPES)}, got {shape!r}"
            )
        with self._lock:
            boards = range(self.boards) if board is None else (board,)
            for number in boards:
                self._board(number).reply_shape = shape

    def reply_shape(self, board: int) -> str:
        """How the board answers an unlock (``echo``, ``status`` or ``silent``)."""
        with self._lock:
            return self._board(board).reply_shape

    def wont_stay_shut(self, door: int, broken: bool = True) -> None:
        """The door springs open again after each push (a bent door, a broken catch)."""
        with self._lock:
            self._door(door).wont_stay_shut = broken

    def force_open(self, door: int) -> None:
        """Open the door without any command (pried open)."""
        with self._changed:
            model = self._door(door)
            model.open, model.released = True, False
            model.forced += 1
            self._changed.notify_all()

    def corrupt_replies(self, rate: float) -> None:
        """Change one byte in this fraction (0-1) of replies, so that their checksum fails."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        with self._lock:
            self._corrupt_rate = rate

    def silence(self, board: int, silent: bool = True) -> None:
        """Make a board stop answering (cable cut, dead board), or answer again."""
        with self._lock:
            self._board(board).silent = silent

    def reset_board(self, board: int, *, boot_requests: int = 1) -> None:
        """Restart a board: relays drop (released latches catch again), it does not answer
        the next ``boot_requests`` requests, then its first reply is the power-on reading
        (all locks locked, no items) before it reports its sensors again."""
        with self._lock:
            state = self._board(board)
            state.boot_requests_left = boot_requests
            state.power_on_replies_left = 1
            state.resets += 1
            for door in self._board_doors(board):
                self._doors[door].released = False

    # -- records ------------------------------------------------------------------------------

    def pulses(self, door: int) -> int:
        """How many times the door's lock was energised."""
        with self._lock:
            self._door(door)
            return sum(1 for pulse in self.pulse_log if pulse.door == door)

    def pulsed_doors(self) -> list[int]:
        """Every energised door, in order, once per pulse."""
        with self._lock:
            return [pulse.door for pulse in self.pulse_log]

    def frames_received(self) -> list[bytes]:
        """Every frame the driver sent, in order."""
        with self._lock:
            return [f.data for f in self.frames if f.direction == "rx"]

    def frames_sent(self) -> list[bytes]:
        """Every reply the boards sent, in order."""
        with self._lock:
            return [f.data for f in self.frames if f.direction == "tx"]

    def wait_for_pulses(self, total: int, timeout: float = 5.0) -> bool:
        """Wait until ``total`` pulses were recorded; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.pulse_log) >= total, timeout)

    def wait_until_open(self, door: int, timeout: float = 5.0) -> bool:
        """Wait until the door is open (an auto-pull, a test's own thread); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._door(door).open, timeout)

    # -- the boards ---------------------------------------------------------------------------

    def _door(self, door: int) -> DoorModel:
        model = self._doors.get(door)
        if model is None:
            raise ValueError(f"no door {door}; doors are 1-{len(self._doors)}")
        return model

    def _board(self, board: int) -> _Board:
        if not 0 <= board < self.boards:
            raise ValueError(f"no board {board}; boards are 0-{self.boards - 1}")
        return self._boards[board]

    def _board_doors(self, board: int) -> range:
        first = board * self.locks_per_board + 1
        return range(first, first + self.locks_per_board)

    def _status(self, board: int, addr: int, *, power_on: bool) -> StatusReply:
        if power_on:
            return StatusReply(addr, lock_bits_for({}, self.locked_bit), 0)
        locked: dict[int, bool] = {}
        items = 0
        for lock, door in enumerate(self._board_doors(board), start=1):
            model = self._doors[door]
            locked[lock] = not model.open
            if model.item:
                items |= 1 << (lock - 1)
        return StatusReply(addr, lock_bits_for(locked, self.locked_bit), items)

    def _answer(self, frame: RawFrame) -> bytes | None:
        """The board's reply to one valid request (called with the lock held)."""
        if frame.command not in (CMD_STATUS, CMD_UNLOCK) or frame.board >= self.boards:
            return None
        state = self._boards[frame.board]
        if state.silent:
            return None
        if state.boot_requests_left > 0:
            state.boot_requests_left -= 1
            return None
        if frame.command == CMD_UNLOCK and frame.lock <= self.locks_per_board:
            door = frame.board * self.locks_per_board + frame.lock
            model = self._doors[door]
            released = not model.jammed
            if released and not model.open:
                model.released = True
            self.pulse_log.append(
                Pulse(door, frame.board, frame.lock, self.pulse_ms, released, time.monotonic())
            )
            self._changed.notify_all()
            if released and self.auto_pull_s is not None:
                timer = threading.Timer(self.auto_pull_s, self.pull, args=(door,))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
        addr = frame.addr
        if frame.command == CMD_UNLOCK and state.reply_shape == "silent":
            return None
        if frame.command == CMD_UNLOCK and state.reply_shape == "status":
            addr = address(frame.board, 1)
        power_on = state.power_on_replies_left > 0
        if power_on:
            state.power_on_replies_left -= 1
        reply = encode_status_reply(self._status(frame.board, addr, power_on=power_on))
        if self._corrupt_rate and self._random.random() < self._corrupt_rate:
            # NOTE: one changed byte always breaks the byte-sum checksum, so a corrupted reply
            # can never read as a valid reply for another door.
            index = self._random.randrange(1, len(reply))
            corrupted = bytearray(reply)
            corrupted[index] ^= self._random.randrange(1, 256)
            reply = bytes(corrupted)
            self.corrupted += 1
        return reply

    # -- the line (TcpDeviceServer's hooks) -----------------------------------------------------

    def on_connect(self, sock: socket.socket, peer: str) -> None:
        """A driver on the line: its own frame parser."""
        with self._lock:
            self._parsers[sock] = FrameParser()

    def on_disconnect(self, sock: socket.socket, peer: str, why: str) -> None:
        """Forget the connection's parser."""
        with self._lock:
            self._parsers.pop(sock, None)

    def on_data(self, sock: socket.socket, data: bytes) -> None:
        """Frames from the driver: record each and send the boards' answers."""
        with self._changed:
            parser = self._parsers.get(sock)
            if parser is None:
                return
            replies: list[bytes] = []
            for frame in parser.feed(data):
                self.frames.append(WireFrame(time.monotonic(), "rx", frame.raw))
                reply = self._answer(frame)
                if reply is not None:
                    self.frames.append(WireFrame(time.monotonic(), "tx", reply))
                    replies.append(reply)
            self._changed.notify_all()
        for reply in replies:
            try:
                sock.sendall(reply)
            except OSError as exc:
                self.close_client(sock, f"driver gone: {exc}")
                return

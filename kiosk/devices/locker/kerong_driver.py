"""The Kerong KR-CU16 lock-board driver: up to 10 boards on one RS-485 line.

Wiring: a USB-RS-485 adapter (``serial:///dev/kiosk-locker?baudrate=19200``, 8N1) with the
boards daisy-chained on A/B, each board's address switch set to 0, 1, 2 … in door order; or any
pyserial URL (``socket://host:port`` for the simulator or an RS-485-to-Ethernet converter).

Protocol facts (see :mod:`.kerong_frames`): the host asks, a board answers; ``30`` reads a
board's 16 lock and 16 item sensors, ``31`` energises one lock for the board's own pulse time.
A ``30`` is answered with a 9-byte ``35`` status frame echoing the request's ADDR; what follows
a ``31`` depends on the board (below). Doors are numbered from 1 in board order: door ``n`` is
board ``(n - 1) // locks_per_board``, lock ``(n - 1) % locks_per_board + 1``.

**How a board answers an unlock.** Public CU16 code disagrees, so the driver accepts three
reply shapes:

- ``echo``: a ``35`` frame with the lock's own ADDR (the shape this driver first assumed);
- ``status``: a ``35`` status frame with the *board's* ADDR (lock nibble 0);
- ``silent``: nothing at all.

The evidence is in the NOTE above :data:`UNLOCK_REPLY_SHAPES`.

An ``echo`` confirms the unlock (:attr:`UnlockConfirmation.REPLY`). Anything else is ambiguous:
a board-ADDR frame may be a late answer to an earlier poll and its bits may predate the pulse;
silence or corrupt bytes prove nothing either way. The driver then reads the door's own sensor
back (``30`` every 25 ms for up to ``unlock_check_s``): a lock bit that reads unlocked confirms
the unlock (:attr:`UnlockConfirmation.SENSOR`); a door that still reads locked at the end is
:attr:`UnlockConfirmation.NOT_CONFIRMED`, returned, not raised (the board answers; the latch is
the problem, and the hand-over's own door watch decides what next). A board that answers none of
``1 + retries`` read-backs in a row raises :class:`LockerError` ``unlock_unconfirmed``. For
lock 1 the board's ADDR is the lock's ADDR, so both shapes read as an echo there.

Rules this driver keeps:

- **An unlock is sent once and never re-sent by the driver**, whatever the reply: a corrupt
  reply proves the board heard *something* and may have fired, and silence cannot prove it
  did not, so a re-send could open the door twice. Only status requests (``30``) follow it.
  Whether to try again is the caller's decision (the hand-over allows one retry after reading
  the door). ``retries`` applies to status requests only.
- An authorised unlock is sent even when the sensor reads open (a cut cable reads open).
- A status poll is retried ``retries`` times; a board that still gives no valid reply has its
  doors ``UNKNOWN`` and the health becomes ``fault/board_silent`` (nothing at all arrived) or
  ``fault/bad_answer`` (only corrupt bytes).
- **Board restart** (power glitch, watchdog): a CU16 has no reset flag. A restarted board
  answers with its power-on reading (all locks locked, no items) before it samples its inputs.
  Such a reading is distrusted when it contradicts the last one and either followed an
  unanswered status request (the board was booting) or replaced a reading with at least
  ``reset_min_open_doors`` open doors. The board is then polled once more and that reading is
  used; the restart is counted, logged with the recent frames, passed to ``on_event`` and
  reported as ``degraded/board_restarted`` until :meth:`KerongLocker.acknowledge_restarts`.
  A silent answer to ``31`` is a reply shape, not a sign of a booting board.
- Replies with a bad checksum, a wrong ETX or for another ADDR are counted, never used.
  Unread input is dropped before every request. A status poll of board ``b`` and an unlock of
  its lock 1 share ``ADDR = b << 4``, so a status reply arriving later than ``reply_timeout_s``
  could be read as the next such unlock's confirmation; keep the timeout well above the
  line's reply time (a reply takes ~5 ms at 19200 baud).
- One lock serialises every exchange (thread-safe). The last 64 frames (time, direction, hex)
  are logged when the health turns bad and are available to the diagnostics screen; an
  unlock's own frames travel in its :class:`UnlockResult`.

``pulse_ms`` is the pulse the board is configured for (solenoid 500 ms, motor lock 1000 ms). A
CU16 keeps its pulse time in its own memory (set with Kerong's tool); this driver reports the
value and does not program it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk.devices.health import Health, HealthState
from kiosk.devices.health_log import log_health_change
from kiosk.devices.locker.kerong_frames import (
    ALL_LOCK_BITS,
    CMD_STATUS_REPLY,
    LOCKS_PER_BOARD,
    STATUS_REPLY_LENGTH,
    FrameParser,
    StatusReply,
    address,
    decode_status_reply,
    encode_status_request,
    encode_unlock,
    lock_bits_for,
)
from kiosk.devices.locker.protocol import (
    DoorState,
    DoorStatus,
    LockerError,
    UnlockConfirmation,
    UnlockResult,
)
from kiosk.devices.transport import Transport
from kiosk.errors import TransportError

logger = logging.getLogger(__name__)

MAX_BOARDS = 10
FRAME_HISTORY = 64

# NOTE: how real boards answer ``31``, read in public repositories (ideas only, no code taken):
# jin0949/locker-service (src/locker.py) sends ``31`` without reading any reply, waits 25 ms and
# reads ``30`` at ADDR 0, taking the lock bit's flip to "unlocked" as success. That works only on
# a board that answers ``31`` with nothing or with the board's ADDR (a 9-byte reply for lock n
# would be read as the status), and it shows the lock (hook) bit flipping at the pulse.
# Arviv123/CartWise (COMMUNICATION_FIX_SUMMARY.md) reports locks that opened while the software
# saw "No response received", and its src/hardware/rs485.py assumes success without a reply "as
# per protocol uncertainty". mojisejr/smc-v3 (new-modules/ku.module.ts, CU12/CU16) takes the
# first bytes that come back as the unlock's answer whatever their ADDR, and fails it on a
# timeout. Nobody agrees, so: three shapes, and the door's own sensor as the referee.
UNLOCK_REPLY_SHAPES = ("echo", "status", "silent")
"""How a board may answer an unlock: the lock's ADDR, the board's ADDR, or nothing."""

UNLOCK_CHECK_INTERVAL_S = 0.025
"""Pause between two sensor read-backs after an ambiguous unlock reply (a reply takes ~5 ms)."""


@dataclass(frozen=True)
class WireRecord:
    """One frame (or chunk) on the wire, for the fault log and the diagnostics screen.

    Attributes:
        at: when (UTC).
        direction: ``tx`` (to the boards), ``rx`` (from them) or ``--`` (no answer in time).
        data: the bytes.
    """

    at: datetime
    direction: str
    data: bytes

    def describe(self) -> str:
        """``10:32:01.123 tx  02 00 30 03 35``."""
        return f"{self.at.strftime('%H:%M:%S.%f')[:-3]} {self.direction}  {self.data.hex(' ')}"


@dataclass(frozen=True)
class BoardEvent:
    """Something that happened to a board, for the core's log and events.

    Attributes:
        board: the board address.
        kind: ``restarted``, ``silent`` (stopped answering) or ``back`` (answers again).
        detail: English text with the evidence.
    """

    board: int
    kind: str
    detail: str


@dataclass
class _Exchange:
    reply: StatusReply | None = None
    received: int = 0  # bytes that arrived, valid or not
    unexpected: int = 0  # valid frames for an ADDR not asked about


@dataclass
class _ReadBack:
    reading: StatusReply | None = None  # the last trusted reading of the board
    polls: int = 0
    answered: bool = True  # False when the last 1 + retries read-backs got no valid reply
    received: int = 0


@dataclass
class _Board:
    last: StatusReply | None = None
    problem: str = ""  # "", "board_silent" or "bad_answer" after the last poll
    unanswered: int = 0  # requests in a row that got no byte at all
    unconfirmed_door: int | None = None
    restart_pending: bool = False
    restarts: int = 0


class KerongLocker:
    """Doors on a chain of Kerong KR-CU16 boards; implements :class:`.protocol.Locker`.

    Args:
        transport: the serial line (the driver owns and closes it).
        boards: boards on the line (1-10), addresses 0 to ``boards - 1``.
        locks_per_board: locks wired on each board (1-16); doors are numbered densely.
        pulse_ms: the board's configured pulse (500 solenoid, 1000 motor); reported only.
        locked_bit: the board revision's polarity: 1 when a set lock bit means locked.
        reply_timeout_s: how long to wait for each reply (a reply takes ~5 ms at 19200).
        retries: extra attempts of a status poll (never of an unlock); also how many
            read-backs in a row after an unlock may go unanswered before giving up.
        unlock_check_s: how long to read the door's sensor back after an unlock whose reply
            was not the lock's own echo (a silent board, a board-ADDR status frame, garbage).
        reset_min_open_doors: open doors a power-on reading must contradict to count as a
            restart when no request went unanswered before it.
        name: the device name in health reports and logs.
        on_event: called with each :class:`BoardEvent`, outside the lock; must only enqueue.

    Raises:
        ValueError: a setting out of range.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        boards: int = 1,
        locks_per_board: int = LOCKS_PER_BOARD,
        pulse_ms: int = 500,
        locked_bit: int = 1,
        reply_timeout_s: float = 0.25,
        retries: int = 2,
        unlock_check_s: float = 1.0,
        reset_min_open_doors: int = 2,
        name: str = "locker",
        on_event: Callable[[BoardEvent], None] | None = None,
    ) -> None:
        if not 1 <= boards <= MAX_BOARDS:
            raise ValueError(f"{name}: boards must be 1-{MAX_BOARDS}, got {boards}")
        if not 1 <= locks_per_board <= LOCKS_PER_BOARD:
            raise ValueError(f"{name}: locks_per_board must be 1-16, got {locks_per_board}")
        if locked_bit not in (0, 1):
            raise ValueError(f"{name}: locked_bit must be 0 or 1, got {locked_bit}")
        if pulse_ms <= 0:
            raise ValueError(f"{name}: pulse_ms must be positive, got {pulse_ms}")
        if reply_timeout_s <= 0:
            raise ValueError(f"{name}: reply_timeout_s must be positive, got {reply_timeout_s}")
        if retries < 0:
            raise ValueError(f"{name}: retries must not be negative, got {retries}")
        if not unlock_check_s > 0:
            raise ValueError(f"{name}: unlock_check_s must be positive, got {unlock_check_s}")
        self.name = name
        self.boards = boards
        self.locks_per_board = locks_per_board
        self.pulse_ms = pulse_ms
        self.locked_bit = locked_bit
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self.unlock_check_s = unlock_check_s
        self.reset_min_open_doors = reset_min_open_doors
        self.on_event = on_event
        self._transport = transport
        self._doors = tuple(range(1, boards * locks_per_board + 1))
        self._lock = threading.Lock()
        self._parser = FrameParser()
        self._frames: deque[WireRecord] = deque(maxlen=FRAME_HISTORY)
        self._capture: list[WireRecord] | None = None  # an unlock's own frames
        self._state = [_Board() for _ in range(boards)]
        self._disconnected = ""
        self._polled = False
        self._events: list[BoardEvent] = []
        self._last_health: Health | None = None
        self._power_on = lock_bits_for({}, locked_bit)
        self.counters: dict[str, int] = dict.fromkeys(
            (
                "unlocks_sent",
                "unlocks_confirmed",  # by reply or by sensor
                "unlocks_confirmed_by_reply",
                "unlocks_confirmed_by_sensor",
                "unlocks_still_locked",  # the board answers, the door still reads locked
                "unlocks_unconfirmed",  # LockerError: no answer to tell either way
                "unlock_checks",  # sensor read-backs after an unlock
                "polls",
                "corrupt_replies",
                "unanswered_requests",
                "unexpected_replies",
                "restarts",
            ),
            0,
        )

    # -- doors --------------------------------------------------------------------------------

    @property
    def doors(self) -> tuple[int, ...]:
        """Every door number, in order."""
        return self._doors

    def location(self, door: int) -> tuple[int, int]:
        """``(board, lock)`` of a door; lock is 1-16 as printed on the board.

        Raises:
            ValueError: no such door.
        """
        if door not in self._doors:
            raise ValueError(f"{self.name}: no door {door}; doors are 1-{len(self._doors)}")
        return (door - 1) // self.locks_per_board, (door - 1) % self.locks_per_board + 1

    # -- wire ---------------------------------------------------------------------------------

    def _record(self, direction: str, data: bytes) -> None:
        record = WireRecord(datetime.now(UTC), direction, bytes(data))
        self._frames.append(record)
        if self._capture is not None:
            self._capture.append(record)

    def _exchange(self, request: bytes, *accepted: int) -> _Exchange:
        """Send one request; wait up to ``reply_timeout_s`` for a ``35`` frame for an
        ``accepted`` ADDR (the first one wins).

        Raises:
            TransportError: the line is gone.
        """
        self._transport.reset_input()
        self._parser.reset()
        self._record("tx", request)
        self._transport.write(request)
        outcome = _Exchange()
        deadline = time.monotonic() + self.reply_timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            # NOTE: pyserial's read(n) waits for all n bytes; ask only for what a reply still
            # needs, or every exchange would last the whole timeout.
            wanted = max(1, STATUS_REPLY_LENGTH - self._parser.pending)
            chunk = self._transport.read(wanted, remaining)
            if not chunk:
                continue
            self._record("rx", chunk)
            outcome.received += len(chunk)
            for frame in self._parser.feed(chunk):
                if frame.command != CMD_STATUS_REPLY:
                    continue  # our own request echoed by a half-duplex adapter
                if frame.addr not in accepted:
                    self.counters["unexpected_replies"] += 1
                    outcome.unexpected += 1
                    logger.warning(
                        "%s: reply for ADDR 0x%02x while waiting for %s ignored: %s",
                        self.name,
                        frame.addr,
                        " or ".join(f"0x{a:02x}" for a in dict.fromkeys(accepted)),
                        frame.raw.hex(" "),
                    )
                    continue
                outcome.reply = decode_status_reply(frame)
                return outcome
        if outcome.received:
            self.counters["corrupt_replies"] += 1
        else:
            self.counters["unanswered_requests"] += 1
            self._record("--", b"")
        return outcome

    def _lost_line(self, exc: TransportError) -> None:
        self._disconnected = f"{self._transport.describe()}: {exc}"

    # -- readings -----------------------------------------------------------------------------

    def _open_doors(self, reply: StatusReply) -> int:
        return sum(
            1
            for lock in range(1, self.locks_per_board + 1)
            if not reply.is_locked(lock, self.locked_bit)
        )

    def _looks_powered_on(self, reply: StatusReply) -> bool:
        mask = ALL_LOCK_BITS >> (LOCKS_PER_BOARD - self.locks_per_board)
        return reply.lock_bits & mask == self._power_on & mask and reply.item_bits & mask == 0

    def _take(self, board: int, reply: StatusReply, unanswered_before: int) -> bool:
        """Note a valid reply from a board; False when it is a power-on reading not to trust."""
        state = self._state[board]
        last = state.last
        if state.problem:
            self._events.append(BoardEvent(board, "back", f"board {board} answers again"))
            logger.info("%s: board %d answers again", self.name, board)
        state.problem = ""
        state.unanswered = 0
        if state.unconfirmed_door is not None:
            logger.info(
                "%s: board %d answers again after the unconfirmed unlock of door %d",
                self.name,
                board,
                state.unconfirmed_door,
            )
            state.unconfirmed_door = None
        if last is not None and self._looks_powered_on(reply) and not self._looks_powered_on(last):
            opened = self._open_doors(last)
            if unanswered_before or opened >= self.reset_min_open_doors:
                evidence = (
                    f"after {unanswered_before} unanswered request(s)"
                    if unanswered_before
                    else f"while {opened} door(s) were open"
                )
                self._restarted(board, f"power-on reading (all locked, no items) {evidence}")
                return False
        state.last = reply
        return True

    def _restarted(self, board: int, evidence: str) -> None:
        state = self._state[board]
        state.restarts += 1
        state.restart_pending = True
        self.counters["restarts"] += 1
        detail = f"board {board} restarted: {evidence}"
        self._events.append(BoardEvent(board, "restarted", detail))
        frames = "\n".join("  " + record.describe() for record in self._frames)
        logger.warning(
            "%s: %s; last %d frames on %s:\n%s",
            self.name,
            detail,
            len(self._frames),
            self._transport.describe(),
            frames,
        )

    def _poll(self, board: int) -> StatusReply | None:
        """Read one board (with retries and a restart check); None when it gave no reading.

        Raises:
            TransportError: the line is gone.
        """
        state = self._state[board]
        addr = address(board, 1)
        request = encode_status_request(board)
        received = 0
        for _ in range(1 + self.retries):
            self.counters["polls"] += 1
            unanswered_before = state.unanswered
            outcome = self._exchange(request, addr)
            received += outcome.received
            if outcome.reply is None:
                if not outcome.received:
                    state.unanswered += 1
                continue
            if self._take(board, outcome.reply, unanswered_before):
                return outcome.reply
            # NOTE: a restart was detected; the power-on reading says nothing about the doors.
            # The board has sampled its inputs by its next answer: ask once more.
            self.counters["polls"] += 1
            confirm = self._exchange(request, addr)
            if confirm.reply is None:
                return None
            state.last = confirm.reply
            return confirm.reply
        problem = "bad_answer" if received else "board_silent"
        if state.problem != problem:
            self._events.append(
                BoardEvent(board, "silent", f"board {board}: {problem} after {1 + self.retries}")
            )
        state.problem = problem
        return None

    # -- Locker -------------------------------------------------------------------------------

    def unlock(self, door: int) -> UnlockResult:
        """Energise the door's lock once and say how that was confirmed.

        The frame is sent even if the door already reads open, and never re-sent. The lock's
        own echo confirms it; any other reply (a board-ADDR status frame, silence, garbage)
        makes the driver read the door's sensor back for up to ``unlock_check_s`` (see the
        module docstring).

        Returns:
            :attr:`UnlockConfirmation.REPLY` (echo), :attr:`UnlockConfirmation.SENSOR` (the
            lock bit read unlocked after the pulse) or :attr:`UnlockConfirmation.NOT_CONFIRMED`
            (the board answers and the door still reads locked: a jammed latch, or a board that
            did not take the command), with this unlock's frames.

        Raises:
            ValueError: no such door.
            LockerError: ``unlock_unconfirmed`` (no echo, and no answer to the read-back either:
                the lock may or may not have fired) or ``disconnected`` (the line failed).
        """
        board, lock = self.location(door)
        try:
            with self._lock:
                self.counters["unlocks_sent"] += 1
                logger.info(
                    "%s: unlock door %d (board %d lock %d, %d ms)",
                    self.name,
                    door,
                    board,
                    lock,
                    self.pulse_ms,
                )
                self._capture = []
                try:
                    return self._unlock_once(door, board, lock)
                except TransportError as exc:
                    self._lost_line(exc)
                    health = Health(
                        HealthState.FAULT,
                        "disconnected",
                        f"unlock of door {door} not confirmed: {exc}",
                    )
                    self._note(self._compute_health())
                    raise LockerError(f"{self.name}: door {door}: {exc}", health) from exc
                finally:
                    self._capture = None
        finally:
            self._dispatch_events()

    def _unlock_once(self, door: int, board: int, lock: int) -> UnlockResult:
        """Send the one ``31``, then classify its reply and read back when it is ambiguous.

        Raises:
            TransportError: the line is gone.
            LockerError: no echo and no answer to the read-back.
        """
        state = self._state[board]
        lock_addr, board_addr = address(board, lock), address(board, 1)
        unanswered_before = state.unanswered
        outcome = self._exchange(encode_unlock(board, lock), lock_addr, board_addr)
        self._disconnected = ""
        reply = outcome.reply
        if reply is not None and reply.addr == lock_addr:
            self._take(board, reply, unanswered_before)
            return self._confirmed(door, UnlockConfirmation.REPLY, "echo", "the board echoed")
        # NOTE: silence to a ``31`` is one of the shapes, not a sign of a booting board, so it
        # does not count as an unanswered request (which would make the next all-locked
        # reading look like a restart).
        if reply is not None:
            shape = "status"
            what = f"a status frame with the board's ADDR 0x{board_addr:02x}"
        elif outcome.unexpected:
            shape, what = "other", "only frames for another ADDR"
        elif outcome.received:
            shape, what = "corrupt", "a corrupt reply"
        else:
            shape, what = "silent", "no reply"
        back = self._read_back(board, lock)
        if back.reading is not None and not back.reading.is_locked(lock, self.locked_bit):
            return self._confirmed(
                door,
                UnlockConfirmation.SENSOR,
                shape,
                f"{what}; the door's sensor read unlocked at read-back {back.polls}",
            )
        if back.reading is not None and back.answered:
            return self._still_locked(door, shape, what, back)
        self.counters["unlocks_unconfirmed"] += 1
        state.unconfirmed_door = door
        health = Health(
            HealthState.UNKNOWN,
            "unlock_unconfirmed",
            f"door {door} (board {board} lock {lock}): {what} within "
            f"{self.reply_timeout_s:g} s, then no sensor reading ({back.polls} read-back(s), "
            f"the last {1 + self.retries} unanswered) on {self._transport.describe()}; "
            "not re-sent",
        )
        self._note(self._compute_health(), force_frames=True)
        raise LockerError(
            f"{self.name}: unlock of door {door} not confirmed ({what}, and no sensor "
            "reading); the lock may have fired: read the door before trying again",
            health,
        )

    def _read_back(self, board: int, lock: int) -> _ReadBack:
        """Read the board (``30``) until ``lock`` reads unlocked or ``unlock_check_s`` passed.

        Stops early when ``1 + retries`` read-backs in a row got no valid reply.

        Raises:
            TransportError: the line is gone.
        """
        state = self._state[board]
        request = encode_status_request(board)
        board_addr = address(board, 1)
        back = _ReadBack()
        failures = 0
        after_restart = False
        deadline = time.monotonic() + self.unlock_check_s
        while True:
            back.polls += 1
            self.counters["unlock_checks"] += 1
            unanswered_before = state.unanswered
            outcome = self._exchange(request, board_addr)
            back.received += outcome.received
            if outcome.reply is None:
                if not outcome.received:
                    state.unanswered += 1
                failures += 1
                if failures > self.retries:
                    back.answered = False
                    return back
            else:
                failures = 0
                back.answered = True
                if after_restart:
                    # NOTE: as in _poll: the answer after a power-on reading is the real one.
                    state.last = outcome.reply
                    after_restart = False
                elif not self._take(board, outcome.reply, unanswered_before):
                    # NOTE: a power-on reading after a restart says nothing about the door;
                    # the board's next answer will, so the loop asks again.
                    after_restart = True
                if not after_restart:
                    back.reading = outcome.reply
                    if not outcome.reply.is_locked(lock, self.locked_bit):
                        return back
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return back
            time.sleep(min(UNLOCK_CHECK_INTERVAL_S, remaining))

    def _frames_of_unlock(self) -> tuple[str, ...]:
        return tuple(record.describe() for record in self._capture or ())

    def _confirmed(
        self, door: int, how: UnlockConfirmation, shape: str, evidence: str
    ) -> UnlockResult:
        self.counters["unlocks_confirmed"] += 1
        self.counters[f"unlocks_confirmed_by_{how.value}"] += 1
        logger.info(
            "%s: unlock of door %d confirmed by %s (%s reply): %s",
            self.name,
            door,
            how.value,
            shape,
            evidence,
        )
        self._note(self._compute_health())
        return UnlockResult(door, how, shape, evidence, self._frames_of_unlock())

    def _still_locked(self, door: int, shape: str, what: str, back: _ReadBack) -> UnlockResult:
        self.counters["unlocks_still_locked"] += 1
        detail = (
            f"{what}; the door still read locked after {back.polls} sensor read-back(s) in "
            f"{self.unlock_check_s:g} s (jammed latch, or the board did not take the command); "
            "not re-sent"
        )
        frames = self._frames_of_unlock()
        logger.warning(
            "%s: unlock of door %d not confirmed: %s; its frames on %s:\n%s",
            self.name,
            door,
            detail,
            self._transport.describe(),
            "\n".join("  " + line for line in frames),
        )
        self._note(self._compute_health())
        return UnlockResult(door, UnlockConfirmation.NOT_CONFIRMED, shape, detail, frames)

    def read_doors(self) -> Mapping[int, DoorStatus]:
        """Poll every board; doors of a board without a valid reading are ``UNKNOWN``."""
        try:
            with self._lock:
                self._polled = True
                readings: dict[int, StatusReply | None] = {}
                for board in range(self.boards):
                    try:
                        readings[board] = self._poll(board)
                    except TransportError as exc:
                        self._lost_line(exc)
                        readings = dict.fromkeys(range(self.boards))
                        break
                else:
                    self._disconnected = ""
                result: dict[int, DoorStatus] = {}
                for door in self._doors:
                    board, lock = self.location(door)
                    reply = readings[board]
                    if reply is None:
                        result[door] = DoorStatus(door, DoorState.UNKNOWN, None)
                        continue
                    locked = reply.is_locked(lock, self.locked_bit)
                    result[door] = DoorStatus(
                        door, DoorState.CLOSED if locked else DoorState.OPEN, reply.has_item(lock)
                    )
                self._note(self._compute_health())
                return result
        finally:
            self._dispatch_events()

    def health(self) -> Health:
        """The health from the last exchanges (no I/O)."""
        with self._lock:
            return self._compute_health()

    def close(self) -> None:
        """Close the transport."""
        with self._lock:
            self._transport.close()

    # -- extras for the core and the technician -----------------------------------------------

    def restarts(self) -> dict[int, int]:
        """Detected restarts per board since start."""
        with self._lock:
            return {board: state.restarts for board, state in enumerate(self._state)}

    def acknowledge_restarts(self) -> None:
        """Clear ``board_restarted`` once the caller has settled what a restart may have cut."""
        with self._lock:
            for state in self._state:
                state.restart_pending = False
            self._note(self._compute_health())

    def recent_frames(self) -> list[WireRecord]:
        """The last frames on the wire, oldest first."""
        with self._lock:
            return list(self._frames)

    # -- health -------------------------------------------------------------------------------

    def _doors_of(self, boards: list[int]) -> str:
        return ", ".join(
            f"board {b} (doors {b * self.locks_per_board + 1}-{(b + 1) * self.locks_per_board})"
            for b in boards
        )

    def _compute_health(self) -> Health:
        where = self._transport.describe()
        if self._disconnected:
            return Health(HealthState.FAULT, "disconnected", self._disconnected)
        for problem in ("board_silent", "bad_answer"):
            boards = [b for b, state in enumerate(self._state) if state.problem == problem]
            if boards:
                verb = "does not answer" if problem == "board_silent" else "answers garbage"
                return Health(
                    HealthState.FAULT, problem, f"{self._doors_of(boards)} {verb} on {where}"
                )
        unconfirmed = [s.unconfirmed_door for s in self._state if s.unconfirmed_door is not None]
        if unconfirmed:
            doors = ", ".join(str(d) for d in unconfirmed)
            return Health(
                HealthState.UNKNOWN,
                "unlock_unconfirmed",
                f"door(s) {doors}: unlock not confirmed on {where}",
            )
        restarted = [b for b, state in enumerate(self._state) if state.restart_pending]
        if restarted:
            return Health(
                HealthState.DEGRADED,
                "board_restarted",
                f"{self._doors_of(restarted)} restarted; doors re-read",
            )
        if not self._polled and all(state.last is None for state in self._state):
            return Health(HealthState.UNKNOWN, "not_checked", "no status read yet")
        return Health(HealthState.OK)

    def _note(self, health: Health, *, force_frames: bool = False) -> None:
        """Log a change of health; when it turns bad, with the recent frames."""
        if health.same_as(self._last_health) and not force_frames:
            return
        self._last_health = health
        log_health_change(
            logger,
            self.name,
            health,
            self._frames,
            self._transport.describe(),
            with_frames=force_frames,
        )

    def _dispatch_events(self) -> None:
        with self._lock:
            events, self._events = self._events, []
        if self.on_event is None:
            return
        for event in events:
            self.on_event(event)

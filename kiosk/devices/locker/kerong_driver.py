"""The Kerong KR-CU16 lock-board driver: up to 10 boards on one RS-485 line.

Wiring: a USB-RS-485 adapter (``serial:///dev/kiosk-locker?baudrate=19200``, 8N1) with the
boards daisy-chained on A/B, each board's address switch set to 0, 1, 2 … in door order; or any
pyserial URL (``socket://host:port`` for the simulator or an RS-485-to-Ethernet converter).

Protocol facts (see :mod:`.kerong_frames`): the host asks, a board answers; ``30`` reads a
board's 16 lock and 16 item sensors, ``31`` energises one lock for the board's own pulse time. A
``30`` is answered with a 9-byte ``35`` status frame echoing the request's ADDR; what follows a
``31`` depends on the board (:mod:`.kerong_unlock`). Doors are numbered from 1 in board order:
door ``n`` is board ``(n - 1) // locks_per_board``, lock ``(n - 1) % locks_per_board + 1``.

The driver is split by responsibility: :mod:`.kerong_wire` (one request and its reply, the
last frames), :mod:`.kerong_boards` (polling, restart detection, the boards' health) and
:mod:`.kerong_unlock` (the one ``31`` and how it is confirmed: the board's echo, or the door's
sensor read back, since boards answer an unlock in one of three shapes,
:data:`~.kerong_unlock.UNLOCK_REPLY_SHAPES`). This module holds them together behind
:class:`KerongLocker`, one lock around every exchange.

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
from collections.abc import Callable, Mapping

from kiosk.devices.health import Health, HealthState
from kiosk.devices.health_log import log_health_change
from kiosk.devices.locker.kerong_boards import BoardChain, BoardEvent
from kiosk.devices.locker.kerong_frames import LOCKS_PER_BOARD, StatusReply
from kiosk.devices.locker.kerong_unlock import (
    UNLOCK_CHECK_INTERVAL_S,
    UNLOCK_REPLY_SHAPES,
    UnlockConfirmer,
)
from kiosk.devices.locker.kerong_wire import FRAME_HISTORY, KerongLine, WireRecord
from kiosk.devices.locker.protocol import (
    DoorState,
    DoorStatus,
    LockerError,
    UnlockResult,
)
from kiosk.devices.transport import Transport
from kiosk.errors import TransportError

__all__ = [
    "FRAME_HISTORY",
    "MAX_BOARDS",
    "UNLOCK_CHECK_INTERVAL_S",
    "UNLOCK_REPLY_SHAPES",
    "BoardEvent",
    "KerongLocker",
    "WireRecord",
]

logger = logging.getLogger(__name__)

MAX_BOARDS = 10


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
        self._disconnected = ""
        self._polled = False
        self._last_health: Health | None = None
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
        self._line = KerongLine(
            transport, name=name, reply_timeout_s=reply_timeout_s, counters=self.counters
        )
        self._chain = BoardChain(
            self._line,
            boards=boards,
            locks_per_board=locks_per_board,
            locked_bit=locked_bit,
            retries=retries,
            reset_min_open_doors=reset_min_open_doors,
            counters=self.counters,
        )
        self._confirmer = UnlockConfirmer(
            self._line,
            self._chain,
            locked_bit=locked_bit,
            retries=retries,
            unlock_check_s=unlock_check_s,
            counters=self.counters,
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

    def _lost_line(self, exc: TransportError) -> None:
        self._disconnected = f"{self._transport.describe()}: {exc}"

    # -- Locker -------------------------------------------------------------------------------

    def unlock(self, door: int) -> UnlockResult:
        """Energise the door's lock once and say how that was confirmed.

        The frame is sent even if the door already reads open, and never re-sent. The lock's
        own echo confirms it; any other reply (a board-ADDR status frame, silence, garbage)
        makes the driver read the door's sensor back for up to ``unlock_check_s`` (see
        :mod:`.kerong_unlock`).

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
                self._line.begin_capture()
                try:
                    result = self._confirmer.unlock(door, board, lock)
                except TransportError as exc:
                    self._lost_line(exc)
                    health = Health(
                        HealthState.FAULT,
                        "disconnected",
                        f"unlock of door {door} not confirmed: {exc}",
                    )
                    self._note(self._compute_health())
                    raise LockerError(f"{self.name}: door {door}: {exc}", health) from exc
                except LockerError:
                    # The line answered the unlock itself; only the confirmation is missing.
                    self._disconnected = ""
                    self._note(self._compute_health(), force_frames=True)
                    raise
                finally:
                    self._line.end_capture()
                self._disconnected = ""
                self._note(self._compute_health())
                return result
        finally:
            self._dispatch_events()

    def read_doors(self) -> Mapping[int, DoorStatus]:
        """Poll every board; doors of a board without a valid reading are ``UNKNOWN``."""
        try:
            with self._lock:
                self._polled = True
                readings: dict[int, StatusReply | None] = {}
                for board in range(self.boards):
                    try:
                        readings[board] = self._chain.poll(board)
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
            return {board: state.restarts for board, state in enumerate(self._chain.states)}

    def acknowledge_restarts(self) -> None:
        """Clear ``board_restarted`` once the caller has settled what a restart may have cut."""
        with self._lock:
            for state in self._chain.states:
                state.restart_pending = False
            self._note(self._compute_health())

    def recent_frames(self) -> list[WireRecord]:
        """The last frames on the wire, oldest first."""
        with self._lock:
            return list(self._line.frames)

    # -- health -------------------------------------------------------------------------------

    def _compute_health(self) -> Health:
        if self._disconnected:
            return Health(HealthState.FAULT, "disconnected", self._disconnected)
        boards = self._chain.health()
        if boards is not None:
            return boards
        if not self._polled and all(state.last is None for state in self._chain.states):
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
            self._line.frames,
            self._transport.describe(),
            with_frames=force_frames,
        )

    def _dispatch_events(self) -> None:
        with self._lock:
            events, self._chain.events = self._chain.events, []
        if self.on_event is None:
            return
        for event in events:
            self.on_event(event)

"""What the Kerong driver knows of each board: its readings, whether it answers, its restarts.

:class:`BoardChain` polls a board (``30``, retried ``retries`` times), judges each valid reading
(:meth:`BoardChain.take`) and says what is wrong with the boards as a health. Its rules:

- A board that gives no valid reading after ``1 + retries`` polls is ``fault/board_silent``
  (nothing at all arrived) or ``fault/bad_answer`` (only corrupt bytes); its doors are
  ``UNKNOWN``.
- **Board restart** (power glitch, watchdog): a CU16 has no reset flag. A restarted board
  answers with its power-on reading (all locks locked, no items) before it samples its inputs.
  Such a reading is distrusted when it contradicts the last one and either followed an
  unanswered status request (the board was booting) or replaced a reading with at least
  ``reset_min_open_doors`` open doors. The board is then polled once more and that reading is
  used; the restart is counted, logged with the recent frames, queued as a :class:`BoardEvent`
  and reported as ``degraded/board_restarted`` until the driver's ``acknowledge_restarts``.

It holds no lock: the driver serialises every call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.devices.health import Health, HealthState
from kiosk.devices.locker.kerong_frames import (
    ALL_LOCK_BITS,
    LOCKS_PER_BOARD,
    StatusReply,
    address,
    encode_status_request,
    lock_bits_for,
)
from kiosk.devices.locker.kerong_wire import KerongLine

logger = logging.getLogger(__name__)


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
class BoardState:
    """One board as the driver last saw it.

    Attributes:
        last: the last trusted reading.
        problem: ``""``, ``board_silent`` or ``bad_answer`` after the last poll.
        unanswered: requests in a row that got no byte at all.
        unconfirmed_door: a door whose unlock could not be confirmed, until the board answers.
        restart_pending: a restart not yet acknowledged.
        restarts: restarts detected since start.
    """

    last: StatusReply | None = None
    problem: str = ""
    unanswered: int = 0
    unconfirmed_door: int | None = None
    restart_pending: bool = False
    restarts: int = 0


class BoardChain:
    """The boards on one line: polling, restart detection and the boards' part of the health.

    Args:
        line: the line to the boards.
        boards: boards on the line, addresses 0 to ``boards - 1``.
        locks_per_board: locks wired on each board.
        locked_bit: 1 when a set lock bit means locked.
        retries: extra attempts of a status poll.
        reset_min_open_doors: open doors a power-on reading must contradict to count as a
            restart when no request went unanswered before it.
        counters: the driver's counters; ``polls`` and ``restarts`` are counted here.
    """

    def __init__(
        self,
        line: KerongLine,
        *,
        boards: int,
        locks_per_board: int,
        locked_bit: int,
        retries: int,
        reset_min_open_doors: int,
        counters: dict[str, int],
    ) -> None:
        self.line = line
        self.locks_per_board = locks_per_board
        self.locked_bit = locked_bit
        self.retries = retries
        self.reset_min_open_doors = reset_min_open_doors
        self.counters = counters
        self.states = [BoardState() for _ in range(boards)]
        self.events: list[BoardEvent] = []  # handed to the driver's on_event outside its lock
        self._power_on = lock_bits_for({}, locked_bit)

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

    def take(self, board: int, reply: StatusReply, unanswered_before: int) -> bool:
        """Note a valid reply from a board; False when it is a power-on reading not to trust."""
        state = self.states[board]
        last = state.last
        name = self.line.name
        if state.problem:
            self.events.append(BoardEvent(board, "back", f"board {board} answers again"))
            logger.info("%s: board %d answers again", name, board)
        state.problem = ""
        state.unanswered = 0
        if state.unconfirmed_door is not None:
            logger.info(
                "%s: board %d answers again after the unconfirmed unlock of door %d",
                name,
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
        state = self.states[board]
        state.restarts += 1
        state.restart_pending = True
        self.counters["restarts"] += 1
        detail = f"board {board} restarted: {evidence}"
        self.events.append(BoardEvent(board, "restarted", detail))
        frames = "\n".join("  " + record.describe() for record in self.line.frames)
        logger.warning(
            "%s: %s; last %d frames on %s:\n%s",
            self.line.name,
            detail,
            len(self.line.frames),
            self.line.describe(),
            frames,
        )

    def poll(self, board: int) -> StatusReply | None:
        """Read one board (with retries and a restart check); None when it gave no reading.

        Raises:
            TransportError: the line is gone.
        """
        state = self.states[board]
        addr = address(board, 1)
        request = encode_status_request(board)
        received = 0
        for _ in range(1 + self.retries):
            self.counters["polls"] += 1
            unanswered_before = state.unanswered
            outcome = self.line.exchange(request, addr)
            received += outcome.received
            if outcome.reply is None:
                if not outcome.received:
                    state.unanswered += 1
                continue
            if self.take(board, outcome.reply, unanswered_before):
                return outcome.reply
            # NOTE: a restart was detected; the power-on reading says nothing about the doors.
            # The board has sampled its inputs by its next answer: ask once more.
            self.counters["polls"] += 1
            confirm = self.line.exchange(request, addr)
            if confirm.reply is None:
                return None
            state.last = confirm.reply
            return confirm.reply
        problem = "bad_answer" if received else "board_silent"
        if state.problem != problem:
            self.events.append(
                BoardEvent(board, "silent", f"board {board}: {problem} after {1 + self.retries}")
            )
        state.problem = problem
        return None

    # -- health -------------------------------------------------------------------------------

    def _doors_of(self, boards: list[int]) -> str:
        return ", ".join(
            f"board {b} (doors {b * self.locks_per_board + 1}-{(b + 1) * self.locks_per_board})"
            for b in boards
        )

    def health(self) -> Health | None:
        """What is wrong with the boards, worst first; None when nothing is."""
        where = self.line.describe()
        for problem in ("board_silent", "bad_answer"):
            boards = [b for b, state in enumerate(self.states) if state.problem == problem]
            if boards:
                verb = "does not answer" if problem == "board_silent" else "answers garbage"
                return Health(
                    HealthState.FAULT, problem, f"{self._doors_of(boards)} {verb} on {where}"
                )
        unconfirmed = [s.unconfirmed_door for s in self.states if s.unconfirmed_door is not None]
        if unconfirmed:
            doors = ", ".join(str(d) for d in unconfirmed)
            return Health(
                HealthState.UNKNOWN,
                "unlock_unconfirmed",
                f"door(s) {doors}: unlock not confirmed on {where}",
            )
        restarted = [b for b, state in enumerate(self.states) if state.restart_pending]
        if restarted:
            return Health(
                HealthState.DEGRADED,
                "board_restarted",
                f"{self._doors_of(restarted)} restarted; doors re-read",
            )
        return None

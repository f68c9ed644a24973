"""One unlock on a Kerong board: the single ``31`` and how it is confirmed.

**How a board answers an unlock.** Public CU16 code disagrees, so the driver accepts three
reply shapes (:data:`UNLOCK_REPLY_SHAPES`, the evidence in the NOTE above it):

- ``echo``: a ``35`` frame with the lock's own ADDR (the shape the driver first assumed);
- ``status``: a ``35`` status frame with the *board's* ADDR (lock nibble 0);
- ``silent``: nothing at all.

An ``echo`` confirms the unlock (:attr:`UnlockConfirmation.REPLY`). Anything else is ambiguous:
a board-ADDR frame may be a late answer to an earlier poll and its bits may predate the pulse;
silence or corrupt bytes prove nothing either way. :class:`UnlockConfirmer` then reads the
door's own sensor back (``30`` every :data:`UNLOCK_CHECK_INTERVAL_S` for up to
``unlock_check_s``): a lock bit that reads unlocked confirms the unlock
(:attr:`UnlockConfirmation.SENSOR`); a door that still reads locked at the end is
:attr:`UnlockConfirmation.NOT_CONFIRMED`, returned, not raised (the board answers; the latch is
the problem, and the hand-over's own door watch decides what next). A board that answers none of
``1 + retries`` read-backs in a row raises :class:`LockerError` ``unlock_unconfirmed``. For
lock 1 the board's ADDR is the lock's ADDR, so both shapes read as an echo there.

**An unlock is sent once and never re-sent here**, whatever the reply: a corrupt reply proves
the board heard *something* and may have fired, and silence cannot prove it did not, so a
re-send could open the door twice. Only status requests (``30``) follow it.

It holds no lock: the driver serialises every call, captures the unlock's frames and notes the
health afterwards.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kiosk.devices.health import Health, HealthState
from kiosk.devices.locker.kerong_boards import BoardChain
from kiosk.devices.locker.kerong_frames import (
    StatusReply,
    address,
    encode_status_request,
    encode_unlock,
)
from kiosk.devices.locker.kerong_wire import KerongLine
from kiosk.devices.locker.protocol import LockerError, UnlockConfirmation, UnlockResult

logger = logging.getLogger(__name__)

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


@dataclass
class ReadBack:
    """The outcome of reading a door's sensor back after an ambiguous unlock reply.

    Attributes:
        reading: the last trusted reading of the board.
        polls: read-backs sent.
        answered: False when the last ``1 + retries`` read-backs got no valid reply.
        received: bytes that arrived, valid or not.
    """

    reading: StatusReply | None = None
    polls: int = 0
    answered: bool = True
    received: int = 0


class UnlockConfirmer:
    """Sends one unlock and confirms it by the board's echo or by the door's sensor.

    Args:
        line: the line to the boards.
        chain: the boards' state (read-backs are judged as polls are).
        locked_bit: 1 when a set lock bit means locked.
        retries: how many read-backs in a row may go unanswered before giving up.
        unlock_check_s: how long to read the door's sensor back.
        counters: the driver's counters; the ``unlock*`` ones are counted here.
    """

    def __init__(
        self,
        line: KerongLine,
        chain: BoardChain,
        *,
        locked_bit: int,
        retries: int,
        unlock_check_s: float,
        counters: dict[str, int],
    ) -> None:
        self.line = line
        self.chain = chain
        self.locked_bit = locked_bit
        self.retries = retries
        self.unlock_check_s = unlock_check_s
        self.counters = counters

    def unlock(self, door: int, board: int, lock: int) -> UnlockResult:
        """Send the one ``31``, then classify its reply and read back when it is ambiguous.

        Raises:
            TransportError: the line is gone.
            LockerError: no echo and no answer to the read-back (``unlock_unconfirmed``).
        """
        state = self.chain.states[board]
        lock_addr, board_addr = address(board, lock), address(board, 1)
        unanswered_before = state.unanswered
        outcome = self.line.exchange(encode_unlock(board, lock), lock_addr, board_addr)
        reply = outcome.reply
        if reply is not None and reply.addr == lock_addr:
            self.chain.take(board, reply, unanswered_before)
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
            f"{self.line.reply_timeout_s:g} s, then no sensor reading ({back.polls} "
            f"read-back(s), the last {1 + self.retries} unanswered) on {self.line.describe()}; "
            "not re-sent",
        )
        raise LockerError(
            f"{self.line.name}: unlock of door {door} not confirmed ({what}, and no sensor "
            "reading); the lock may have fired: read the door before trying again",
            health,
        )

    def _read_back(self, board: int, lock: int) -> ReadBack:
        """Read the board (``30``) until ``lock`` reads unlocked or ``unlock_check_s`` passed.

        Stops early when ``1 + retries`` read-backs in a row got no valid reply.

        Raises:
            TransportError: the line is gone.
        """
        state = self.chain.states[board]
        request = encode_status_request(board)
        board_addr = address(board, 1)
        back = ReadBack()
        failures = 0
        after_restart = False
        deadline = time.monotonic() + self.unlock_check_s
        while True:
            back.polls += 1
            self.counters["unlock_checks"] += 1
            unanswered_before = state.unanswered
            outcome = self.line.exchange(request, board_addr)
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
                    # NOTE: as in a poll: the answer after a power-on reading is the real one.
                    state.last = outcome.reply
                    after_restart = False
                elif not self.chain.take(board, outcome.reply, unanswered_before):
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

    def _confirmed(
        self, door: int, how: UnlockConfirmation, shape: str, evidence: str
    ) -> UnlockResult:
        self.counters["unlocks_confirmed"] += 1
        self.counters[f"unlocks_confirmed_by_{how.value}"] += 1
        logger.info(
            "%s: unlock of door %d confirmed by %s (%s reply): %s",
            self.line.name,
            door,
            how.value,
            shape,
            evidence,
        )
        return UnlockResult(door, how, shape, evidence, self.line.captured())

    def _still_locked(self, door: int, shape: str, what: str, back: ReadBack) -> UnlockResult:
        self.counters["unlocks_still_locked"] += 1
        detail = (
            f"{what}; the door still read locked after {back.polls} sensor read-back(s) in "
            f"{self.unlock_check_s:g} s (jammed latch, or the board did not take the command); "
            "not re-sent"
        )
        frames = self.line.captured()
        logger.warning(
            "%s: unlock of door %d not confirmed: %s; its frames on %s:\n%s",
            self.line.name,
            door,
            detail,
            self.line.describe(),
            "\n".join("  " + line for line in frames),
        )
        return UnlockResult(door, UnlockConfirmation.NOT_CONFIRMED, shape, detail, frames)

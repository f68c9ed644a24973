"""Text commands for the locker simulator (stdin of ``kiosk sim locker``)."""

from __future__ import annotations

from simulators.console import dispatch
from simulators.locker.server import LockerSimulator

_WHAT = "locker simulator"

HELP = """commands (DOOR from 1, BOARD from 0):
  pull DOOR / push DOOR      a person pulls the handle / pushes the door shut
  put DOOR / take DOOR       put an item in / take it out
  jam DOOR / unjam DOOR      the latch does not release on unlock / works again
  shape BOARD|all SHAPE      how a board answers an unlock: echo, status or silent
  wontshut DOOR / fix DOOR   the door springs open after each push / stays shut again
  force DOOR                 open the door without a command (forced)
  corrupt RATE               corrupt this fraction (0-1) of replies
  silence BOARD / speak BOARD  a board stops answering / answers again
  reset BOARD                restart a board (silent while booting, then a power-on reply)
  status                     every door that is not shut and empty, pulses, connections
  help, quit"""

_DOOR_VERBS = frozenset({"pull", "push", "put", "take", "jam", "unjam", "wontshut", "fix", "force"})


def _door_command(simulator: LockerSimulator, verb: str, door: int) -> str | None:
    """Run a per-door command; None when ``verb`` is not one."""
    if verb == "pull":
        return f"door {door} {'opened' if simulator.pull(door) else 'is latched'}"
    if verb == "push":
        return f"door {door} {'shut' if simulator.push(door) else 'springs open again'}"
    if verb == "put":
        simulator.put_item(door)
        return f"item in door {door}"
    if verb == "take":
        simulator.take_item(door)
        return f"item taken from door {door}"
    if verb in ("jam", "unjam"):
        simulator.jam(door, verb == "jam")
        return f"door {door} {'jammed' if verb == 'jam' else 'free'}"
    if verb in ("wontshut", "fix"):
        simulator.wont_stay_shut(door, verb == "wontshut")
        return f"door {door} {'will not stay shut' if verb == 'wontshut' else 'stays shut'}"
    if verb == "force":
        simulator.force_open(door)
        return f"door {door} forced open"
    return None


def _shape_command(simulator: LockerSimulator, rest: str) -> str:
    """``shape BOARD|all SHAPE``: set how a board (or every board) answers an unlock.

    Raises:
        ValueError: not two words, an unknown board or shape.
    """
    words = rest.split()
    if len(words) != 2:
        raise ValueError("usage: shape BOARD|all echo|status|silent")
    which, shape = words[0].lower(), words[1].lower()
    board = None if which == "all" else int(which)
    simulator.set_reply_shape(shape, board)
    boards = "every board" if board is None else f"board {board}"
    return f"{boards} answers an unlock with {shape}"


def describe(simulator: LockerSimulator) -> str:
    """A short state report: doors not shut-and-empty, pulses, connections."""
    lines = []
    for door in simulator.door_numbers:
        model = simulator.door(door)
        flags = [
            name
            for name, on in (
                ("open", model.open),
                ("released", model.released),
                ("item", model.item),
                ("jammed", model.jammed),
                ("wont-stay-shut", model.wont_stay_shut),
            )
            if on
        ]
        pulses = simulator.pulses(door)
        if flags or pulses:
            lines.append(f"door {door}: {' '.join(flags) or 'shut'}; {pulses} pulse(s)")
    for board in range(simulator.boards):
        shape = simulator.reply_shape(board)
        if shape != "echo":
            lines.append(f"board {board}: answers an unlock with {shape}")
    lines.append(
        f"{simulator.connections} connection(s) so far; {len(simulator.pulse_log)} pulse(s); "
        f"{simulator.corrupted} corrupted repl(ies)"
    )
    return "\n".join(lines)


def apply_command(simulator: LockerSimulator, line: str) -> str:
    """Run one command line; returns the reply for the operator (empty for a blank line)."""
    return dispatch(line, HELP, lambda verb, rest: _apply(simulator, verb, rest), what=_WHAT)


def _apply(simulator: LockerSimulator, verb: str, rest: str) -> str | None:
    if verb in _DOOR_VERBS and rest:
        reply = _door_command(simulator, verb, int(rest))
        if reply is not None:
            return reply
    if verb == "corrupt" and rest:
        simulator.corrupt_replies(float(rest))
        return f"corrupting {float(rest):.0%} of replies"
    if verb == "silence" and rest:
        simulator.silence(int(rest))
        return f"board {int(rest)} silent"
    if verb == "speak" and rest:
        simulator.silence(int(rest), False)
        return f"board {int(rest)} answers again"
    if verb == "shape" and rest:
        return _shape_command(simulator, rest)
    if verb == "reset" and rest:
        simulator.reset_board(int(rest))
        return f"board {int(rest)} restarting"
    if verb == "status":
        return describe(simulator)
    return None

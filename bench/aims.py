"""Each figure against its aim: one printed line, collected for ``python -m bench``'s summary.

The aims are DESIGN §7's and the issues' (docs/architecture.md §7 lists them). A bench calls
:func:`check` for a figure that has one; the line reads

    cold start: kiosk run / empty Qt Quick window 2.46x (aim <= 1.5x): MISSED

and is kept in :data:`RESULTS`, so the whole run (``make bench``) can end with every verdict
together. A figure without a stated aim is printed by its bench as before, with no verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Comparison = Literal["<", "<=", ">", ">=", "="]


@dataclass(frozen=True)
class Verdict:
    """One figure against its aim, as printed."""

    line: str
    met: bool


RESULTS: list[Verdict] = []
"""Every verdict printed in this process, in order (``bench.__main__`` prints them again)."""


def _holds(value: float, op: Comparison, aim: float) -> bool:
    if op == "<":
        return value < aim
    if op == "<=":
        return value <= aim
    if op == ">":
        return value > aim
    if op == ">=":
        return value >= aim
    return value == aim


def check(
    what: str,
    value: float,
    op: Comparison,
    aim: float,
    *,
    unit: str = "",
    digits: int = 2,
    shown: str | None = None,
) -> bool:
    """Print ``<what> <value> (aim <op> <aim>): met`` (or ``MISSED``) and keep it.

    Args:
        what: the figure's name, as the README's tables name it.
        value: the measured value, in the aim's unit.
        op: how the value must compare with the aim.
        aim: the aim, in the same unit.
        unit: appended to the value and the aim (``" ms"``, ``"x"``, ``" %"``).
        digits: decimals of the printed value.
        shown: the printed value instead of ``value`` (e.g. ``"p99 3.1 ms"``); the verdict is
            still computed from ``value``.

    Returns:
        Whether the aim is met.
    """
    met = _holds(value, op, aim)
    text = shown if shown is not None else f"{value:,.{digits}f}{unit}"
    line = f"{what} {text} (aim {op} {aim:,g}{unit}): {'met' if met else 'MISSED'}"
    RESULTS.append(Verdict(line, met))
    print(line, flush=True)
    return met

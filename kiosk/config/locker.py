"""``[locker]``: the compartment locker's URL, boards and timings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from kiosk.config.device_url import device_url
from kiosk.config.schema import Section, Table, convert


@dataclass(frozen=True)
class LockerConfig:
    """The compartment locker (``[locker]``; a device URL, empty = none fitted)."""

    url: str = ""
    boards: int = 1
    locks_per_board: int = 16
    pulse_ms: int = 500
    locked_bit: int = 1
    reply_timeout_s: float = 0.25


class LockerSection(Section):
    """``[locker]`` as written."""

    url: str = ""
    boards: Annotated[int, Meta(ge=1, le=10)] = 1
    locks_per_board: Annotated[int, Meta(ge=1, le=16)] = 16
    pulse_ms: Annotated[int, Meta(ge=100, le=5000)] = 500
    locked_bit: Annotated[int, Meta(ge=0, le=1)] = 1
    reply_timeout_s: Annotated[float, Meta(ge=0.02, le=5)] = 0.25


def parse_locker(table: Table) -> LockerConfig:
    """``[locker]``: the URL checked for a locker."""
    section = convert(table, LockerSection)
    return LockerConfig(
        url=device_url(table, "url", section.url, device="locker"),
        boards=section.boards,
        locks_per_board=section.locks_per_board,
        pulse_ms=section.pulse_ms,
        locked_bit=section.locked_bit,
        reply_timeout_s=section.reply_timeout_s,
    )

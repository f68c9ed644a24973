"""``[scanner]``: the entrance code scanner's URL, line ending and repeat window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from msgspec import Meta

from kiosk.config.device_url import device_url
from kiosk.config.schema import Section, Table, convert


@dataclass(frozen=True)
class ScannerConfig:
    """The entrance code scanner (a device URL; empty = none fitted)."""

    url: str = ""
    suffix: str = "cr"
    repeat_window_s: float = 1.5


class ScannerSection(Section):
    """``[scanner]`` as written."""

    url: str = ""
    suffix: Literal["cr", "crlf", "lf", "none"] = "cr"
    repeat_window_s: Annotated[float, Meta(ge=0, le=30)] = 1.5


def parse_scanner(table: Table) -> ScannerConfig:
    """``[scanner]``: the URL checked for a scanner."""
    section = convert(table, ScannerSection)
    return ScannerConfig(
        url=device_url(table, "url", section.url, device="scanner"),
        suffix=section.suffix,
        repeat_window_s=section.repeat_window_s,
    )

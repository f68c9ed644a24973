"""``[checkin]``: booking check-in at the entrance scanner (windows, repeats, slips)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from msgspec import Meta
from msgspec import field as schema_field

from kiosk.config.schema import Section, Table, convert
from kiosk.config.services import ServiceConfig
from kiosk.config.text import LocalText, local_text

Minutes = Annotated[int, Meta(ge=0, le=24 * 60)]
# Keys that moved to [trust], refused with where they live now.
MOVED = {
    "trusted_keys": "[trust.booking]",
    "trust_list_issued": "[trust]",
    "trust_max_age_days": "[trust]",
}


@dataclass(frozen=True)
class CheckInWindow:
    """How long before and after a booking's slot start check-in is open (minutes)."""

    before_min: int
    after_min: int


@dataclass(frozen=True)
class CheckInConfig:
    """Booking check-in at the entrance scanner (``[checkin]``).

    Attributes:
        window: the default check-in window around the slot start.
        service_windows: per-service windows, by service id.
        dedupe_s: the same booking scanned again within this many seconds of its acceptance
            is the same scan (scanners repeat; people hold the phone twice).
        print_slip: print a small check-in slip after an accepted check-in.
        screen_s: seconds a check-in result stays on screen.
        office_names: names of other offices by office code, for "this booking is for …".
    """

    window: CheckInWindow = CheckInWindow(30, 15)
    service_windows: Mapping[str, CheckInWindow] = field(default_factory=dict)
    dedupe_s: float = 5.0
    print_slip: bool = False
    screen_s: float = 8.0
    office_names: Mapping[str, LocalText] = field(default_factory=dict)

    def window_for(self, service_id: str) -> CheckInWindow:
        """The check-in window of a service (its own, else the default)."""
        return self.service_windows.get(service_id, self.window)


class _CheckInTable(Section):
    window_before_min: Minutes = 30
    window_after_min: Minutes = 15
    service_windows: dict[str, Any] = schema_field(default_factory=dict)
    dedupe_s: Annotated[float, Meta(ge=0, le=600)] = 5.0
    print_slip: bool = False
    screen_s: Annotated[float, Meta(ge=2, le=120)] = 8.0
    office_names: dict[str, Any] = schema_field(default_factory=dict)


class _WindowTable(Section):
    before_min: Minutes | None = None
    after_min: Minutes | None = None


def parse_checkin(
    table: Table, services: tuple[ServiceConfig, ...], languages: tuple[str, ...]
) -> CheckInConfig:
    """``[checkin]`` (every key optional): service windows only for known services."""
    for old, where in MOVED.items():
        if old in table.data:
            table.fail(old, table.data[old], f"has moved to {where} (one key list per purpose)")
    section = convert(table, _CheckInTable)
    default = CheckInWindow(section.window_before_min, section.window_after_min)
    windows = table.sub("service_windows")
    known = {s.id for s in services}
    service_windows: dict[str, CheckInWindow] = {}
    for sid, value in windows.data.items():
        if sid not in known:
            windows.fail(sid, value, "is not a service id")
        entry = convert(windows.sub(sid), _WindowTable)
        service_windows[sid] = CheckInWindow(
            default.before_min if entry.before_min is None else entry.before_min,
            default.after_min if entry.after_min is None else entry.after_min,
        )
    names = table.sub("office_names")
    office_names = {
        str(code): local_text(names, str(code), value, languages)
        for code, value in names.data.items()
    }
    return CheckInConfig(
        window=default,
        service_windows=service_windows,
        dedupe_s=section.dedupe_s,
        print_slip=section.print_slip,
        screen_s=section.screen_s,
        office_names=office_names,
    )

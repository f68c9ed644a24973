"""``[kiosk]``: the kiosk's id, office, time zone, state folder and opening hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import field as schema_field

from kiosk.config.schema import Section, Table, convert
from kiosk.config.text import LocalText, LocalTextValue, local_text
from kiosk.core.office_hours import OpeningHours, OpeningHoursError

KIOSK_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# kiosk/v1/server/state and kiosk/v1/office/… would clash with a kiosk of that name.
RESERVED_IDS = frozenset({"server", "office"})


@dataclass(frozen=True)
class KioskSection:
    """The ``[kiosk]`` table, validated."""

    kiosk_id: str
    office: str
    office_name: LocalText
    timezone: ZoneInfo
    state_dir: Path
    opening_hours: OpeningHours


class _KioskTable(Section):
    id: str
    office: str
    office_name: LocalTextValue
    timezone: str = "Asia/Tokyo"
    state_dir: str = "/var/lib/kiosk"
    opening_hours: dict[str, Any] = schema_field(default_factory=dict)


def parse_kiosk(table: Table, languages: tuple[str, ...], base_dir: Path | None) -> KioskSection:
    """``[kiosk]``: an id that is a safe MQTT client id and topic level, a known time zone."""
    section = convert(table, _KioskTable)
    if not KIOSK_ID_RE.fullmatch(section.id):
        table.fail(
            "id",
            section.id,
            "may hold only a-z, 0-9 and '-' (1 to 64 characters); it is the "
            "MQTT client id and a topic level, where '/', '+' and '#' would break the ACLs",
        )
    if section.id in RESERVED_IDS:
        table.fail("id", section.id, "is reserved for the server's own topics")
    if not KIOSK_ID_RE.fullmatch(section.office):
        table.fail("office", section.office, "may hold only a-z, 0-9 and '-'")
    try:
        timezone = ZoneInfo(section.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        table.fail("timezone", section.timezone, "is not a known time zone (e.g. Asia/Tokyo)")
    state_dir = Path(section.state_dir)
    if base_dir is not None and not state_dir.is_absolute():
        state_dir = base_dir / state_dir
    office_name = local_text(table, "office_name", section.office_name, languages)
    return KioskSection(
        kiosk_id=section.id,
        office=section.office,
        office_name=office_name,
        timezone=timezone,
        state_dir=state_dir,
        opening_hours=_opening_hours(table.sub("opening_hours")),
    )


def _opening_hours(table: Table) -> OpeningHours:
    """``[kiosk.opening_hours]``: ``mon = "08:30-17:15"`` … (kiosk.core.office_hours)."""
    days: dict[str, str] = {}
    for day, text in table.data.items():
        if not isinstance(text, str):
            table.fail(day, text, "must be a text")
        try:
            OpeningHours.from_table({day: text})
        except OpeningHoursError as exc:
            table.fail(day, text, str(exc))
        days[day] = text
    return OpeningHours.from_table(days)

"""The office's opening hours as the out-of-service screen shows them, in the screen's language.

Shared by the kiosk's view-model and the store-failure window: both show
``OutOfServiceScreen.qml``. Every word comes from the catalogues through the installed
translator (``weekday.*``, ``hours.*``, ``oos.hours.*``); times are written ``8:30``.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from kiosk.core.clock import Clock
from kiosk.core.office_hours import WEEKDAYS, HoursRow, OpeningHours, clock_text
from kiosk.i18n.catalog import PLACEHOLDER_RE


def translate(message_id: str, *args: object) -> str:
    """A catalogue text in the screen's language with ``%1``… filled in."""
    template = QCoreApplication.translate("OutOfServiceScreen", message_id)

    def fill(found: re.Match[str]) -> str:
        number = int(found.group(1))
        return str(args[number - 1]) if 0 < number <= len(args) else ""

    return PLACEHOLDER_RE.sub(fill, template)


class OfficeHoursText:
    """Reads the opening hours against a clock and words them.

    Args:
        hours: the configured hours (``[kiosk.opening_hours]``).
        timezone: the office's time zone.
        clock: the time source.
    """

    def __init__(self, hours: OpeningHours, timezone: ZoneInfo, clock: Clock) -> None:
        self.hours = hours
        self._timezone = timezone
        self._clock = clock

    @property
    def configured(self) -> bool:
        """True when there are hours to show."""
        return self.hours.configured

    def _now(self) -> datetime:
        return self._clock.now().astimezone(self._timezone)

    @staticmethod
    def _day(key: str) -> str:
        return translate(f"weekday.{key}")

    def _row(self, row: HoursRow) -> dict[str, object]:
        days = self._day(row.first)
        if row.last != row.first:
            days = translate("weekday.range", days, self._day(row.last))
        if row.ranges:
            hours = translate("hours.separator").join(
                translate("hours.range", clock_text(start), clock_text(end))
                for start, end in row.ranges
            )
        else:
            hours = translate("hours.closed")
        return {"days": days, "hours": hours, "today": row.today}

    def rows(self) -> list[dict[str, object]]:
        """The week's rows: ``{"days", "hours", "today"}`` (empty without hours)."""
        if not self.hours.configured:
            return []
        return [self._row(row) for row in self.hours.rows(self._now().weekday())]

    def now_text(self) -> str:
        """ "Open today until 17:15", "opens tomorrow at 8:30"…; empty without hours."""
        if not self.hours.configured:
            return ""
        now = self._now()
        until = self.hours.open_until(now)
        if until is not None:
            return translate("oos.hours.open_until", clock_text(until))
        opens = self.hours.next_opening(now)
        if opens is None:
            return ""
        at = clock_text(opens.time())
        days = (opens.date() - now.date()).days
        if days == 0:
            return translate("oos.hours.opens_today", at)
        if days == 1:
            return translate("oos.hours.opens_tomorrow", at)
        return translate("oos.hours.opens_on", self._day(WEEKDAYS[opens.weekday()]), at)

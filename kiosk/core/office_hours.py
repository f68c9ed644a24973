"""The office's opening hours (``[kiosk.opening_hours]``): when the counter is open.

The out-of-service screen sends people to the counter; these hours tell them when it is open
(now, until when, or when it opens next). In the file, one key per weekday::

    [kiosk.opening_hours]
    mon = "08:30-17:15"
    wed = "08:30-12:00, 13:00-19:00"   # several ranges: a break, a late evening
    sat = "closed"                      # a day left out is closed too

Times are local (``[kiosk] timezone``), ``H:MM`` or ``HH:MM``; ranges of a day may not overlap.
No table means no hours are shown. Public holidays are not known here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys, Monday first (``datetime.weekday()`` order)."""

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class OpeningHoursError(ValueError):
    """Raised when a weekday's hours cannot be read; the message says what is wrong."""


def parse_day(text: str) -> tuple[tuple[time, time], ...]:
    """``"08:30-12:00, 13:00-17:15"`` -> its ranges, in order; ``closed`` or empty -> none.

    Raises:
        OpeningHoursError: a range is not ``H:MM-H:MM``, ends before it starts, or overlaps
            another.
    """
    text = text.strip()
    if text.lower() in ("", "closed"):
        return ()
    ranges: list[tuple[time, time]] = []
    for part in text.split(","):
        start_text, dash, end_text = part.strip().partition("-")
        start, end = _time(start_text), _time(end_text)
        if not dash or start is None or end is None:
            raise OpeningHoursError(f'{part.strip()!r} is not a range like "08:30-17:15"')
        if end <= start:
            raise OpeningHoursError(f"{part.strip()!r} ends before it starts")
        ranges.append((start, end))
    ranges.sort()
    for (_, first_end), (second_start, _) in itertools.pairwise(ranges):
        if second_start < first_end:
            raise OpeningHoursError(f"{text!r}: ranges overlap")
    return tuple(ranges)


def _time(text: str) -> time | None:
    found = _TIME_RE.match(text.strip())
    if found is None:
        return None
    return time(int(found.group(1)), int(found.group(2)))


def clock_text(moment: time) -> str:
    """``8:30``, ``17:15``: a time as people read it on a sign (no leading zero)."""
    return f"{moment.hour}:{moment.minute:02d}"


@dataclass(frozen=True)
class HoursRow:
    """One line of the hours table: consecutive weekdays with the same hours.

    Attributes:
        first: the first weekday (``mon``…).
        last: the last weekday (same as ``first`` for one day).
        ranges: the hours of those days; empty: closed.
        today: the row holds today.
    """

    first: str
    last: str
    ranges: tuple[tuple[time, time], ...]
    today: bool = False


@dataclass(frozen=True)
class OpeningHours:
    """The weekly opening hours (see the module docstring).

    Attributes:
        days: weekday index (0 = Monday) -> its ranges; a day not listed is closed. Empty:
            no hours configured (nothing is shown).
    """

    days: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: Mapping[str, str]) -> OpeningHours:
        """From ``{weekday key: text}``.

        Raises:
            OpeningHoursError: an unknown weekday key or a text ``parse_day`` refuses.
        """
        days: dict[int, tuple[tuple[time, time], ...]] = {}
        for key, text in table.items():
            if key not in WEEKDAYS:
                raise OpeningHoursError(f"{key!r} is not a weekday ({', '.join(WEEKDAYS)})")
            days[WEEKDAYS.index(key)] = parse_day(text)
        if table:
            for index in range(7):
                days.setdefault(index, ())
        return cls(days)

    @property
    def configured(self) -> bool:
        """True when the office's hours are known."""
        return bool(self.days)

    def rows(self, today: int | None = None) -> list[HoursRow]:
        """The week, Monday first, with consecutive days of the same hours on one row."""
        rows: list[HoursRow] = []
        for index in range(7):
            ranges = self.days.get(index, ())
            if rows and rows[-1].ranges == ranges:
                last = rows[-1]
                rows[-1] = HoursRow(last.first, WEEKDAYS[index], ranges, last.today)
            else:
                rows.append(HoursRow(WEEKDAYS[index], WEEKDAYS[index], ranges))
            if index == today:
                row = rows[-1]
                rows[-1] = HoursRow(row.first, row.last, row.ranges, True)
        return rows

    def open_until(self, local: datetime) -> time | None:
        """The end of the range ``local`` falls in; None while the office is closed."""
        now = local.time()
        for start, end in self.days.get(local.weekday(), ()):
            if start <= now < end:
                return end
        return None

    def next_opening(self, local: datetime) -> datetime | None:
        """When the office opens next after ``local`` (within a week); None if never."""
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for start, _ in self.days.get(day.weekday(), ()):
                moment = datetime.combine(day, start, tzinfo=local.tzinfo)
                if moment > local:
                    return moment
        return None

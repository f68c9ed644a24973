"""Business days and ticket number formatting."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def business_day(moment: datetime, tz: ZoneInfo, reset_time: time) -> date:
    """The local business day a moment belongs to.

    Counters reset at ``reset_time`` local time: with a reset at 03:00 a ticket at 01:30
    still belongs to the previous day's numbering.
    """
    local = moment.astimezone(tz)
    if local.time() < reset_time:
        return local.date() - timedelta(days=1)
    return local.date()


def format_number(number_format: str, prefix: str, number: int) -> str:
    """The number as printed, e.g. ``{prefix}-{number:03d}`` gives ``A-042``."""
    return number_format.format(prefix=prefix, number=number)

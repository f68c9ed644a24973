"""Business days and number formats."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.numbering import business_day, format_number

TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_ticket_before_the_reset_time_belongs_to_the_previous_business_day() -> None:
    # 01:30 in Tokyo on 28 Nov is 16:30 UTC on 27 Nov.
    moment = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert business_day(moment, TOKYO, time(3, 0)).isoformat() == "2026-11-27"
    assert business_day(moment, TOKYO, time(0, 0)).isoformat() == "2026-11-28"


def test_the_business_day_follows_local_midnight_not_utc() -> None:
    # 23:59 UTC on 27 Nov is 08:59 on 28 Nov in Tokyo.
    moment = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
    assert business_day(moment, TOKYO, time(0, 0)).isoformat() == "2026-11-28"


def test_number_format_pads_the_number() -> None:
    assert format_number("{prefix}-{number:03d}", "A", 42) == "A-042"
    assert format_number("{prefix}{number}", "BC", 7) == "BC7"


@given(st.datetimes(timezones=st.just(UTC)), st.times())
def test_the_business_day_is_the_local_date_or_the_day_before(
    moment: datetime, reset: time
) -> None:
    local = moment.astimezone(TOKYO).date()
    day = business_day(moment, TOKYO, reset)
    assert (local - day).days in (0, 1)

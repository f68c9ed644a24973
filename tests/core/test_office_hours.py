"""The office's opening hours: read from [kiosk.opening_hours], shown when out of service."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import load_config
from kiosk.core.office_hours import (
    HoursRow,
    OpeningHours,
    OpeningHoursError,
    clock_text,
    parse_day,
)
from kiosk.errors import ConfigError
from tests.kiosk_config import make_config

TOKYO = ZoneInfo("Asia/Tokyo")
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"
WEEK = OpeningHours.from_table(
    {
        "mon": "08:30-17:15",
        "tue": "08:30-17:15",
        "wed": "8:30-12:00, 13:00-19:00",
        "thu": "08:30-17:15",
        "fri": "08:30-17:15",
        "sat": "closed",
    }
)


def tokyo(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-11-23, Tokyo time (day 23 = Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


def test_a_day_is_read_as_ordered_ranges_or_closed() -> None:
    assert parse_day("13:00-19:00, 8:30-12:00") == (
        (time(8, 30), time(12, 0)),
        (time(13, 0), time(19, 0)),
    )
    assert parse_day("closed") == ()
    assert parse_day("") == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8-17", "is not a range"),
        ("08:30", "is not a range"),
        ("17:15-08:30", "ends before it starts"),
        ("08:00-12:00, 11:00-13:00", "ranges overlap"),
        ("24:00-25:00", "is not a range"),
    ],
)
def test_a_day_that_cannot_be_read_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(OpeningHoursError, match=problem):
        parse_day(text)


def test_the_week_groups_days_with_the_same_hours_and_marks_today() -> None:
    office = (time(8, 30), time(17, 15))
    assert WEEK.rows(today=2) == [
        HoursRow("mon", "tue", (office,)),
        HoursRow("wed", "wed", ((time(8, 30), time(12, 0)), (time(13, 0), time(19, 0))), True),
        HoursRow("thu", "fri", (office,)),
        HoursRow("sat", "sun", ()),  # sunday left out: closed
    ]


def test_open_until_and_the_next_opening_follow_the_ranges_and_the_week() -> None:
    assert WEEK.open_until(tokyo(25, 10)) == time(12, 0)  # Wednesday morning
    assert WEEK.open_until(tokyo(25, 12, 30)) is None  # Wednesday's lunch break
    assert WEEK.next_opening(tokyo(25, 12, 30)) == tokyo(25, 13)
    assert WEEK.next_opening(tokyo(23, 7)) == tokyo(23, 8, 30)  # Monday early
    assert WEEK.next_opening(tokyo(27, 18)) == tokyo(30, 8, 30)  # Friday evening: Monday
    assert OpeningHours().next_opening(tokyo(27, 18)) is None
    assert OpeningHours.from_table({"sun": "closed"}).next_opening(tokyo(27, 18)) is None
    assert clock_text(time(8, 5)) == "8:05"


def test_the_hours_come_from_the_kiosk_table_of_the_config(tmp_path: Path) -> None:
    config = make_config(
        tmp_path / "state", kiosk={"opening_hours": {"mon": "09:00-16:00", "sun": "closed"}}
    )
    assert config.opening_hours.days[0] == ((time(9, 0), time(16, 0)),)
    assert config.opening_hours.days[3] == ()
    assert make_config(tmp_path / "other").opening_hours.configured is False
    example = load_config(EXAMPLE).opening_hours
    assert [(row.first, row.last) for row in example.rows()] == [
        ("mon", "wed"),
        ("thu", "thu"),
        ("fri", "fri"),
        ("sat", "sun"),
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"monday": "09:00-16:00"},
            r"opening_hours\.monday = .*is not a weekday \(mon, tue",
        ),
        ({"mon": "9-16"}, r"kiosk\.opening_hours\.mon = '9-16'.*is not a range"),
        ({"tue": 9}, r"kiosk\.opening_hours\.tue = 9.*must be a text"),
    ],
)
def test_a_wrong_opening_hours_entry_names_its_key(
    tmp_path: Path, table: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_config(tmp_path / "state", kiosk={"opening_hours": table})

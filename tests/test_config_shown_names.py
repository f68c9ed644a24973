"""Names the config puts on screens and tickets (services, offices) are one plain line.

The services and the other offices' names also come from the server's signed desired config
(``kiosk.core.desired_config``: the same ``parse_config``). A signature proves who wrote a
name, not that it can be shown: a bidi override reorders the sentence it sits in, a line
break reads as a second message, and the printer refuses control characters (every ticket of
that service would come out as "not printed").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import parse_config
from kiosk.errors import ConfigError
from tests.kiosk_config import config_data

HIDDEN = "holds U+{}, which is not shown as text (one plain line only)"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("\u202e書明証・票民住", HIDDEN.format("202E")),
        ("住民票\n本日は窓口 9 へ", HIDDEN.format("000A")),
        ("住民票\u200b証明書", HIDDEN.format("200B")),
        ("住" * 81, "is longer than 80 characters"),
    ],
)
def test_a_service_name_that_is_not_one_plain_line_is_refused_naming_the_language(
    tmp_path: Path, name: str, problem: str
) -> None:
    data = config_data(tmp_path)
    data["services"][1]["name"] = {"ja": name, "en": "Insurance and pension"}

    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")

    assert (info.value.key, info.value.value, info.value.problem) == (
        "services[1].name.ja",
        name,
        problem,
    )


def test_an_other_offices_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    data = config_data(tmp_path)
    data["checkin"] = {"office_names": {"shisui": "四街道支所\r\nこの予約は取り消されました"}}

    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")

    assert info.value.key == "checkin.office_names.shisui"
    assert info.value.problem == "holds U+000D, which is not shown as text (one plain line only)"


def test_names_of_80_characters_and_nepali_with_its_joiners_are_kept(tmp_path: Path) -> None:
    nepali = "बसोबास प्रमाणपत्र क्\u200dष"  # ZWJ: a half form of क
    data = config_data(tmp_path)
    data["services"][0]["name"] = {"ja": "住" * 80, "en": "Residence certificates"}
    data["checkin"] = {"office_names": {"shisui": {"ja": "四街道支所", "ne": nepali}}}

    config = parse_config(data, source="kiosk.toml")

    assert config.service("certificates").name.get("ja") == "住" * 80
    assert config.checkin.office_names["shisui"].get("ne") == nepali

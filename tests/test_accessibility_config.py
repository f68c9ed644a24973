"""``[accessibility]``: the voice engine and the physical buttons' pins, checked like every key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.config import AccessibilityConfig
from kiosk.errors import ConfigError
from tests.kiosk_config import make_config


def test_without_the_table_there_is_no_voice_and_no_button(tmp_path: Path) -> None:
    assert make_config(tmp_path).accessibility == AccessibilityConfig(
        voice="none", voice_rate_wpm=140, call_staff_pin=None, call_staff_lamp_pin=None
    )


def test_the_voice_and_every_button_are_read(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        accessibility={
            "voice": "espeak-ng",
            "voice_rate_wpm": 150,
            "buttons": {
                "call_staff": 17,
                "call_staff_lamp": 27,
                "services": {"5": "certificates", "6": "childcare"},
            },
        },
    )

    assert config.accessibility == AccessibilityConfig(
        "espeak-ng", 150, 17, 27, {5: "certificates", 6: "childcare"}
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"voice": "festival"}, "accessibility.voice = 'festival': must be one of"),
        ({"voice_rate_wpm": 20}, "accessibility.voice_rate_wpm = 20: must be between 80 and 450"),
        ({"buttons": {"call_staff": 40}}, "call_staff = 40: must be a GPIO (BCM) pin number"),
        (
            {"buttons": {"call_staff_lamp": 27}},
            "call_staff_lamp = 27: needs accessibility.buttons.call_staff",
        ),
        (
            {"buttons": {"call_staff": 5, "services": {"5": "childcare"}}},
            "services.5 = 5: pin 5 is already used by accessibility.buttons.call_staff",
        ),
        (
            {"buttons": {"services": {"6": "passports"}}},
            "services.6 = 'passports': no service with this id",
        ),
        ({"buttons": {"services": {"six": "childcare"}}}, "the key must be a GPIO (BCM) pin"),
        ({"buttons": {"lamp": 4}}, "accessibility.buttons.lamp = 4: unknown key"),
    ],
)
def test_a_bad_value_names_its_key_and_the_problem(
    tmp_path: Path, table: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        make_config(tmp_path, accessibility=table)

    assert message in str(raised.value)

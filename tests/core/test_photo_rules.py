"""Photo rule sets are data with sources, and the loader refuses sets that cannot add up."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.photo.rules import available_rule_sets, load_rule_set, parse_rule_set
from kiosk.errors import ConfigError


def jp_data() -> dict[str, Any]:
    folder = Path(__file__).parents[2] / "kiosk" / "core" / "photo" / "rulesets"
    data: dict[str, Any] = json.loads((folder / "jp-passport.json").read_text("utf-8"))
    return data


def test_the_kiosk_ships_the_japanese_passport_and_icao_rule_sets() -> None:
    assert available_rule_sets() == ["icao", "jp-passport"]


def test_the_japanese_passport_rules_hold_the_ministry_numbers() -> None:
    rules = load_rule_set("jp-passport")
    assert (rules.print_size.width_mm, rules.print_size.height_mm) == (35.0, 45.0)
    assert (rules.print_size.width_px, rules.print_size.height_px) == (827, 1063)
    got = {
        name: (rules.rules[name].low, rules.rules[name].high)
        for name in ("head_height_mm", "top_margin_mm", "bottom_margin_mm", "side_margin_mm")
    }
    assert got == {
        "head_height_mm": (32.0, 36.0),
        "top_margin_mm": (2.0, 6.0),
        "bottom_margin_mm": (5.0, 9.0),
        "side_margin_mm": (2.0, None),
    }
    assert rules.rules["head_covering"].review is True


def test_the_icao_rules_hold_head_ratio_roll_and_eye_distance() -> None:
    rules = load_rule_set("icao")
    assert (rules.rules["head_height_ratio"].low, rules.rules["head_height_ratio"].high) == (
        0.70,
        0.80,
    )
    assert (rules.rules["roll_deg"].low, rules.rules["roll_deg"].high) == (-5.0, 5.0)
    assert (rules.rules["eye_distance_px"].low, rules.rules["eye_distance_px"].high) == (90.0, None)


@pytest.mark.parametrize("rule_set", ["jp-passport", "icao"])
def test_every_rule_names_its_source(rule_set: str) -> None:
    rules = load_rule_set(rule_set)
    assert [name for name, rule in rules.rules.items() if not rule.source.strip()] == []


def test_margins_that_cannot_add_up_to_45_mm_are_refused() -> None:
    data = jp_data()
    data["rules"]["top_margin_mm"]["max"] = 3  # 3 + 36 + 9 = 48 still fits…
    data["rules"]["bottom_margin_mm"]["max"] = 5  # …3 + 36 + 5 = 44 < 45 does not
    with pytest.raises(ConfigError, match="can only be 39–44 mm"):
        parse_rule_set(data)


def test_an_unknown_rule_is_refused_by_name() -> None:
    data = copy.deepcopy(jp_data())
    data["rules"]["smile"] = {"max": 0, "unit": "", "source": "none"}
    with pytest.raises(ConfigError, match=r"rules\.smile"):
        parse_rule_set(data)


def test_a_rule_without_a_source_is_refused() -> None:
    data = jp_data()
    data["rules"]["roll_deg"]["source"] = ""
    with pytest.raises(ConfigError, match="every rule names its source"):
        parse_rule_set(data)


def test_an_unknown_rule_set_id_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: icao, jp-passport"):
        load_rule_set("us-passport")


def test_ranges_read_as_people_write_them() -> None:
    rules = load_rule_set("jp-passport")
    assert [
        rules.rules[n].describe_range()
        for n in ("head_height_mm", "side_margin_mm", "lighting_balance", "head_covering")
    ] == ["32–36 mm", "≥ 2 mm", "≤ 0.25 left/right difference ratio", "checked by a person"]

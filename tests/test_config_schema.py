"""The config's typed model (kiosk/config/schema.py): msgspec's refusals as our ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.config import parse_config
from kiosk.errors import ConfigError
from tests.kiosk_config import config_data


def refusal(tmp_path: Path, section: str, key: str, value: Any) -> ConfigError:
    data = config_data(tmp_path)
    data.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")
    return info.value


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("locker", "boards", 2.5), ("locker", "pulse_ms", 400.0), ("handover", "pin_budget", 9.9)],
)
def test_a_fraction_where_a_whole_number_goes_is_refused_not_rounded(
    tmp_path: Path, section: str, key: str, value: float
) -> None:
    # The hand-written reader took int() of any number: boards = 2.5 became 2 boards.
    error = refusal(tmp_path, section, key, value)
    assert error.key == f"{section}.{key}"
    assert error.value == value
    assert error.problem.startswith("must be a whole number between ")


def test_a_value_out_of_range_names_both_bounds(tmp_path: Path) -> None:
    error = refusal(tmp_path, "locker", "boards", 11)
    assert str(error) == "kiosk.toml: locker.boards = 11: must be between 1 and 10"


def test_true_where_a_number_goes_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, "scanner", "repeat_window_s", True)
    assert (error.key, error.value) == ("scanner.repeat_window_s", True)
    assert error.problem == "must be a number between 0 and 30"


def test_a_value_not_among_the_choices_lists_them(tmp_path: Path) -> None:
    error = refusal(tmp_path, "scanner", "suffix", "tab")
    assert str(error) == (
        "kiosk.toml: scanner.suffix = 'tab': must be one of 'cr', 'crlf', 'lf' or 'none'"
    )


def test_a_misspelt_key_in_a_nested_table_is_named_in_full(tmp_path: Path) -> None:
    data = config_data(tmp_path)
    data["photo"] = {"mount": {"step_pin": 20, "stepp_pin": 21}}
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")
    assert str(info.value) == "kiosk.toml: photo.mount.stepp_pin = 21: unknown key (misspelt?)"


def test_a_wrong_value_in_the_second_service_is_named_by_its_index(tmp_path: Path) -> None:
    data = config_data(tmp_path)
    data["services"][1]["average_service_min"] = "ten"
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")
    assert info.value.key == "services[1].average_service_min"
    assert info.value.problem == "must be a number between 0.5 and 240"


def test_a_missing_required_key_is_named(tmp_path: Path) -> None:
    data = config_data(tmp_path)
    del data["services"][0]["prefix"]
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="kiosk.toml")
    assert str(info.value) == "kiosk.toml: services[0].prefix = None: is missing"


def test_a_whole_number_of_more_than_64_bits_is_refused_without_a_traceback(
    tmp_path: Path,
) -> None:
    error = refusal(tmp_path, "locker", "pulse_ms", 2**70)
    assert error.key == "locker.pulse_ms"
    assert error.problem == "is far out of range (more than 64 bits)"

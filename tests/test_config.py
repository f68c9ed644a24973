"""The config file: the example is valid; a bad file names the key, the value and the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.devices.printer.protocol import TextMode
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "kiosk.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def example_with(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    return write(tmp_path, text.replace(old, new, 1))


def test_the_documented_example_config_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert config.kiosk_id == "chuo-lobby-1"
    assert [s.prefix for s in config.services] == ["A", "B", "C"]
    assert config.services[0].name.get("ja") == "住民票・証明書"
    assert config.printer.text_mode is TextMode.KANJI
    assert config.ui.languages == ("ja", "en")
    assert config.tickets.reset_time.hour == 3


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ('id = "chuo-lobby-1"', 'id = "chuo/lobby#1"', "kiosk.id", "a-z, 0-9"),
        ('timezone = "Asia/Tokyo"', 'timezone = "Mars/Olympus"', "kiosk.timezone", "time zone"),
        ('prefix = "B"', 'prefix = "A"', "services[1].prefix", "used by another service"),
        ('text_mode = "kanji"', 'text_mode = "gb18030"', "printer.text_mode", "'kanji' or"),
        (
            'url = "serial:///dev/kiosk-printer?baudrate=38400"',
            'url = "lpt1"',
            "printer.url",
            "not a device URL",
        ),
        ("inactivity_s = 30", 'inactivity_s = "thirty"', "ui.inactivity_s", "must be a number"),
        ('\nreturn_mode = "hold"', '\nreturn_mode = "punch"', "handover.slot", "needs the slot"),
        ('L = "41-46"', 'L = "41-47"', "handover.return_doors", "cannot also hold cases"),
        ("inactivity_s = 30", "inactivity_s = 1", "ui.inactivity_s", "between 5 and 600"),
        ('reset_time = "03:00"', 'reset_time = "3 am"', "tickets.reset_time", "HH:MM"),
        ("keepalive_s = 30", "keepalive_s = 30\nkeepalive = 10", "mqtt.keepalive", "unknown key"),
        ("dir_pin = 21", "dir_pin = 20", "photo.mount.dir_pin", "GPIO20 is already"),
        ("default_mm = 250", "default_mm = 395", "photo.mount.default_mm", "between"),
        ("px_per_mm = 1.4", "px_per_mm = 0", "photo.mount.px_per_mm", "between"),
        (
            'broker = "mqtts://mqtt.example.jp:8883"',
            'broker = "http://x"',
            "mqtt.broker",
            "mqtt://host",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_key_value_and_problem(
    tmp_path: Path, old: str, new: str, key: str, fragment: str
) -> None:
    path = example_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_a_file_that_is_not_toml_is_reported_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[kiosk\nid = ")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "config", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "is not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_accepts_the_example(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "config", "check", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "chuo-lobby-1" in result.stdout


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_the_camera_mount_section_gives_the_drivers_own_settings(tmp_path: Path) -> None:
    path = example_with(tmp_path, "stall_pin = 19", 'stall_pin = "none"')
    mount = load_config(path).photo.mount
    assert mount.enabled is False
    assert (mount.settings.step_pin, mount.settings.stall_pin) == (20, None)
    assert (mount.settings.steps_per_mm, mount.settings.default_mm) == (25, 250)
    assert mount.px_per_mm == 1.4

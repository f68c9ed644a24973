"""systemd/: the kiosk's unit passes ``systemd-analyze verify`` and says what the Pi needs.

``systemd-analyze`` (Debian package ``systemd``) and ``cage`` (the compositor ExecStart
names; verify refuses an ExecStart binary that is not there) are installed by
scripts/bootstrap.sh: a missing one FAILS the verify test, like a missing mosquitto. The
static checks below run everywhere and read the keys a typo or a wrong target would break.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from kiosk.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "systemd" / "kiosk.service"
WATCHDOG_CONF = ROOT / "systemd" / "hardware-watchdog.conf"
RULES = ROOT / "systemd" / "99-kiosk-devices.rules"
EXAMPLE = ROOT / "config" / "kiosk.example.toml"

# Keys systemd 252 (Debian 12, Raspberry Pi OS bookworm) accepts, of those a kiosk unit uses.
KNOWN_KEYS = {
    "Unit": {
        "Description",
        "Documentation",
        "After",
        "Before",
        "Wants",
        "Requires",
        "Conflicts",
        "StartLimitIntervalSec",
        "StartLimitBurst",
        "StartLimitAction",
    },
    "Service": {
        "Type",
        "NotifyAccess",
        "User",
        "Group",
        "SupplementaryGroups",
        "PAMName",
        "TTYPath",
        "Environment",
        "RuntimeDirectory",
        "RuntimeDirectoryMode",
        "StateDirectory",
        "StateDirectoryMode",
        "UMask",
        "ConfigurationDirectory",
        "ExecStart",
        "WatchdogSec",
        "Restart",
        "RestartSec",
        "TimeoutStopSec",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "ReadWritePaths",
        "PrivateTmp",
    },
    "Install": {"WantedBy"},
}


def read_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file, each a list of (key, value) in order (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path}:{number}: a key before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path}:{number}: not KEY=VALUE: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    """Every value of ``key``, space-separated lists split."""
    return [word for k, v in section if k == key for word in v.split()]


def single(section: list[tuple[str, str]], key: str) -> str:
    found = [v for k, v in section if k == key]
    assert len(found) == 1, f"{key}: {found}"
    return found[0]


def test_systemd_analyze_verify_accepts_the_kiosk_unit_without_a_warning() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None or shutil.which("cage") is None:
        pytest.fail(
            "systemd-analyze and cage are needed (Debian packages 'systemd' and 'cage'; "
            "scripts/bootstrap.sh installs them); this test is never skipped",
            pytrace=False,
        )
    result = subprocess.run(
        [analyze, "verify", str(UNIT)], capture_output=True, text=True, timeout=60, check=False
    )
    # NOTE: verify exits 0 on an unknown key or a bad value ("…, ignoring."): a warning is a
    # failure here.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_every_key_of_the_unit_is_one_systemd_knows_in_its_section() -> None:
    unit = read_unit(UNIT)
    assert sorted(unit) == ["Install", "Service", "Unit"]
    for name, section in unit.items():
        unknown = sorted({key for key, _ in section} - KNOWN_KEYS[name])
        assert unknown == [], f"[{name}]"


def test_the_kiosk_tells_systemd_it_is_ready_and_alive_from_under_cage() -> None:
    service = read_unit(UNIT)["Service"]
    assert single(service, "Type") == "notify"
    # cage is the main process; READY=1 and WATCHDOG=1 come from the kiosk, its child.
    assert single(service, "NotifyAccess") == "all"
    assert single(service, "WatchdogSec") == "30"
    assert single(service, "Restart") == "always"
    unit = read_unit(UNIT)["Unit"]
    assert single(unit, "StartLimitAction") == "reboot"


def test_execstart_is_cage_running_kiosk_run_with_the_installed_config() -> None:
    argv = shlex.split(single(read_unit(UNIT)["Service"], "ExecStart"))
    assert argv[:3] == ["/usr/bin/cage", "-d", "--"]
    assert argv[3] == "/opt/kiosk/.venv/bin/kiosk"
    args = _parser().parse_args(argv[4:])
    assert (args.command, str(args.config), args.windowed) == (
        "run",
        "/etc/kiosk/kiosk.toml",
        False,
    )


def test_the_unit_starts_at_boot_on_raspberry_pi_os_lite_and_owns_tty1() -> None:
    unit = read_unit(UNIT)
    # Pi OS Lite boots into multi-user.target; graphical.target is never reached there.
    assert values(unit["Install"], "WantedBy") == ["multi-user.target"]
    tty = single(unit["Service"], "TTYPath")
    assert tty == "/dev/tty1"
    assert values(unit["Unit"], "Conflicts") == ["getty@tty1.service"]
    after = values(unit["Unit"], "After")
    assert "getty@tty1.service" in after
    assert "systemd-user-sessions.service" in after
    assert "systemd-udev-settle.service" not in after  # deprecated; drivers re-open devices


def test_the_state_folder_is_the_only_writable_place_and_matches_the_example_config() -> None:
    service = read_unit(UNIT)["Service"]
    state_dir = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["kiosk"]["state_dir"]
    assert state_dir == "/var/lib/" + single(service, "StateDirectory")
    assert single(service, "StateDirectoryMode") == "0700"
    assert single(service, "UMask") == "0077"
    assert single(service, "ProtectSystem") == "strict"
    assert values(service, "ReadWritePaths") == [state_dir]
    assert single(service, "User") == "kiosk"
    groups = values(service, "SupplementaryGroups")
    assert {"dialout", "video", "input", "render"} <= set(groups)


def test_the_hardware_watchdog_drop_in_sets_the_manager_keys() -> None:
    manager = read_unit(WATCHDOG_CONF)["Manager"]
    assert dict(manager) == {
        "RuntimeWatchdogSec": "15",
        "RebootWatchdogSec": "2min",
        "CtrlAltDelBurstAction": "none",
    }


def test_every_device_path_in_the_example_config_has_a_udev_rule_naming_it() -> None:
    rules = [
        line
        for line in RULES.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    names = []
    for rule in rules:
        assert 'SUBSYSTEM=="tty"' in rule, rule
        assert re.search(r'ATTRS\{idVendor\}=="[0-9a-f]{4}"', rule), rule
        assert re.search(r'ATTRS\{idProduct\}=="[0-9a-f]{4}"', rule), rule
        assert 'GROUP="dialout"' in rule, rule
        names += re.findall(r'SYMLINK\+="([a-z-]+)"', rule)
    assert names == ["kiosk-printer", "kiosk-locker", "kiosk-scanner"]
    used = re.findall(r"/dev/(kiosk-[a-z]+)", EXAMPLE.read_text(encoding="utf-8"))
    assert sorted(set(used)) == ["kiosk-locker", "kiosk-printer", "kiosk-scanner"]

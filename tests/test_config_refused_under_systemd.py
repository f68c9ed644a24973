"""A refused configuration must not reboot a Raspberry Pi in a loop.

Under systemd (``Restart=always``, ``StartLimitAction=reboot``) a ``kiosk run`` that exits on
a config it refuses — one left from before an upgrade, a public demo key — is restarted and,
after five failed starts, reboots the machine, again and again. Under systemd the kiosk shows
the out-of-service screen with the reason instead and keeps the watchdog fed; from a shell it
still says what is wrong and exits 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from kiosk.core.trust import KeyPurpose
from simulators.demo_keys import demo_public_keys
from simulators.rig import ROOT
from tests.test_systemd_notify import START_TIMEOUT_S, NotifySocket

EXAMPLE = ROOT / "config" / "kiosk.example.toml"


def refused_config(folder: Path) -> Path:
    """The example config with a public DEMO staff key in it: refused outside `kiosk demo`."""
    demo_staff = next(iter(demo_public_keys(KeyPurpose.STAFF).values()))
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "[trust.staff]     # staff cards", f'[trust.staff]\n"s-1" = "{demo_staff}"'
    )
    assert demo_staff in text
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def kiosk_run(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(config), "run"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_under_systemd_a_refused_config_shows_out_of_service_and_feeds_the_watchdog(
    tmp_path: Path,
) -> None:
    # NOTE: AF_UNIX paths are short; the pytest tmp path may be too long for one.
    with tempfile.TemporaryDirectory(prefix="kn") as short:
        notify = NotifySocket(Path(short) / "notify")
        process = kiosk_run(
            refused_config(tmp_path),
            {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "400000"},
        )
        try:
            notify.wait_for("READY=1", START_TIMEOUT_S)
            notify.wait_for("WATCHDOG=1", 10)
            notify.wait_for("WATCHDOG=1", 10)
            assert process.poll() is None  # running, not restarting
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=30)
            notify.wait_for("STOPPING=1", 5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            notify.close()
    assert process.returncode == 0
    assert "public DEMO key" in err  # the reason, in the journal


def test_from_a_shell_a_refused_config_is_a_message_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    process = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(refused_config(tmp_path)), "run"],
        cwd=ROOT,
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert "trust.staff.s-1" in process.stderr and "public DEMO key" in process.stderr

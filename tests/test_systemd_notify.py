"""The kiosk under the sd_notify protocol, as systemd runs it (``Type=notify``, a watchdog).

A real ``kiosk --config FILE run`` process on the example config pointed at simulated devices
talks to a real AF_UNIX datagram socket named by ``NOTIFY_SOCKET``, with ``WATCHDOG_USEC``
set, as systemd would. The test freezes the kiosk's Qt main loop with the test-only hook of
:mod:`kiosk.systemd_notify` (a signal whose handler sleeps on the GUI thread; the other
threads go on) and sees the pings stop while the process lives, then come back.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.systemd_notify import (
    FREEZE_SECONDS_ENV,
    FREEZE_SIGNAL_ENV,
    SystemdNotifier,
    install_test_freeze_hook,
)
from simulators.rig import ROOT, SimulatorRig

WATCHDOG_USEC = 400_000  # systemd's WatchdogSec=0.4 s: a ping every 0.2 s
PING_S = WATCHDOG_USEC / 2_000_000
FREEZE_S = 3.0
START_TIMEOUT_S = 90.0  # a cold start of Qt on a loaded 2-core machine


@dataclass(frozen=True)
class Message:
    """One datagram the kiosk sent: its text and when it arrived (monotonic)."""

    text: str
    at: float


class NotifySocket:
    """The systemd side: a bound AF_UNIX datagram socket and what arrived on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[Message] = []

    def receive(self, timeout: float) -> Message | None:
        """The next datagram within ``timeout`` seconds, or None."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        message = Message(data.decode(), time.monotonic())
        self.messages.append(message)
        return message

    def wait_for(self, text: str, timeout: float) -> Message:
        """Read datagrams until one is ``text``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.receive(remaining)
            if message is not None and message.text == text:
                return message
        raise AssertionError(f"no {text!r} within {timeout:g} s; got {self.texts()}")

    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # NOTE: an AF_UNIX path holds at most 107 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="sdn-", dir="/tmp") as tmp:
        yield Path(tmp)


def process_state(pid: int) -> str:
    """The kernel's one-letter state of ``pid`` (R, S, D; T when stopped; Z when dead)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_the_kiosk_says_ready_pings_the_watchdog_and_the_pings_stop_while_its_main_loop_is_frozen(
    tmp_path: Path, short_dir: Path
) -> None:
    notify = NotifySocket(short_dir / "notify")
    with SimulatorRig(tmp_path) as rig:
        config = rig.write_config(tmp_path / "kiosk.toml")
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "NOTIFY_SOCKET": str(notify.path),
            "WATCHDOG_USEC": str(WATCHDOG_USEC),
            FREEZE_SIGNAL_ENV: "SIGUSR1",
            FREEZE_SECONDS_ENV: str(FREEZE_S),
        }
        # As the unit's ExecStart runs it (under cage there): kiosk --config FILE run.
        cmd = [sys.executable, "-m", "kiosk", "--config", str(config), "run"]
        log_path = tmp_path / "kiosk.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            notify.wait_for("READY=1", START_TIMEOUT_S)
            pings = [notify.wait_for("WATCHDOG=1", 10 * PING_S) for _ in range(3)]
            assert pings[-1].at - pings[0].at < 10 * PING_S

            proc.send_signal(signal.SIGUSR1)
            # The handler runs at the main loop's next turn (a 500 ms tick at most); pings
            # already due may still come. Then: silence, for much longer than a ping period.
            last_before = notify.messages[-1]
            while (message := notify.receive(5 * PING_S)) is not None:
                assert message.text == "WATCHDOG=1"
                last_before = message
            silent_since = time.monotonic()
            assert proc.poll() is None  # alive, not stopped: only the GUI thread sleeps
            assert process_state(proc.pid) in {"R", "S", "D"}
            assert len(os.listdir(f"/proc/{proc.pid}/task")) > 1
            assert silent_since - last_before.at >= 5 * PING_S

            first_after = notify.wait_for("WATCHDOG=1", FREEZE_S + 10.0)
            assert proc.poll() is None
            assert first_after.at - last_before.at >= FREEZE_S
            notify.wait_for("WATCHDOG=1", 10 * PING_S)  # the timer runs again

            proc.send_signal(signal.SIGTERM)
            notify.wait_for("STOPPING=1", 30.0)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            notify.close()
    log_text = log_path.read_text()
    assert f"test hook: SIGUSR1 freezes the GUI thread for {FREEZE_S:g} s" in log_text
    assert notify.texts().count("READY=1") == 1
    assert notify.texts()[-1] == "STOPPING=1"


def test_the_notifier_reads_an_abstract_socket_and_half_the_watchdog_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", "@kiosk-test")
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    notifier = SystemdNotifier()
    assert (notifier.enabled, notifier.watchdog_interval_s) == (True, 15.0)


def test_without_systemd_the_notifier_is_off_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    notifier = SystemdNotifier()
    notifier.notify("READY=1")
    assert (notifier.enabled, notifier.watchdog_interval_s) == (False, 0.0)


def test_a_datagram_reaches_a_real_notify_socket(
    monkeypatch: pytest.MonkeyPatch, short_dir: Path
) -> None:
    notify = NotifySocket(short_dir / "notify")
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", str(notify.path))
        SystemdNotifier().notify("STATUS=idle")
        message = notify.receive(5.0)
        assert message is not None and message.text == "STATUS=idle"
    finally:
        notify.close()


def test_the_freeze_hook_is_off_unless_its_variable_names_a_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(FREEZE_SIGNAL_ENV, raising=False)
    assert install_test_freeze_hook() is None
    monkeypatch.setenv(FREEZE_SIGNAL_ENV, "SIGNOPE")
    with pytest.raises(ValueError, match="'SIGNOPE' is not a signal name"):
        install_test_freeze_hook()
    monkeypatch.setenv(FREEZE_SIGNAL_ENV, "SIGUSR2")
    monkeypatch.setenv(FREEZE_SECONDS_ENV, "0")
    with pytest.raises(ValueError, match="must be a positive number"):
        install_test_freeze_hook()

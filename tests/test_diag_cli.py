"""``kiosk diag`` in a shell: status, self-tests and the bundle, on a bench and on a kiosk
(issue 11). Real simulators on TCP; the only fakes are ports that count who knocks."""

from __future__ import annotations

import json
import os
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import kiosk.diag_cli as diag_cli
from kiosk.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from kiosk.core.diagnostics.self_tests import PROMPT_CLOSE_DOOR, PROMPT_SCAN, Prompt
from kiosk.core.diagnostics.service import SNAPSHOT_NAME
from kiosk.devices.health import Health
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from simulators.scanner.server import ScannerSimulator

VERIFIER = "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


class CountingPort:
    """A TCP port that accepts, counts and closes every connection (a device nobody may open)."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def settled(self) -> int:
        """Every connection ever made: stop accepting, then count what waits in the backlog.

        NOTE: a client's connect() completes in the kernel before accept() runs, so a count
        taken from the accepting thread alone could miss a connection just made.
        """
        self._stop.set()
        self._thread.join(2)
        self._sock.setblocking(False)
        while True:
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, OSError):
                return self.accepted
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine without /etc/kiosk/kiosk.toml."""
    monkeypatch.setattr(diag_cli, "DEFAULT_CONFIG_PATH", tmp_path / "absent" / "kiosk.toml")


@pytest.fixture
def ports() -> Iterator[dict[str, CountingPort]]:
    opened = {name: CountingPort() for name in ("locker", "scanner", "broker")}
    yield opened
    for port in opened.values():
        port.close()


def kiosk_file(tmp_path: Path, ports: dict[str, CountingPort], *, extra: str = "") -> Path:
    """A kiosk's config: a locker, a scanner and a broker at ports that count connections."""
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
id = "test-kiosk-1"
office = "chuo"
office_name = {{ ja = "中央区役所", en = "Chuo City Office" }}
state_dir = "{tmp_path / "state"}"

[tickets]
reset_time = "03:00"
number_format = "{{prefix}}-{{number:03d}}"
status_url = "https://queue.example.jp/{{office}}/t/{{ticket_id}}"

[[services]]
id = "certificates"
prefix = "A"
name = {{ ja = "住民票・証明書", en = "Residence certificates" }}
average_service_min = 4

[printer]
url = "tcp://127.0.0.1:9"
status_timeout_s = 0.5

[scanner]
url = "socket://127.0.0.1:{ports["scanner"].port}"

[locker]
url = "socket://127.0.0.1:{ports["locker"].port}"
boards = 1

[mqtt]
broker = "mqtt://127.0.0.1:{ports["broker"].port}"
password = "hunter2-secret"

[handover]
compartments = {{ M = "1-14" }}
return_doors = [15, 16]
staff_pins = {{ "1001" = "{VERIFIER}" }}
{extra}""",
        encoding="utf-8",
    )
    return path


def nothing_opened(tmp_path: Path, ports: dict[str, CountingPort]) -> None:
    assert {name: port.settled() for name, port in ports.items()} == {
        "locker": 0,
        "scanner": 0,
        "broker": 0,
    }
    assert not (tmp_path / "state" / "kiosk.sqlite3").exists()


# ---- a bench: nothing but a device URL --------------------------------------------------------


@pytest.mark.usefixtures("bench")
def test_print_test_prints_on_a_bench_with_only_a_printer_url(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["diag", "print-test", "--printer", printer.url]) == EXIT_OK
    assert capsys.readouterr().out.splitlines() == [
        f"printer {printer.url}",
        "  health before: ok",
        "  test ticket printed (kanji mode)",
        "  health after:  ok",
    ]
    assert "テスト印刷" in printer.wait_for_tickets(1, timeout=5)[0].text


@pytest.mark.usefixtures("bench")
def test_status_on_a_bench_reports_only_the_device_named_as_json(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["diag", "status", "--json", "--printer", printer.url]) == EXIT_OK
    status = json.loads(capsys.readouterr().out)
    assert list(status["devices"]) == ["printer"]
    assert {k: status["devices"]["printer"][k] for k in ("state", "reason")} == {
        "state": "ok",
        "reason": "",
    }
    assert status["devices"]["printer"]["since"].endswith("Z")
    assert status["kiosk"] == "bench"
    assert [f["hex"] for f in status["frames"]["printer"][:2]] == ["10 04 01", "12"]


@pytest.mark.usefixtures("bench")
def test_status_exits_1_when_the_device_is_at_fault(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    printer.set_paper("out")
    assert run(["diag", "status", "--printer", printer.url]) == EXIT_FAILED
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[:3] == ["printer", "fault", "paper_out"]


@pytest.mark.usefixtures("bench")
def test_a_printer_self_test_passes_and_reports_the_paper_before_and_after(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["diag", "test", "printer", "--json", "--printer", printer.url]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert (result["device"], result["test"], result["passed"]) == ("printer", "print", True)
    assert result["measured"] == {
        "paper_before": "ok",
        "health_before": "ok",
        "printed": True,
        "paper_after": "ok",
        "health_after": "ok",
    }


@pytest.mark.usefixtures("bench")
def test_a_printer_self_test_fails_with_exit_1_when_the_paper_is_out(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    printer.set_paper("out")
    assert run(["diag", "test", "printer", "--printer", printer.url]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        out.splitlines()[0],
        "  the test ticket was not printed: paper_out",
    ]
    assert out.startswith("printer print: FAILED")
    assert printer.printed_count == 0


@pytest.mark.usefixtures("bench")
def test_a_scanner_echo_passes_when_the_code_shown_in_the_terminal_is_scanned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ScannerSimulator(port=0, suffix="cr") as scanner:
        shown = diag_cli._print_prompt

        def person(prompt: Prompt | None, **kw: bool) -> None:
            shown(prompt, **kw)
            if prompt is not None and prompt.kind == PROMPT_SCAN:
                # Once, at once: the port is open before the code is shown (the echo used to
                # lose a scan made while pyserial was still opening the port).
                assert scanner.wait_for_clients(1, timeout=5)
                scanner.scan(prompt.payload)

        monkeypatch.setattr(diag_cli, "_print_prompt", person)
        status = run(["diag", "test", "scanner", "--scanner", scanner.url])
    out = capsys.readouterr().out
    assert status == EXIT_OK
    assert "Scan this code with the scanner within 30 s:" in out
    payload = out.split("(its text: ", 1)[1].split(")", 1)[0]
    assert payload.startswith("KIOSK-ECHO-") and len(payload) == 19
    assert "scanner echo: PASSED" in out
    assert f"  payload: {payload}" in out


@pytest.mark.usefixtures("bench")
def test_a_scanner_echo_fails_when_another_code_is_scanned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ScannerSimulator(port=0, suffix="cr") as scanner:

        def person(prompt: Prompt | None, **_kw: bool) -> None:
            if prompt is not None:
                assert scanner.wait_for_clients(1, timeout=5)
                scanner.scan("SOMETHING-ELSE")

        monkeypatch.setattr(diag_cli, "_print_prompt", person)
        status = run(
            ["diag", "test", "scanner", "--json", "--timeout", "1", "--scanner", scanner.url]
        )
    result = json.loads(capsys.readouterr().out)
    assert status == EXIT_FAILED
    assert result["passed"] is False
    assert result["measured"]["other_codes"] == 1
    assert result["measured"]["other_samples"] == ["SOMETHING-ELSE"]
    assert result["detail"] == "the code shown was not read within 1 s (1 other codes were read)"


@pytest.mark.usefixtures("bench")
def test_the_echo_code_is_shown_only_after_the_scanner_reported_its_port_open(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    health_at_prompt: list[str] = []
    reported: list[str] = []
    open_scanner = diag_cli._scanner

    def spied_scanner(config: Any, url: str) -> Any:
        scanner = open_scanner(config, url)
        start = scanner.start

        def spied_start(on_code: Any, on_health: Any) -> None:
            def on_health_spied(name: str, health: Health) -> object:
                reported.append(health.state.value)
                return on_health(name, health)

            start(on_code, on_health_spied)

        scanner.start = spied_start
        return scanner

    with ScannerSimulator(port=0, suffix="cr") as scanner:

        def person(prompt: Prompt | None, **_kw: bool) -> None:
            if prompt is not None:
                health_at_prompt.extend(reported)
                # NOTE: the simulator sends only to connections its thread has accepted, which
                # can come just after the driver's connect() returned.
                assert scanner.wait_for_clients(1, timeout=5)
                scanner.scan(prompt.payload)

        monkeypatch.setattr(diag_cli, "_scanner", spied_scanner)
        monkeypatch.setattr(diag_cli, "_print_prompt", person)
        status = run(["diag", "test", "scanner", "--json", "--scanner", scanner.url])
    result = json.loads(capsys.readouterr().out)
    assert health_at_prompt == ["ok"]
    assert (status, result["passed"], result["measured"]["other_codes"]) == (EXIT_OK, True, 0)


def image(path: Path, frame: np.ndarray[Any, Any]) -> str:
    assert cv2.imwrite(str(path), frame)
    return f"file://{path}"


@pytest.mark.usefixtures("bench")
def test_a_camera_frame_test_passes_on_a_sharp_image_and_fails_on_a_blank_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(3)
    sharp = cv2.resize(
        rng.integers(40, 200, size=(96, 128), dtype=np.uint8),
        (1280, 960),
        interpolation=cv2.INTER_NEAREST,
    )
    url = image(tmp_path / "sharp.png", sharp)
    assert run(["diag", "test", "camera", "--json", "--camera", url]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["passed"] is True
    blank = image(tmp_path / "blank.png", np.full((960, 1280), 128, np.uint8))
    assert run(["diag", "test", "camera", "--json", "--camera", blank]) == EXIT_FAILED
    result = json.loads(capsys.readouterr().out)
    assert result["measured"]["focus_laplacian_var"] == 0.0
    assert result["measured"]["brightness_mean"] == 128.0


@pytest.mark.usefixtures("bench")
def test_a_door_test_unlocks_once_and_waits_for_the_door_to_open_and_close(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LockerSimulator(port=0, boards=1, auto_pull_s=0.05) as locker:

        def staff(prompt: Prompt | None, **_kw: bool) -> None:
            if prompt is not None and prompt.kind == PROMPT_CLOSE_DOOR:
                assert prompt.door == 7
                locker.push(7)

        monkeypatch.setattr(diag_cli, "_print_prompt", staff)
        status = run(
            [
                *("diag", "test", "locker", "--name", "door-7", "--json", "--timeout", "10"),
                "--locker",
                locker.url,
            ]
        )
        result = json.loads(capsys.readouterr().out)
        assert status == EXIT_OK, result
        assert locker.pulses(7) == 1
        assert locker.pulsed_doors() == [7]
    assert result["measured"]["door"] == 7
    assert result["measured"]["unlock"] == "ok"
    assert result["measured"]["opened_after_s"] is not None
    assert result["measured"]["closed_after_s"] is not None
    assert result["detail"] == "door 7 opened and closed again"


@pytest.mark.usefixtures("bench")
def test_a_door_that_does_not_open_fails_its_test_and_is_never_fired_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LockerSimulator(port=0, boards=1, auto_pull_s=0.05) as locker:
        locker.jam(3)
        monkeypatch.setattr(diag_cli, "_print_prompt", lambda _prompt, **_kw: None)
        status = run(
            [
                *("diag", "test", "locker", "--name", "door-3", "--json", "--timeout", "1"),
                "--locker",
                locker.url,
            ]
        )
        assert locker.pulses(3) == 1
    result = json.loads(capsys.readouterr().out)
    assert status == EXIT_FAILED
    assert result["measured"]["opened_after_s"] is None
    assert result["detail"].startswith("door 3 did not read open within 1 s of its unlock")


@pytest.mark.usefixtures("bench")
def test_an_unknown_device_or_test_is_a_usage_error_naming_what_there_is(
    printer: PrinterSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["diag", "test", "toaster"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "kiosk: no device 'toaster'; devices: printer, scanner, camera, locker, camera_mount\n"
    )
    assert run(["diag", "test", "printer", "--name", "feed", "--printer", printer.url]) == (
        EXIT_USAGE
    )
    assert capsys.readouterr().err == "kiosk: printer has no test 'feed'; its tests: print\n"
    assert run(["diag", "test", "scanner"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "kiosk: no scanner configured here: name one with --scanner URL\n"
    )


@pytest.mark.parametrize(
    "argv",
    [["diag", "status"], ["diag", "test", "printer"], ["diag", "bundle", "{out}"]],
    ids=" ".join,
)
def test_an_explicit_config_that_does_not_exist_is_still_an_error(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    line = [a.replace("{out}", str(tmp_path / "b.tar.gz")) for a in argv]
    assert run([*line, "--config", str(missing)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"kiosk: {missing}: file = '{missing}': does not exist\n"
    assert not (tmp_path / "b.tar.gz").exists()


# ---- a kiosk: a config file with more devices than the one tested -------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["diag", "print-test"],
        ["diag", "test", "printer"],
        ["diag", "status"],
    ],
    ids=" ".join,
)
def test_a_diag_command_opens_only_the_device_it_tests(
    argv: list[str],
    tmp_path: Path,
    printer: PrinterSimulator,
    ports: dict[str, CountingPort],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = kiosk_file(tmp_path, ports)
    assert run([*argv, "--config", str(config), "--printer", printer.url]) == EXIT_OK
    capsys.readouterr()
    assert printer.status_queries > 0
    nothing_opened(tmp_path, ports)


def test_status_reads_the_running_kiosks_file_instead_of_opening_its_devices(
    tmp_path: Path, ports: dict[str, CountingPort], capsys: pytest.CaptureFixture[str]
) -> None:
    config = kiosk_file(tmp_path, ports)
    snapshot = tmp_path / "state" / SNAPSHOT_NAME
    snapshot.parent.mkdir(parents=True)
    devices = {
        "printer": {"state": "fault", "reason": "paper_out", "since": "2026-12-01T07:00:00Z"}
    }
    snapshot.write_text(
        json.dumps(
            {
                "kiosk": "test-kiosk-1",
                "devices": devices,
                "pid": os.getpid(),
                "written_at": time.time(),
            }
        ),
        encoding="utf-8",
    )
    assert run(["diag", "status", "--json", "--config", str(config)]) == EXIT_FAILED
    status = json.loads(capsys.readouterr().out)
    assert status["devices"] == devices
    assert status["source"].startswith(f"from the running kiosk (pid {os.getpid()}, ")
    assert ports["locker"].accepted == ports["scanner"].accepted == 0


def test_a_self_test_of_a_device_the_running_kiosk_holds_is_refused_without_force(
    tmp_path: Path, ports: dict[str, CountingPort], capsys: pytest.CaptureFixture[str]
) -> None:
    config = kiosk_file(tmp_path, ports)
    snapshot = tmp_path / "state" / SNAPSHOT_NAME
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text(
        json.dumps({"kiosk": "test-kiosk-1", "pid": os.getpid(), "written_at": time.time()}),
        encoding="utf-8",
    )
    assert run(["diag", "test", "locker", "--config", str(config)]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith(
        f"kiosk: the kiosk runs (pid {os.getpid()}) and holds the locker: run the test from "
        "the diagnostics screen or with the diag.run command"
    )
    assert ports["locker"].accepted == 0


def test_a_bundle_from_the_shell_holds_the_config_without_its_secrets_and_the_logs(
    tmp_path: Path, ports: dict[str, CountingPort], capsys: pytest.CaptureFixture[str]
) -> None:
    config = kiosk_file(tmp_path, ports, extra="\n[photo]\nenabled = false\n")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "demo.log").write_text("2026-12-01 INFO started\n", encoding="utf-8")
    out = tmp_path / "bundle.tar.gz"
    assert run(["diag", "bundle", str(out), "--config", str(config)]) == EXIT_OK
    assert capsys.readouterr().out == f"{out}: written ({out.stat().st_size} bytes)\n"
    with tarfile.open(out) as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert {"manifest.json", "status.json", "health.json", "counters.json", "frames.json"} <= set(
        members
    )
    assert members["logs/demo.log"] == b"2026-12-01 INFO started\n"
    document = json.loads(members["config.json"])
    assert document["mqtt"]["password"] == "<removed>"
    assert document["handover"]["staff_pins"] == "<removed>"
    everything = b"".join(members.values())
    assert b"hunter2-secret" not in everything
    assert VERIFIER.encode() not in everything
    nothing_opened(tmp_path, ports)

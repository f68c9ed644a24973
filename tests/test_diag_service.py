"""The diagnostics core: status, recent faults, counters, self-tests, the bundle (issue 11)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.core.diagnostics.bundle import REMOVED, redact, write_bundle
from kiosk.core.diagnostics.counting import CountingLocker
from kiosk.core.diagnostics.model import LinkStatus, SelfTestInfo
from kiosk.core.diagnostics.self_tests import (
    CameraFrameTest,
    Outcome,
    ScannerEchoTest,
    SelfTestContext,
)
from kiosk.core.diagnostics.service import (
    SNAPSHOT_NAME,
    DiagnosticsParts,
    DiagnosticsService,
    fault_from_event,
    read_running_kiosk,
)
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.locker.protocol import DoorState, DoorStatus, UnlockResult
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.errors import DiagnosticsError, UnknownSelfTestError
from kiosk.services import KioskServices, build_services
from kiosk.store.database import Database
from kiosk.store.diagnostics import DiagnosticsRepository, read_summary
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config
from tests.link.link_support import wait_until

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def service(**parts: Any) -> DiagnosticsService:
    board = parts.pop("health", HealthBoard())
    return DiagnosticsService(
        DiagnosticsParts(kiosk_id="k-1", health=board, software_version="9.9", **parts)
    )


def test_status_maps_every_registered_device_to_state_reason_and_since() -> None:
    board = HealthBoard()
    board.register("scanner")
    board.report("printer", Health(HealthState.FAULT, "paper_out", "paper end sensor", T0))
    report = service(health=board, config_version=lambda: 7).status().as_json()
    assert report["devices"] == {
        "printer": {
            "state": "fault",
            "reason": "paper_out",
            "detail": "paper end sensor",
            "since": "2026-12-01T07:00:00Z",
        },
        "scanner": {
            "state": "unknown",
            "reason": "not_checked",
            "detail": "no status read yet",
            "since": report["devices"]["scanner"]["since"],
        },
    }
    assert (report["kiosk"], report["software_version"], report["config_version"]) == (
        "k-1",
        "9.9",
        7,
    )


def test_recent_faults_are_the_non_ok_changes_newest_first_after_earlier_runs() -> None:
    earlier = fault_from_event(
        {
            "device": "locker",
            "state": "fault",
            "reason": "board_silent",
            "since": "2026-11-30T09:00:00Z",
        }
    )
    assert earlier is not None
    board = HealthBoard()
    diagnostics = service(health=board, earlier_faults=[earlier])
    board.report("printer", Health(HealthState.DEGRADED, "paper_near_end", "", T0))
    board.report("printer", Health(HealthState.OK, "", "", T0))
    board.report("printer", Health(HealthState.FAULT, "paper_out", "", T0))
    faults = [(f.device, f.health.reason) for f in diagnostics.recent_faults()]
    assert faults == [
        ("printer", "paper_out"),
        ("printer", "paper_near_end"),
        ("locker", "board_silent"),
    ]


def test_an_ok_health_event_is_not_a_fault() -> None:
    assert (
        fault_from_event({"device": "printer", "state": "ok", "since": "2026-11-30T09:00:00Z"})
        is None
    )


def test_disk_and_link_are_reported_from_the_parts(tmp_path: Path) -> None:
    link = LinkStatus("mqtts://broker:8883", True, False, 3, 12.5)
    report = service(state_dir=tmp_path, link=lambda: link).status().as_json()
    assert report["link"] == {
        "broker": "mqtts://broker:8883",
        "connected": True,
        "server_online": False,
        "outbox_depth": 3,
        "oldest_unsent_age_s": 12.5,
    }
    assert report["disk"]["path"] == str(tmp_path)
    assert 0 < report["disk"]["free_bytes"] <= report["disk"]["total_bytes"]


class Fixed:
    """A self-test that passes or fails as told, and can wait to be cancelled."""

    def __init__(self, name: str, passed: bool, *, wait: threading.Event | None = None):
        self.info = SelfTestInfo("printer", name, False, "diag.test.printer.print")
        self._passed = passed
        self._wait = wait
        self.started = threading.Event()

    def run(self, ctx: SelfTestContext) -> Outcome:
        self.started.set()
        if self._wait is not None:
            ctx.cancelled.wait(5)
        return Outcome(self._passed, {"value": 1}, "as told")


def test_a_self_test_result_says_pass_or_fail_and_what_was_measured() -> None:
    diagnostics = service(tests=[Fixed("print", False)])
    result = diagnostics.run_self_test("printer")
    assert (result.device, result.name, result.passed) == ("printer", "print", False)
    assert result.measured == {"value": 1}
    assert result.as_json()["test"] == "print"


def test_an_unknown_device_or_test_names_what_there_is() -> None:
    diagnostics = service(tests=[Fixed("print", True)])
    with pytest.raises(UnknownSelfTestError, match="devices with tests: printer"):
        diagnostics.run_self_test("toaster")
    with pytest.raises(UnknownSelfTestError, match="its tests: print"):
        diagnostics.run_self_test("printer", "feed")


def test_one_self_test_runs_at_a_time_and_can_be_cancelled() -> None:
    slow = Fixed("print", True, wait=threading.Event())
    diagnostics = service(tests=[slow])
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.append(diagnostics.run_self_test("printer")))
    runner.start()
    assert slow.started.wait(5)
    with pytest.raises(DiagnosticsError, match="another self-test is running"):
        diagnostics.run_self_test("printer")
    assert diagnostics.cancel_self_test() is True
    runner.join(5)
    assert results[0].passed is True


def code(text: str) -> ScannedCode:
    import time

    return ScannedCode(text=text, source="scanner", received_mono=time.monotonic())


def test_scanner_echo_passes_only_on_the_exact_code_shown_and_keeps_codes_from_journeys() -> None:
    counted: list[str] = []
    diagnostics = service(count=counted.append)
    diagnostics.add_test(
        ScannerEchoTest(diagnostics.tap, timeout_s=5, payload=lambda: "KIOSK-ECHO-ABCD2345")
    )
    journeys: list[str] = []
    on_code = diagnostics.tap_codes(lambda c: journeys.append(c.text))

    def person(prompt: Any) -> None:
        if prompt is not None:
            on_code(code("KIOSK-ECHO-ABCD234"))  # one character short
            on_code(code(prompt.payload))

    diagnostics.subscribe_prompts(person)
    result = diagnostics.run_self_test("scanner", "echo")
    on_code(code("booking"))
    assert result.passed is True
    assert result.measured["payload"] == "KIOSK-ECHO-ABCD2345"
    assert result.measured["other_codes"] == 1
    assert result.measured["other_samples"] == ["KIOSK-ECHO-ABCD234"]
    assert journeys == ["booking"]
    assert counted == ["scans", "scans", "scans"]


def test_scanner_echo_fails_when_nothing_is_scanned_in_time() -> None:
    diagnostics = service()
    diagnostics.add_test(ScannerEchoTest(diagnostics.tap, timeout_s=0.3))
    result = diagnostics.run_self_test("scanner")
    assert result.passed is False
    assert result.detail == "the code shown was not read within 0.3 s"
    assert result.measured["read_after_s"] is None


class StillCamera:
    name = "camera"

    def __init__(self, frame: np.ndarray[Any, Any]):
        self.frame = frame
        self.health = Health(HealthState.OK)

    def still(self) -> np.ndarray[Any, Any]:
        return self.frame

    def frames(self) -> Iterator[np.ndarray[Any, Any]]:
        yield self.frame

    def close(self) -> None:
        pass


def textured(blur: float = 0.0) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(7)
    grey = rng.integers(40, 200, size=(120, 160), dtype=np.uint8)
    frame = cv2.resize(grey, (1280, 960), interpolation=cv2.INTER_NEAREST)
    frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    return cv2.GaussianBlur(frame, (0, 0), blur) if blur else frame


def test_camera_frame_passes_on_a_sharp_lit_frame() -> None:
    diagnostics = service(tests=[CameraFrameTest(StillCamera(textured()))])
    result = diagnostics.run_self_test("camera")
    assert result.passed is True
    assert (result.measured["width_px"], result.measured["height_px"]) == (1280, 960)
    assert 100 < result.measured["brightness_mean"] < 140
    assert result.measured["focus_laplacian_var"] > 15


def test_camera_frame_fails_a_blurred_frame_and_a_dark_one_saying_why() -> None:
    blurred = service(tests=[CameraFrameTest(StillCamera(textured(blur=12)))]).run_self_test(
        "camera"
    )
    assert blurred.passed is False
    assert "below 15 (blurred, dirty or covered lens)" in blurred.detail
    dark = service(tests=[CameraFrameTest(StillCamera(textured() // 8))]).run_self_test("camera")
    assert dark.passed is False
    assert "too dark" in dark.detail


class FakeLocker:
    name = "locker"
    doors = (1, 2)

    def __init__(self) -> None:
        self.states = {1: DoorState.CLOSED, 2: DoorState.CLOSED}
        self.unlocked: list[int] = []

    def unlock(self, door: int) -> UnlockResult | None:
        if door not in self.doors:
            raise ValueError(door)
        self.unlocked.append(door)
        return None

    def read_doors(self) -> Mapping[int, DoorStatus]:
        return {d: DoorStatus(d, s) for d, s in self.states.items()}

    def health(self) -> Health:
        return Health(HealthState.OK)

    def close(self) -> None:
        pass

    def recent_frames(self) -> list[str]:
        return ["frame"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "kiosk.sqlite3")
    yield database
    database.close()


def test_unlocks_and_door_cycles_are_counted_per_door_in_the_store(db: Database) -> None:
    repository = DiagnosticsRepository(db)
    inner = FakeLocker()
    locker = CountingLocker(inner, repository)
    locker.read_doors()
    locker.unlock(2)
    inner.states[2] = DoorState.OPEN
    locker.read_doors()
    inner.states[2] = DoorState.UNKNOWN  # a board that did not answer is no close
    locker.read_doors()
    inner.states[2] = DoorState.CLOSED
    locker.read_doors()
    locker.read_doors()
    with pytest.raises(ValueError):
        locker.unlock(9)
    counters = repository.counters()
    assert counters["door_unlocks.2"] == 1
    assert counters["door_cycles.2"] == 1
    assert "door_unlocks.9" not in counters
    assert "door_cycles.1" not in counters
    assert locker.recent_frames() == ["frame"]  # the driver's extras pass through


def test_counters_read_read_only_by_another_process_match_the_kiosks(
    db: Database, tmp_path: Path
) -> None:
    repository = DiagnosticsRepository(db)
    repository.increment("scans")
    repository.increment("scans")
    summary = read_summary(tmp_path / "kiosk.sqlite3")
    assert summary.counters == repository.counters()
    assert summary.counters["scans"] == 2
    assert summary.counters["tickets_issued"] == 0
    assert summary.outbox_depth == 0


def test_redact_removes_passwords_key_files_and_pin_verifiers_wherever_they_are() -> None:
    document = {
        "mqtt": {"broker": "mqtts://b:8883", "password": "hunter2", "key_file": "/etc/kiosk/k.pem"},
        "handover": {"staff_pins": {"1001": "scrypt$17$8$1$c2FsdA$aGFzaA"}},
        "other": ["scrypt$17$8$1$x$y", "fine"],
    }
    assert redact(document) == {
        "mqtt": {"broker": "mqtts://b:8883", "password": REMOVED, "key_file": REMOVED},
        "handover": {"staff_pins": REMOVED},
        "other": [REMOVED, "fine"],
    }


def test_a_bundle_holds_status_health_counters_frames_config_and_logs(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    log.write_text("line one\n", encoding="utf-8")
    board = HealthBoard()
    board.report("printer", Health(HealthState.FAULT, "paper_out", "", T0))
    diagnostics = service(
        health=board,
        counters=lambda: {"scans": 4},
        config_document={"mqtt": {"password": "hunter2"}},
        log_files=lambda: [log],
    )
    path = diagnostics.write_bundle(tmp_path / "out" / "b.tar.gz")
    with tarfile.open(path) as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert sorted(members) == [
        "config.json",
        "counters.json",
        "frames.json",
        "health.json",
        "logs/demo.log",
        "manifest.json",
        "status.json",
    ]
    assert json.loads(members["config.json"]) == {"mqtt": {"password": REMOVED}}
    assert json.loads(members["counters.json"]) == {"scans": 4}
    assert json.loads(members["health.json"])["devices"]["printer"]["reason"] == "paper_out"
    assert members["logs/demo.log"] == b"line one\n"
    manifest = json.loads(members["manifest.json"])
    assert manifest["files"]["logs/demo.log"]["size_bytes"] == 9
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_write_bundle_takes_a_running_kiosks_status_as_it_is(tmp_path: Path) -> None:
    status = {"kiosk": "k-9", "taken_at": "2026-12-01T07:00:00Z", "devices": {}}
    path = write_bundle(tmp_path / "b.tar.gz", status, config_document=None)
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = json.load(io.BytesIO(tar.extractfile(names[0]).read()))  # type: ignore[union-attr]
    assert names[0] == "kiosk-bundle-k-9-20261201T070000Z/manifest.json"
    assert manifest["not_included"] == {"config.json": "no configuration file (defaults)"}


# ---- the running kiosk ----------------------------------------------------------------------


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[KioskServices, PrinterSimulator]]:
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as printer:
        services = build_services(
            make_config(tmp_path / "state"), printer_url=printer.url, printer_poll_s=3600
        )
        yield services, printer
        services.stop()


def test_the_kiosks_counters_count_tickets_issued_and_printed(
    kiosk: tuple[KioskServices, PrinterSimulator],
) -> None:
    services, printer = kiosk
    assert services.diagnostics is not None
    services.tickets.issue("childcare", "ja")
    printer.set_paper("out")
    services.tickets.issue("childcare", "ja")
    counters = services.diagnostics.status().counters
    assert (
        counters["tickets_issued"],
        counters["tickets_printed"],
        counters["tickets_not_printed"],
    ) == (2, 1, 1)


def test_the_kiosks_printer_self_test_prints_and_reads_paper_before_and_after(
    kiosk: tuple[KioskServices, PrinterSimulator],
) -> None:
    services, printer = kiosk
    assert services.diagnostics is not None
    printer.set_paper("near_end")
    result = services.diagnostics.run_self_test("printer", "print")
    assert result.passed is True
    assert result.measured == {
        "paper_before": "near_end",
        "health_before": "degraded/paper_near_end",
        "printed": True,
        "paper_after": "near_end",
        "health_after": "degraded/paper_near_end",
    }
    assert len(printer.wait_for_tickets(1, timeout=5)) == 1
    assert services.diagnostics.status().frames["printer"][-1].direction == "rx"


def test_a_started_kiosk_keeps_its_status_file_for_the_shell_and_removes_it_at_stop(
    kiosk: tuple[KioskServices, PrinterSimulator],
) -> None:
    services, _printer = kiosk
    path = Path(services.config.state_dir) / SNAPSHOT_NAME
    services.start()
    wait_until(lambda: read_running_kiosk(path) is not None, 10, "the status file")
    running = read_running_kiosk(path)
    assert running is not None and running.pid == os.getpid()
    assert running.status["kiosk"] == "test-kiosk-1"
    assert set(running.status["devices"]) >= {"printer", "clock"}
    services.stop()
    assert not path.exists()


def test_a_restarted_kiosk_shows_the_faults_of_its_last_run_still_in_the_outbox(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path / "state")
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as printer:
        first = build_services(config, printer_url=printer.url, printer_poll_s=3600)
        first.health.report("locker", Health(HealthState.FAULT, "board_silent", "board 1", T0))
        first.stop()
        again = build_services(config, printer_url=printer.url, printer_poll_s=3600)
        try:
            assert again.diagnostics is not None
            faults = [
                (f.device, f.health.reason, f.health.since)
                for f in again.diagnostics.recent_faults()
            ]
        finally:
            again.stop()
    assert ("locker", "board_silent", T0) in faults


def test_the_status_file_is_rewritten_at_least_every_snapshot_interval_whatever_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kiosk.core.diagnostics.service as service_module

    monkeypatch.setattr(service_module, "SNAPSHOT_INTERVAL_S", 0.1)
    diagnostics = service()
    path = tmp_path / SNAPSHOT_NAME
    diagnostics.start_snapshots(path, interval_s=3600)
    seen: set[float] = set()

    def written_twice() -> bool:
        running = read_running_kiosk(path)
        if running is not None:
            seen.add(running.status["written_at"])
        return len(seen) >= 2

    try:
        wait_until(written_twice, 10, "the status file written twice")
    finally:
        diagnostics.stop()
    assert not path.exists()

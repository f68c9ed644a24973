"""The real serial scanner driver against the real scanner simulator, over socket:// and a pty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices.scanner.factory import ScannerSettings, open_scanner
from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH
from kiosk.devices.scanner.serial_scanner import SerialScanner
from kiosk.errors import ConfigError, DeviceUrlError
from simulators.scanner.server import ScannerSimulator
from tests.devices.scanner_support import ScanRecorder

JWS = (
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImsyMDI1In0.eyJ0eXAiOiJiayIsImJpZCI6IkI1MDI3MjU3MyJ9."
    "B-AZ_u9jy2ElVx703_i_04wxs6OdXFbW-cMpxImezvlUUt9i_QTFE23vbXTB0kRRGUK1fK_7Z-ub_C_3rckFrQ"
)
FAST_BACKOFF = (0.02, 0.1)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[ScannerSimulator]:
    with ScannerSimulator(port=0, pty_link=tmp_path / "kiosk-scanner") as simulator:
        yield simulator


@pytest.fixture
def recorder() -> ScanRecorder:
    return ScanRecorder()


@pytest.fixture
def connect(sim: ScannerSimulator, recorder: ScanRecorder) -> Iterator[object]:
    started: list[SerialScanner] = []

    def make(url: str | None = None, **kwargs: object) -> SerialScanner:
        kwargs.setdefault("reopen_backoff_s", FAST_BACKOFF)
        scanner = SerialScanner(url or sim.url, **kwargs)  # type: ignore[arg-type]
        scanner.start(recorder.on_code, recorder.on_health)
        started.append(scanner)
        if url is None:
            assert sim.wait_for_clients(1)
        assert recorder.wait_for_health("ok")
        return scanner

    yield make
    for scanner in started:
        scanner.stop()


@pytest.mark.parametrize("suffix", ["cr", "crlf", "lf"])
def test_a_scanned_code_arrives_once_with_each_suffix(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object, suffix: str
) -> None:
    connect(suffix=suffix)  # type: ignore[operator]
    sim.scan(JWS, suffix=suffix)
    sim.scan("SECOND", suffix=suffix)
    assert recorder.wait_for_codes(2) == [JWS, "SECOND"]
    assert [(c.source, c.truncated, c.stripped) for c in recorder.codes] == [
        ("scanner", False, 0),
        ("scanner", False, 0),
    ]


def test_without_a_suffix_the_idle_gap_ends_the_code(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect(suffix="none", idle_timeout_s=0.05)  # type: ignore[operator]
    sim.scan(JWS, suffix="none")
    assert recorder.wait_for_codes(1) == [JWS]


def test_a_code_written_in_pieces_arrives_whole(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect()  # type: ignore[operator]
    sim.scan(JWS, split=7, delay_between_chunks_s=0.002)
    sim.scan("AB", split=[1, 1, 1])
    assert recorder.wait_for_codes(2) == [JWS, "AB"]


def test_line_noise_without_a_line_end_is_dropped_before_the_next_code(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    scanner = connect(stale_line_s=0.05)  # type: ignore[operator]
    noise = sim.noise(24)
    assert recorder.wait_for(lambda: scanner.framer.stats.discarded_bytes == len(noise))
    sim.scan(JWS)
    assert recorder.wait_for_codes(1) == [JWS]


def test_control_characters_from_a_typed_ctrl_alt_sequence_are_stripped(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect()  # type: ignore[operator]
    sim.scan(b"B123\x1b[1;5A\x03\x1bx45")
    assert recorder.wait_for_codes(1) == ["B12345"]
    assert recorder.codes[0].stripped == 9


def test_four_kilobytes_of_garbage_are_cut_and_reported_as_degraded(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect()  # type: ignore[operator]
    sim.garbage(4096)
    assert recorder.wait_for_codes(1)
    garbage = recorder.codes[0]
    assert garbage.truncated is True
    assert len(garbage.text) <= MAX_CODE_LENGTH
    assert recorder.wait_for_health("degraded", "garbage_input")
    sim.scan(JWS)
    assert recorder.wait_for_codes(2)[1] == JWS
    assert recorder.wait_for_health("ok")


def test_a_burst_of_the_same_code_is_one_scan(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    scanner = connect(repeat_window_s=30.0)  # type: ignore[operator]
    sim.burst(JWS, times=5)
    sim.scan("AFTER")
    assert recorder.wait_for_codes(2) == [JWS, "AFTER"]
    assert scanner.counters.repeats_dropped == 4


def test_with_the_repeat_window_off_every_repeat_arrives(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect(repeat_window_s=0.0)  # type: ignore[operator]
    sim.burst("SAME", times=3)
    assert recorder.wait_for_codes(3) == ["SAME", "SAME", "SAME"]


def test_unplug_reports_disconnected_and_the_driver_reopens_by_itself(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    scanner = connect()  # type: ignore[operator]
    sim.scan("BEFORE")
    assert recorder.wait_for_codes(1) == ["BEFORE"]
    sim.scan("CUT-OFF-MID", suffix="none")  # unplugged mid-read: no suffix ever comes
    sim.go_silent()
    assert recorder.wait_for_health("fault", "disconnected")
    sim.come_back()
    assert recorder.wait_for_health("ok")
    assert sim.wait_for_clients(1)
    sim.scan("AFTER")
    assert recorder.wait_for_codes(2) == ["BEFORE", "AFTER"]
    assert recorder.health == [("ok", ""), ("fault", "disconnected"), ("ok", "")]
    assert scanner.running is True
    assert scanner.counters.losses == 1


def test_over_a_pty_codes_arrive_and_unplug_then_replug_is_survived(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    connect(sim.pty_url)  # type: ignore[operator]
    sim.scan(JWS, split=5)
    assert recorder.wait_for_codes(1) == [JWS]
    sim.go_silent()
    assert recorder.wait_for_health("fault", "disconnected")
    sim.come_back()
    assert recorder.wait_for_health("ok")
    sim.scan("AFTER")
    assert recorder.wait_for_codes(2) == [JWS, "AFTER"]


def test_a_scanner_missing_at_start_is_reported_and_found_when_plugged_in(
    sim: ScannerSimulator, recorder: ScanRecorder
) -> None:
    sim.go_silent()
    scanner = SerialScanner(sim.url, reopen_backoff_s=FAST_BACKOFF)
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for_health("fault", "disconnected")
        sim.come_back()
        assert recorder.wait_for_health("ok")  # pyserial drops bytes that arrive while opening
        assert sim.wait_for_clients(1)
        sim.scan(JWS)
        assert recorder.wait_for_codes(1) == [JWS]
    finally:
        scanner.stop()
    assert scanner.running is False


def test_a_failing_listener_does_not_end_the_reader_thread(sim: ScannerSimulator) -> None:
    recorder = ScanRecorder()

    def explode_once(code: object) -> None:
        recorder.on_code(code)  # type: ignore[arg-type]
        if len(recorder.codes) == 1:
            raise RuntimeError("listener bug")

    scanner = SerialScanner(sim.url, reopen_backoff_s=FAST_BACKOFF)
    scanner.start(explode_once, recorder.on_health)
    try:
        assert sim.wait_for_clients(1)
        assert recorder.wait_for_health("ok")  # pyserial drops bytes that arrive while opening
        sim.scan("ONE")
        sim.scan("TWO")
        assert recorder.wait_for_codes(2) == ["ONE", "TWO"]
    finally:
        scanner.stop()


def test_stop_returns_promptly_while_the_line_is_idle(
    sim: ScannerSimulator, recorder: ScanRecorder, connect: object
) -> None:
    scanner = connect()  # type: ignore[operator]
    scanner.stop()
    assert scanner.running is False
    assert recorder.wait_for(lambda: sim.client_count == 0)


def test_the_factory_builds_a_serial_scanner_with_url_parameters(sim: ScannerSimulator) -> None:
    scanner = open_scanner(f"{sim.url}?suffix=crlf&repeat_window=0.5", ScannerSettings())
    assert isinstance(scanner, SerialScanner)
    assert (scanner.suffix.value, scanner._repeats.window_s, scanner.port_name) == (
        "crlf",
        0.5,
        sim.url,
    )
    serial_path = open_scanner("serial:///dev/kiosk-scanner?baudrate=115200")
    assert isinstance(serial_path, SerialScanner)
    assert (serial_path.port_name, serial_path.line_settings["baudrate"]) == (
        "/dev/kiosk-scanner",
        115200,
    )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("sim://scanner", DeviceUrlError),
        ("usb://04b8:0e15", DeviceUrlError),
        ("socket://127.0.0.1:7000?suffix=tab", ConfigError),
        ("camera://0?decoder=nope", ConfigError),
        ("hid://relative", DeviceUrlError),
    ],
)
def test_the_factory_refuses_urls_that_cannot_be_a_scanner(
    url: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        open_scanner(url)

"""The scanner simulator as a plain TCP peer sees it: suffixes, splits, noise, silence."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from simulators.scanner.__main__ import main
from simulators.scanner.control import apply_command
from simulators.scanner.server import ScannerSimulator


def _read_exactly(sock: socket.socket, n: int, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_scan_sends_the_payload_and_the_suffix_to_a_connected_client() -> None:
    with (
        ScannerSimulator(port=0, suffix="crlf") as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        assert sim.wait_for_clients(1)
        sim.scan("ABC")
        sim.scan("予約", suffix="cr", split=[1, 2])
        assert _read_exactly(client, 5 + 7) == b"ABC\r\n" + "予約".encode() + b"\r"
        assert [c.data for c in sim.sent] == [b"ABC\r\n", b"\xe4", b"\xba\x88", b"\xe7\xb4\x84\r"]
        assert [c.receivers for c in sim.sent] == [1, 1, 1, 1]


def test_noise_has_no_line_end_and_garbage_ends_with_the_suffix() -> None:
    with ScannerSimulator(port=0, seed=7) as sim:
        noise = sim.noise(500)
        garbage = sim.garbage(4096)
    assert len(noise) == 500
    assert b"\r" not in noise and b"\n" not in noise
    assert len(garbage) == 4097
    assert garbage.endswith(b"\r") and b"\r" not in garbage[:-1]


def test_burst_repeats_the_code_and_is_recorded_as_a_burst() -> None:
    with ScannerSimulator(port=0) as sim:
        sim.burst("X1", times=3)
        assert sim.sent_bytes("burst") == b"X1\rX1\rX1\r"


def test_going_silent_drops_the_connection_and_coming_back_listens_on_the_same_port() -> None:
    with ScannerSimulator(port=0) as sim:
        port = sim.port
        client = socket.create_connection(("127.0.0.1", port))
        assert sim.wait_for_clients(1)
        sim.go_silent()
        assert _read_exactly(client, 1) == b""
        client.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        sim.come_back()
        assert sim.port == port
        with socket.create_connection(("127.0.0.1", port)) as again:
            assert sim.wait_for_connections(2)
            sim.scan("BACK")
            assert _read_exactly(again, 5) == b"BACK\r"


def test_the_pty_link_points_at_a_new_pty_after_a_replug(tmp_path: Path) -> None:
    link = tmp_path / "kiosk-scanner"
    with ScannerSimulator(port=0, pty_link=link) as sim:
        first = sim.pty_path
        assert link.resolve() == Path(first).resolve()
        sim.go_silent()
        assert sim.pty_path == ""
        sim.come_back()
        assert link.resolve() == Path(sim.pty_path).resolve()
        assert sim.pty_url == f"serial://{link}"
    assert not link.exists()


def test_text_commands_drive_the_simulator() -> None:
    with ScannerSimulator(port=0) as sim:
        assert apply_command(sim, "scan HELLO") == "sent 6 bytes"
        assert apply_command(sim, "burst 2 AB") == "sent 6 bytes"
        assert apply_command(sim, "suffix crlf") == "suffix crlf"
        assert apply_command(sim, "scanx 4142") == "sent 4 bytes"
        assert apply_command(sim, "silent") == "silent (unplugged)"
        assert apply_command(sim, "frobnicate").startswith("unknown command")
        assert apply_command(sim, "noise x").startswith("error:")
        assert sim.sent_bytes() == b"HELLO\rAB\rAB\rAB\r\n"


def test_main_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        assert main(["--port", str(busy.getsockname()[1])]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_split_with_a_delay_sends_chunks_in_order() -> None:
    with ScannerSimulator(port=0) as sim:
        sim.scan("ABCDEF", split=2, delay_between_chunks_s=0.001)
        stamps = [c.sent_mono for c in sim.sent]
    assert [c.data for c in sim.sent] == [b"AB", b"CD", b"EF", b"\r"]
    assert stamps == sorted(stamps)
    assert time.perf_counter() >= stamps[-1]

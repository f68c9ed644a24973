"""Transports: TCP against a local socket, pyserial URLs (loop://, socket://), files, USB."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices.transport import (
    FileTransport,
    SerialTransport,
    TcpTransport,
    UsbTransport,
    open_transport,
)
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError, TransportError

ACCEPT_TIMEOUT_S = 5.0


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(ACCEPT_TIMEOUT_S)
    yield server
    server.close()


def _port(server: socket.socket) -> int:
    port: int = server.getsockname()[1]
    return port


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    conn.settimeout(ACCEPT_TIMEOUT_S)
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


# -- TCP ----------------------------------------------------------------------------------------


def test_tcp_transport_connects_on_first_write_and_delivers_the_bytes(
    listener: socket.socket,
) -> None:
    transport = TcpTransport("127.0.0.1", _port(listener), connect_timeout=2.0)
    assert not transport.connected
    transport.write(b"\x10\x04\x01")
    conn, _ = listener.accept()
    with conn:
        assert _recv_exactly(conn, 3) == b"\x10\x04\x01"
        conn.sendall(b"\x12")
        assert transport.read(1, 2.0) == b"\x12"
    transport.close()


def test_tcp_transport_sets_tcp_nodelay_on_its_socket(listener: socket.socket) -> None:
    transport = TcpTransport("127.0.0.1", _port(listener), connect_timeout=2.0)
    transport.connect()
    sock = transport._sock
    assert sock is not None
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    transport.close()


def test_tcp_read_returns_empty_bytes_when_nothing_arrives_within_the_timeout(
    listener: socket.socket,
) -> None:
    transport = TcpTransport("127.0.0.1", _port(listener), connect_timeout=2.0)
    transport.write(b"?")
    conn, _ = listener.accept()
    with conn:
        assert transport.read(1, 0.05) == b""
    transport.close()


def test_tcp_read_returns_the_part_that_arrived_before_the_timeout(
    listener: socket.socket,
) -> None:
    transport = TcpTransport("127.0.0.1", _port(listener), connect_timeout=2.0)
    transport.write(b"?")
    conn, _ = listener.accept()
    with conn:
        conn.sendall(b"ab")
        assert transport.read(4, 0.2) == b"ab"
    transport.close()


def test_tcp_reset_input_discards_unread_bytes(listener: socket.socket) -> None:
    transport = TcpTransport("127.0.0.1", _port(listener), connect_timeout=2.0)
    transport.write(b"?")
    conn, _ = listener.accept()
    with conn:
        conn.sendall(b"stale")  # one segment: after the first byte the rest is buffered
        assert transport.read(1, 2.0) == b"s"
        transport.reset_input()
        assert transport.read(1, 0.05) == b""
        conn.sendall(b"\x12")
        assert transport.read(1, 2.0) == b"\x12"
    transport.close()


def test_tcp_loss_is_a_transport_error_and_the_next_write_reconnects(
    listener: socket.socket,
) -> None:
    url = f"tcp://127.0.0.1:{_port(listener)}"
    transport = open_transport(parse_device_url(url), timeout=2.0)
    transport.write(b"one")
    first, _ = listener.accept()
    assert _recv_exactly(first, 3) == b"one"
    first.close()
    with pytest.raises(TransportError, match=url):
        transport.read(1, 2.0)
    transport.write(b"two")
    second, _ = listener.accept()
    with second:
        assert _recv_exactly(second, 3) == b"two"
    transport.close()


def test_tcp_connection_refused_names_the_url() -> None:
    free = socket.create_server(("127.0.0.1", 0))
    port = _port(free)
    free.close()
    transport = TcpTransport("127.0.0.1", port, connect_timeout=1.0)
    with pytest.raises(TransportError, match=f"tcp://127.0.0.1:{port}: cannot connect"):
        transport.write(b"x")


def test_tcp_read_before_connecting_is_a_transport_error() -> None:
    transport = TcpTransport("127.0.0.1", 9, connect_timeout=1.0)
    with pytest.raises(TransportError, match="not connected"):
        transport.read(1, 0.01)


def test_tcp_describe_is_the_url() -> None:
    url = parse_device_url("tcp://printer.local", default_port=9100)
    assert open_transport(url, timeout=1.0).describe() == "tcp://printer.local"
    assert TcpTransport("192.0.2.1", 9100, connect_timeout=1.0).describe() == "tcp://192.0.2.1:9100"


# -- serial (pyserial URLs) ---------------------------------------------------------------------


def test_serial_loop_url_reads_back_what_was_written() -> None:
    transport = open_transport(parse_device_url("loop://?baudrate=19200"), timeout=1.0)
    assert isinstance(transport, SerialTransport)
    assert transport.port == "loop://"
    assert transport.settings["baudrate"] == 19200
    transport.write(b"\x10\x04\x04")
    assert transport.read(3, 1.0) == b"\x10\x04\x04"
    transport.close()


def test_serial_read_returns_empty_bytes_on_timeout() -> None:
    transport = open_transport(parse_device_url("loop://"), timeout=1.0)
    transport.write(b"")
    assert transport.read(1, 0.05) == b""
    transport.close()


def test_serial_reset_input_discards_unread_bytes() -> None:
    transport = open_transport(parse_device_url("loop://"), timeout=1.0)
    transport.write(b"stale")
    assert transport.read(1, 1.0) == b"s"
    transport.reset_input()
    assert transport.read(1, 0.05) == b""
    transport.close()


def test_serial_socket_url_talks_to_a_tcp_peer(listener: socket.socket) -> None:
    url = parse_device_url(f"socket://127.0.0.1:{_port(listener)}?baudrate=38400")
    transport = open_transport(url, timeout=2.0)
    assert isinstance(transport, SerialTransport)
    assert transport.port == f"socket://127.0.0.1:{_port(listener)}"
    transport.write(b"\x10\x04\x01")
    conn, _ = listener.accept()
    with conn:
        assert _recv_exactly(conn, 3) == b"\x10\x04\x01"
        conn.sendall(b"\x16")
        assert transport.read(1, 2.0) == b"\x16"
    transport.close()


def test_serial_url_line_settings_come_from_the_query() -> None:
    url = parse_device_url(
        "serial:///dev/kiosk-printer?baudrate=38400&parity=e&stopbits=2&bytesize=7&rtscts=yes"
    )
    transport = open_transport(url, timeout=1.0)
    assert isinstance(transport, SerialTransport)
    assert transport.port == "/dev/kiosk-printer"
    assert transport.settings == {
        "baudrate": 38400,
        "bytesize": 7,
        "parity": "E",
        "stopbits": 2.0,
        "rtscts": True,
        "xonxoff": False,
        "dsrdtr": False,
    }


def test_pyserial_options_that_are_not_line_settings_stay_in_its_url() -> None:
    url = parse_device_url("socket://127.0.0.1:7000?logging=debug&baudrate=9600")
    transport = open_transport(url, timeout=1.0)
    assert isinstance(transport, SerialTransport)
    assert transport.port == "socket://127.0.0.1:7000?logging=debug"


def test_a_missing_serial_device_is_a_transport_error_naming_the_url() -> None:
    transport = open_transport(parse_device_url("serial:///dev/kiosk-no-such-port"), timeout=1.0)
    with pytest.raises(TransportError, match="serial:///dev/kiosk-no-such-port"):
        transport.write(b"x")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("serial:///dev/kiosk-printer?baudrate=fast", "baudrate='fast' is not a whole number"),
        ("serial:///dev/kiosk-printer?baudrate=0", "baudrate=0 must be positive"),
        ("serial:///dev/kiosk-printer?parity=X", "parity='X'"),
        ("serial:///dev/kiosk-printer?stopbits=3", "stopbits='3'"),
        ("serial:///dev/kiosk-printer?bytesize=9", "bytesize=9"),
        ("serial:///dev/kiosk-printer?rtscts=maybe", "rtscts='maybe' is not true or false"),
        ("tcp://192.0.2.1:9100?timeout=-1", "timeout must be positive"),
        ("tcp://192.0.2.1:9100?timeout=nan", "not a finite number"),
        ("sim://", "resolve it to the simulator's tcp:// address"),
        ("camera://0", "does not carry a byte stream"),
    ],
)
def test_url_errors_are_clear(url: str, message: str) -> None:
    with pytest.raises(DeviceUrlError, match=re.escape(message)):
        open_transport(parse_device_url(url), timeout=1.0)


# -- file and USB -------------------------------------------------------------------------------


def test_file_transport_appends_bytes_and_reads_nothing(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    transport = open_transport(parse_device_url(f"file://{device}"), timeout=1.0)
    assert isinstance(transport, FileTransport)
    assert transport.can_read is False
    transport.write(b"\x1b@")
    transport.write(b"ok\n")
    assert transport.read(1, 5.0) == b""
    transport.close()
    assert device.read_bytes() == b"\x1b@ok\n"


def test_file_transport_does_not_create_a_missing_device(tmp_path: Path) -> None:
    missing = tmp_path / "usb" / "lp9"
    transport = FileTransport(str(missing))
    with pytest.raises(TransportError, match=f"file://{missing}: cannot open"):
        transport.write(b"x")
    assert not missing.exists()


def test_usb_transport_without_the_device_is_a_transport_error_naming_the_url() -> None:
    transport = open_transport(parse_device_url("usb://04b8:0e15"), timeout=1.0)
    assert isinstance(transport, UsbTransport)
    with pytest.raises(TransportError, match="usb://04b8:0e15"):
        transport.write(b"x")

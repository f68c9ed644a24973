"""A device URL's parameters are checked with the config (``kiosk config check``), not first
when the kiosk opens the device."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.cli import EXIT_OK, EXIT_USAGE, main
from kiosk.devices.locker.factory import KERONG_PARAMS
from kiosk.devices.scanner.decoders import DECODERS
from kiosk.devices.scanner.framing import Suffix
from kiosk.devices.scanner.serial_scanner import SCANNER_URL_PARAMS
from kiosk.devices.transport import SERIAL_LINE_PARAMS
from kiosk.devices.url import DEVICE_PARAMS, check_device_url, parse_device_url
from kiosk.errors import DeviceUrlError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


@pytest.mark.parametrize(
    ("device", "url", "message"),
    [
        ("printer", "serial:///dev/p?baudrate=fast", "baudrate='fast' is not a whole number"),
        ("printer", "serial:///dev/p?baudrate=0", "baudrate='0' must be at least 1"),
        ("printer", "serial:///dev/p?bytesize=9", "bytesize='9' must be 5 to 8"),
        ("printer", "serial:///dev/p?parity=Q", "parity='Q' is not one of N, E, O, M, S"),
        ("printer", "serial:///dev/p?stopbits=3", "stopbits='3' is not one of 1, 1.5, 2"),
        ("printer", "serial:///dev/p?timeout=0", "timeout='0' must be above 0"),
        ("printer", "tcp://192.0.2.1:9100?timeout=inf", "timeout='inf' is not a finite number"),
        ("printer", "serial:///dev/p?rtscts=maybe", "rtscts='maybe' is not true or false"),
        ("printer", "serial:///dev/p?baudrat=9600", "parameter 'baudrat' is not one a printer"),
        ("printer", "camera://0", "a printer cannot be a camera:// device"),
        ("scanner", "socket://127.0.0.1:7000?suffix=tab", "suffix='tab' is not one of cr,"),
        ("scanner", "camera://0?decoder=nope", "decoder='nope' is not one of zxing,"),
        ("scanner", "camera://front", "camera 'front' is not an index; expected camera://0"),
        ("locker", "serial:///dev/l?boards=11", "boards='11' must be 1 to 10"),
        ("locker", "serial:///dev/l?locked_bit=2", "locked_bit='2' is not one of 0, 1"),
        ("locker", "tcp://192.0.2.1:7100", "a locker cannot be a tcp:// device"),
        ("camera", "camera://front", "camera 'front' is not an index"),
        ("camera", "camera://0?still_width=-1", "still_width='-1' must be at least 1"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name_value_and_what_is_allowed(
    device: str, url: str, message: str
) -> None:
    with pytest.raises(DeviceUrlError, match=re.escape(message)):
        check_device_url(parse_device_url(url, default_port=9100), device)


@pytest.mark.parametrize(
    ("device", "url"),
    [
        ("printer", "serial:///dev/kiosk-printer?baudrate=38400&parity=e&stopbits=1.5&rtscts=yes"),
        ("printer", "tcp://192.0.2.10:9100?timeout=2.5"),
        ("printer", "usb://04b8:0e15?interface=1"),
        ("scanner", "socket://127.0.0.1:7000?logging=debug&suffix=crlf"),  # pyserial's option
        ("scanner", "camera:///dev/video0?decoder=zxing&width=1920&height=1080"),
        ("scanner", "hid:///dev/input/by-id/usb-scanner-event-kbd"),
        ("locker", "serial:///dev/kiosk-locker?baudrate=19200&boards=3&reply_timeout=0.25"),
        ("locker", "gpio://?doors=1:17:27,2:22:23:24&pulse_ms=1000&active_high=0"),
        ("camera", "camera://0?still_width=4056&still_height=3040"),
        ("camera", "file:///srv/photos/"),
    ],
)
def test_the_urls_the_drivers_take_pass(device: str, url: str) -> None:
    check_device_url(parse_device_url(url, default_port=9100), device)


def test_the_checked_names_are_the_ones_the_drivers_read() -> None:
    assert set(DEVICE_PARAMS["printer"]) == SERIAL_LINE_PARAMS | {"interface"}
    assert set(DEVICE_PARAMS["scanner"]) >= SERIAL_LINE_PARAMS | SCANNER_URL_PARAMS
    assert set(DEVICE_PARAMS["locker"]) >= SERIAL_LINE_PARAMS | KERONG_PARAMS
    suffix = DEVICE_PARAMS["scanner"]["suffix"]
    assert [s.value for s in Suffix if suffix(s.value) is None] == [s.value for s in Suffix]
    decoder = DEVICE_PARAMS["scanner"]["decoder"]
    assert all(decoder(name) is None for name in DECODERS)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'url = "serial:///dev/kiosk-printer?baudrate=38400"',
            'url = "serial:///dev/kiosk-printer?baudrate=fast"',
            "baudrate='fast' is not",
        ),
        ("kiosk-locker?baudrate=19200", "kiosk-locker?parity=Q", "parity='Q' is not one of"),
        ('camera_url = "camera://0"', 'camera_url = "camera://front"', "is not an index"),
        ("mqtt.example.jp:8883", "mqtt.example.jp:99999", "port 99999 is not 1 to 65535"),
    ],
)
def test_kiosk_config_check_refuses_what_the_devices_would_refuse(
    old: str, new: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert main(["config", "check", str(EXAMPLE)]) == EXIT_OK
    assert text.count(old) == 1
    path = tmp_path / "kiosk.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    capsys.readouterr()

    assert main(["config", "check", str(path)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--printer", "serial:///dev/p?parity=Q"],
        ["diag", "print-test", "--config", str(EXAMPLE), "--printer", "serial:///dev/p?parity=Q"],
    ],
    ids=["demo", "diag print-test"],
)
def test_a_device_url_on_the_command_line_is_checked_before_anything_starts(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "kiosk: serial:///dev/p?parity=Q: parameter parity='Q' is not one of N, E, O, M, S\n"
    )

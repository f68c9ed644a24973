"""Device URLs as config and the command line write them."""

from __future__ import annotations

import re

import pytest

from kiosk.devices.url import DeviceUrl, parse_device_url
from kiosk.errors import DeviceError, DeviceUrlError


def test_tcp_url_with_port() -> None:
    url = parse_device_url("tcp://192.0.2.10:9100")
    assert (url.scheme, url.host, url.port, url.path) == ("tcp", "192.0.2.10", 9100, "")


def test_tcp_url_without_port_takes_the_default() -> None:
    assert parse_device_url("tcp://printer.local", default_port=9100).port == 9100


def test_tcp_url_without_port_or_default_is_an_error() -> None:
    with pytest.raises(DeviceUrlError, match="missing port; expected tcp://HOST:PORT"):
        parse_device_url("tcp://printer.local")


@pytest.mark.parametrize("port", ["0", "65536", "99999", "abc"])
def test_tcp_port_outside_one_to_65535_is_an_error(port: str) -> None:
    with pytest.raises(DeviceUrlError, match="from 1 to 65535"):
        parse_device_url(f"tcp://192.0.2.10:{port}")


def test_tcp_ipv6_host() -> None:
    url = parse_device_url("tcp://[2001:db8::1]:9100")
    assert (url.host, url.port) == ("2001:db8::1", 9100)


def test_a_broken_ipv6_host_is_a_device_url_error_not_a_bare_value_error() -> None:
    with pytest.raises(DeviceUrlError, match="tcp://\\[::1:9100"):
        parse_device_url("tcp://[::1:9100")


def test_tcp_url_without_host_is_an_error() -> None:
    with pytest.raises(DeviceUrlError, match="missing host"):
        parse_device_url("tcp://:9100")


def test_serial_url_keeps_the_device_path_and_parameters() -> None:
    url = parse_device_url("serial:///dev/kiosk-printer?baudrate=38400&rtscts=1")
    assert (url.scheme, url.path, url.params) == (
        "serial",
        "/dev/kiosk-printer",
        {"baudrate": "38400", "rtscts": "1"},
    )
    assert url.is_pyserial
    assert url.param_int("baudrate", 9600) == 38400
    assert url.param_bool("rtscts", False) is True


def test_serial_url_without_path_is_an_error() -> None:
    with pytest.raises(DeviceUrlError, match="missing device path"):
        parse_device_url("serial://")


def test_socket_url_is_a_pyserial_url_with_host_and_port() -> None:
    url = parse_device_url("socket://127.0.0.1:7000")
    assert (url.host, url.port, url.is_pyserial) == ("127.0.0.1", 7000, True)


def test_loop_url_is_a_pyserial_url() -> None:
    url = parse_device_url("loop://")
    assert (url.scheme, url.path, url.is_pyserial) == ("loop", "", True)


def test_usb_url_gives_vendor_and_product() -> None:
    url = parse_device_url("usb://04b8:0e15?interface=1")
    assert url.usb_ids() == (0x04B8, 0x0E15)
    assert url.param_int("interface", 0) == 1


@pytest.mark.parametrize(
    "raw",
    ["usb://04b8", "usb://", "usb://zzzz:0e15", "usb://-1:0e15", "usb://12345:1", "usb://1:2:3"],
)
def test_malformed_usb_ids_are_an_error_with_an_example(raw: str) -> None:
    with pytest.raises(DeviceUrlError, match="usb://04b8:0e15"):
        parse_device_url(raw)


def test_usb_ids_of_a_non_usb_url_is_an_error() -> None:
    with pytest.raises(DeviceUrlError, match="not a usb:// URL"):
        parse_device_url("tcp://h:1").usb_ids()


def test_file_url_gives_the_absolute_path() -> None:
    assert parse_device_url("file:///dev/usb/lp0").path == "/dev/usb/lp0"


def test_file_url_with_localhost_gives_the_absolute_path() -> None:
    assert parse_device_url("file://localhost/dev/usb/lp0").path == "/dev/usb/lp0"


def test_sim_url_is_simulated() -> None:
    url = parse_device_url("sim://")
    assert url.is_simulated
    assert not url.is_pyserial


def test_scheme_is_case_insensitive_and_white_space_is_dropped() -> None:
    url = parse_device_url("  TCP://printer:9100\n")
    assert (url.scheme, url.raw, str(url)) == ("tcp", "TCP://printer:9100", "TCP://printer:9100")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty device URL"),
        ("   ", "empty device URL"),
        ("/dev/usb/lp0", "is not a device URL"),
        ("ftp://host/x", "unknown scheme 'ftp'"),
    ],
)
def test_unusable_urls_say_what_a_correct_one_looks_like(raw: str, message: str) -> None:
    with pytest.raises(DeviceUrlError, match=message):
        parse_device_url(raw)


def test_device_url_error_is_a_device_error_and_a_value_error() -> None:
    with pytest.raises(DeviceError):
        parse_device_url("nope")
    with pytest.raises(ValueError):
        parse_device_url("nope")


def test_param_int_and_float_defaults_and_errors() -> None:
    url = DeviceUrl(raw="x://", scheme="x", params={"n": "12", "f": "0.5", "bad": "1.5.2"})
    assert url.param_int("n", 0) == 12
    assert url.param_int("missing", 7) == 7
    assert url.param_float("f", 0.0) == 0.5
    with pytest.raises(DeviceUrlError, match=re.escape("bad='1.5.2' is not a whole number")):
        url.param_int("bad", 0)
    with pytest.raises(DeviceUrlError, match=re.escape("bad='1.5.2' is not a number")):
        url.param_float("bad", 0.0)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_param_float_refuses_infinite_and_nan(value: str) -> None:
    url = DeviceUrl(raw="x://", scheme="x", params={"timeout": value})
    with pytest.raises(DeviceUrlError, match="not a finite number"):
        url.param_float("timeout", 1.0)


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("On", True), ("0", False), ("no", False)]
)
def test_param_bool_understands_common_spellings(value: str, expected: bool) -> None:
    assert (
        DeviceUrl(raw="x://", scheme="x", params={"b": value}).param_bool("b", not expected)
        is expected
    )

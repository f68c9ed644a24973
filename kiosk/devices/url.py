"""Device URLs: how config and the command line name a device (DESIGN §3).

Examples::

    tcp://192.0.2.10:9100              network printer (raw port 9100)
    serial:///dev/kiosk-printer?baudrate=38400
    socket://127.0.0.1:7000            any pyserial URL is a serial device too
    usb://04b8:0e15                    USB vendor:product (hex)
    file:///dev/usb/lp0                a character device written as a file
    hid:///dev/input/by-id/…-event-kbd a USB HID scanner, read grabbed through evdev
    sim://                             the simulator that ``kiosk demo`` starts itself
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from kiosk.errors import DeviceUrlError

# pyserial understands these itself (serial_for_url); we pass them through unchanged.
PYSERIAL_SCHEMES = frozenset({"socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110"})
_USB_ID = re.compile(r"[0-9A-Fa-f]{1,4}")
KNOWN_SCHEMES = (
    frozenset({"tcp", "serial", "usb", "file", "sim", "camera", "gpio", "hid"}) | PYSERIAL_SCHEMES
)


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL.

    Attributes:
        raw: the URL as written, without surrounding white space.
        scheme: lower-case scheme (``tcp``, ``serial``, ``usb``, ``file``, ``sim``…).
        host: host name for network schemes, else empty.
        port: port for network schemes, else None.
        path: device path for ``serial``/``file``, the instance name for ``sim``.
        params: query parameters (``baudrate=19200``, ``timeout=2``).
    """

    raw: str
    scheme: str
    host: str = ""
    port: int | None = None
    path: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @property
    def is_simulated(self) -> bool:
        """True for ``sim://``: the demo starts a simulator for it."""
        return self.scheme == "sim"

    @property
    def is_pyserial(self) -> bool:
        """True when the URL is handed to pyserial (``serial://`` or a pyserial scheme)."""
        return self.scheme == "serial" or self.scheme in PYSERIAL_SCHEMES

    def param_int(self, name: str, default: int) -> int:
        """An integer query parameter, or ``default``; a non-number is a clear error."""
        value = self.params.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise DeviceUrlError(
                f"{self.raw}: parameter {name}={value!r} is not a whole number"
            ) from None

    def param_float(self, name: str, default: float) -> float:
        """A decimal query parameter, or ``default``; a non-number is a clear error."""
        value = self.params.get(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise DeviceUrlError(
                f"{self.raw}: parameter {name}={value!r} is not a number"
            ) from None
        if not math.isfinite(number):
            raise DeviceUrlError(f"{self.raw}: parameter {name}={value!r} is not a finite number")
        return number

    def param_bool(self, name: str, default: bool) -> bool:
        """A yes/no query parameter (``1/0``, ``true/false``, ``yes/no``, ``on/off``)."""
        value = self.params.get(name)
        if value is None:
            return default
        if value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise DeviceUrlError(f"{self.raw}: parameter {name}={value!r} is not true or false")

    def usb_ids(self) -> tuple[int, int]:
        """``(vendor, product)`` of a ``usb://VID:PID`` URL."""
        if self.scheme != "usb":
            raise DeviceUrlError(f"{self.raw}: not a usb:// URL")
        problem = DeviceUrlError(
            f"{self.raw}: expected usb://VID:PID in hex, for example usb://04b8:0e15"
        )
        vid, sep, pid = self.host.partition(":")
        # NOTE: int(x, 16) alone would accept "-1", "0x…" and full-width digits.
        if not sep or not _USB_ID.fullmatch(vid) or not _USB_ID.fullmatch(pid):
            raise problem
        return int(vid, 16), int(pid, 16)

    def __str__(self) -> str:
        return self.raw


def parse_device_url(raw: str, *, default_port: int | None = None) -> DeviceUrl:
    """Parse and check a device URL.

    Args:
        raw: the URL text.
        default_port: port to use for ``tcp://host`` without one (9100 for printers).

    Raises:
        DeviceUrlError: the URL is empty, has an unknown scheme or misses a part it needs;
            the message says what a correct URL looks like.
    """
    text = raw.strip()
    if not text:
        raise DeviceUrlError("empty device URL; expected for example tcp://192.0.2.10:9100")
    if "://" not in text:
        raise DeviceUrlError(
            f"{raw!r} is not a device URL; expected scheme://…, for example "
            "tcp://192.0.2.10:9100, serial:///dev/kiosk-printer?baudrate=38400 or sim://"
        )
    scheme = text.split("://", 1)[0].lower()
    if scheme not in KNOWN_SCHEMES:
        known = ", ".join(sorted(KNOWN_SCHEMES))
        raise DeviceUrlError(f"{raw!r}: unknown scheme {scheme!r}; known schemes: {known}")
    if scheme == "usb":
        # urlsplit would read "04b8:0e15" as host:port; keep it as one token.
        rest = text.split("://", 1)[1]
        ids, _, query = rest.partition("?")
        url = DeviceUrl(raw=text, scheme=scheme, host=ids.strip("/"), params=dict(parse_qsl(query)))
        url.usb_ids()
        return url
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # for example an unclosed IPv6 bracket
        raise DeviceUrlError(f"{raw!r}: {exc}") from None
    params = dict(parse_qsl(parts.query))
    if scheme in ("tcp", "socket", "rfc2217"):
        if not parts.hostname:
            raise DeviceUrlError(f"{raw!r}: missing host; expected {scheme}://HOST:PORT")
        try:
            port = parts.port
        except ValueError:
            raise DeviceUrlError(f"{raw!r}: port is not a number from 1 to 65535") from None
        if port is None:
            port = default_port
        if port is None:
            raise DeviceUrlError(f"{raw!r}: missing port; expected {scheme}://HOST:PORT")
        if not 1 <= port <= 65535:
            raise DeviceUrlError(f"{raw!r}: port is not a number from 1 to 65535")
        return DeviceUrl(raw=text, scheme=scheme, host=parts.hostname, port=port, params=params)
    if scheme in ("serial", "file"):
        netloc = parts.netloc
        if scheme == "file" and netloc.lower() == "localhost":
            netloc = ""  # file://localhost/dev/usb/lp0 is file:///dev/usb/lp0
        path = netloc + parts.path
        if not path:
            raise DeviceUrlError(
                f"{raw!r}: missing device path; expected {scheme}:///dev/kiosk-printer"
            )
        return DeviceUrl(raw=text, scheme=scheme, path=path, params=params)
    # sim://NAME, camera://0, gpio://17, loop://, spy://… keep netloc+path as the path.
    return DeviceUrl(
        raw=text, scheme=scheme, host=parts.netloc, path=parts.netloc + parts.path, params=params
    )


# -- what each device reads from its URL, checked with the config ---------------------------

ParamCheck = Callable[[str], str | None]
"""Returns why a parameter's value is not allowed, or None when it is."""


def _whole(low: int, high: int | None = None) -> ParamCheck:
    def check(value: str) -> str | None:
        try:
            number = int(value)
        except ValueError:
            return "is not a whole number"
        if number < low or (high is not None and number > high):
            return f"must be {low} to {high}" if high is not None else f"must be at least {low}"
        return None

    return check


def _number(low: float, *, above: bool) -> ParamCheck:
    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return "is not a number"
        if not math.isfinite(number):
            return "is not a finite number"
        if number < low or (above and number == low):
            return f"must be {'above' if above else 'at least'} {low:g}"
        return None

    return check


def _choice(*allowed: str) -> ParamCheck:
    def check(value: str) -> str | None:
        if value.upper() in {a.upper() for a in allowed}:
            return None
        return f"is not one of {', '.join(allowed)}"

    return check


def _boolean(value: str) -> str | None:
    if value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return None
    return "is not true or false (1/0, true/false, yes/no, on/off)"


def _text(value: str) -> str | None:
    return None


# NOTE: pyserial's own names and values (serial.Serial's arguments), as the transport
# (kiosk.devices.transport) hands them over; "timeout" is the connect and write timeout.
SERIAL_LINE_CHECKS: Mapping[str, ParamCheck] = {
    "baudrate": _whole(1),
    "bytesize": _whole(5, 8),
    "parity": _choice("N", "E", "O", "M", "S"),
    "stopbits": _choice("1", "1.5", "2"),
    "rtscts": _boolean,
    "xonxoff": _boolean,
    "dsrdtr": _boolean,
    "timeout": _number(0, above=True),
}
_SIZE = _whole(1)

# NOTE: the names each device's factory reads (kiosk/devices/*/factory.py, the transports);
# tests/devices/test_device_url_params.py keeps them in step with the drivers' own lists.
DEVICE_PARAMS: Mapping[str, Mapping[str, ParamCheck]] = {
    "printer": {**SERIAL_LINE_CHECKS, "interface": _whole(0)},
    "scanner": {
        **SERIAL_LINE_CHECKS,
        "suffix": _choice("cr", "crlf", "lf", "none"),
        "idle_timeout": _number(0, above=False),
        "repeat_window": _number(0, above=False),
        "name": _text,
        "decoder": _choice("zxing", "pyzbar", "opencv", "opencv-aruco"),
        "decode_budget_ms": _number(0, above=True),
        "width": _SIZE,
        "height": _SIZE,
    },
    "locker": {
        **SERIAL_LINE_CHECKS,
        "boards": _whole(1, 10),
        "locks_per_board": _whole(1, 16),
        "locked_bit": _choice("0", "1"),
        "pulse_ms": _whole(1),
        "reply_timeout": _number(0, above=True),
        "retries": _whole(0),
        "doors": _text,  # gpio://?doors=… is checked by the locker factory's own parser
        "active_high": _boolean,
        "switch_pull_up": _boolean,
        "item_pull_up": _boolean,
    },
    "camera": {"width": _SIZE, "height": _SIZE, "still_width": _SIZE, "still_height": _SIZE},
}

DEVICE_SCHEMES: Mapping[str, frozenset[str]] = {
    "printer": frozenset({"tcp", "serial", "usb", "file", "sim"}) | PYSERIAL_SCHEMES,
    "scanner": frozenset({"tcp", "serial", "camera", "hid", "sim"}) | PYSERIAL_SCHEMES,
    "locker": frozenset({"serial", "gpio", "sim"}) | PYSERIAL_SCHEMES,
    "camera": frozenset({"camera", "file", "sim"}),
}
"""The schemes each device can be reached by."""


def check_device_url(url: DeviceUrl, device: str) -> None:
    """Check that ``url`` can name this kind of device and that its parameters are valid.

    Every parameter the device reads is checked against the values it takes (pyserial's
    line settings: ``baudrate`` a whole number above 0, ``bytesize`` 5-8, ``parity``
    N/E/O/M/S, ``stopbits`` 1/1.5/2, ``timeout`` a number above 0…); a ``camera://`` URL
    names an index (a whole number) or a device path. A name the device does not read is
    refused (a typo would be ignored silently), except on pyserial's own URLs
    (``socket://…?logging=debug``), whose extra options pyserial takes.

    Args:
        url: the parsed URL.
        device: ``printer``, ``scanner``, ``locker`` or ``camera``.

    Raises:
        DeviceUrlError: the message names the URL, the parameter, its value and what is
            allowed.
        KeyError: an unknown ``device``.
    """
    checks = DEVICE_PARAMS[device]
    schemes = DEVICE_SCHEMES[device]
    if url.scheme not in schemes:
        raise DeviceUrlError(
            f"{url.raw}: a {device} cannot be a {url.scheme}:// device; "
            f"use {', '.join(f'{s}://' for s in sorted(schemes))}"
        )
    if url.scheme == "camera" and url.path and not (url.path.isdigit() or url.path[0] == "/"):
        raise DeviceUrlError(
            f"{url.raw}: camera {url.path!r} is not an index; expected camera://0 (a whole "
            "number: /dev/video0) or camera:///dev/kiosk-camera"
        )
    for name, value in url.params.items():
        check = checks.get(name)
        if check is None:
            if url.scheme in PYSERIAL_SCHEMES:
                continue  # pyserial's own URL options (it refuses the ones it does not know)
            raise DeviceUrlError(
                f"{url.raw}: parameter {name!r} is not one a {device} reads; "
                f"known: {', '.join(sorted(checks))}"
            )
        problem = check(value)
        if problem is not None:
            raise DeviceUrlError(f"{url.raw}: parameter {name}={value!r} {problem}")

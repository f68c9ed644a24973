"""Build a code scanner from its URL and settings (the composition root calls this).

=======================================================  ======================================
URL                                                      scanner
=======================================================  ======================================
``serial:///dev/kiosk-scanner?baudrate=9600&suffix=cr``  :class:`SerialScanner`
``socket://127.0.0.1:7000`` (the simulator), any          :class:`SerialScanner`
pyserial URL, ``tcp://host:port`` (read as ``socket://``)
``camera://0``, ``camera:///dev/video0?decoder=pyzbar``  :class:`CameraScanner`
``hid:///dev/input/by-id/usb-…-event-kbd``               :class:`HidScanner` (grabbed)
=======================================================  ======================================

URL parameters ``suffix``, ``idle_timeout``, ``repeat_window`` and ``decoder`` override the
settings for that one scanner. ``decode_budget_ms`` (camera, zxing) is the CPU time a frame may
take before the decoder stops its extra looks: 8 ms fits this project's x86 machines; a
Raspberry Pi core is about twice as slow, so ``camera://0?decode_budget_ms=16`` keeps its reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.devices.scanner.camera_scanner import CameraScanner
from kiosk.devices.scanner.decoders import (
    DEFAULT_BUDGET_MS,
    DEFAULT_DECODER,
    ZxingDecoder,
    make_decoder,
)
from kiosk.devices.scanner.framing import Suffix
from kiosk.devices.scanner.hid_scanner import HidScanner
from kiosk.devices.scanner.protocol import CodeScanner
from kiosk.devices.scanner.reconnecting import DEFAULT_REOPEN_BACKOFF_S
from kiosk.devices.scanner.repeat_filter import DEFAULT_REPEAT_WINDOW_S
from kiosk.devices.scanner.serial_scanner import DEFAULT_STALE_LINE_S, SerialScanner
from kiosk.devices.url import parse_device_url
from kiosk.errors import ConfigError, DeviceUrlError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScannerSettings:
    """How scanners behave (the URL says where they are).

    Attributes:
        name: device name in health reports and on each code.
        suffix: serial suffix: ``cr``, ``crlf``, ``lf`` or ``none``.
        idle_timeout_s: with suffix ``none``, the silence that ends a code.
        stale_line_s: with a suffix, the silence after which a partial line is dropped.
        repeat_window_s: the same code within this many seconds is one scan.
        reopen_backoff_s: ``(first, longest)`` seconds between attempts to open a lost device.
        decoder: camera QR decoder: ``zxing`` (default), ``pyzbar``, ``opencv``,
            ``opencv-aruco``.
        frame_interval_s: camera: least time between decoded frames.
    """

    name: str = "scanner"
    suffix: str = Suffix.CR.value
    idle_timeout_s: float = 0.05
    stale_line_s: float = DEFAULT_STALE_LINE_S
    repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S
    reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S
    decoder: str = DEFAULT_DECODER
    frame_interval_s: float = 0.0


def open_scanner(url: str, settings: ScannerSettings | None = None) -> CodeScanner:
    """Build the scanner a URL names; it starts reading on ``start()``.

    Raises:
        DeviceUrlError: a malformed URL, ``sim://`` (resolve it to the simulator's
            ``socket://`` address first), or a scheme that cannot be a scanner.
        ConfigError: an unknown suffix or decoder.
    """
    settings = settings or ScannerSettings()
    parsed = parse_device_url(url)
    suffix = parsed.params.get("suffix", settings.suffix).lower()
    if suffix not in {s.value for s in Suffix}:
        raise ConfigError("scanner.suffix", suffix, "expected cr, crlf, lf or none")
    repeat_window_s = parsed.param_float("repeat_window", settings.repeat_window_s)
    if parsed.is_simulated:
        raise DeviceUrlError(
            f"{parsed.raw}: start the scanner simulator and pass its socket:// address instead"
        )
    if parsed.scheme == "camera":
        decoder = make_decoder(parsed.params.get("decoder", settings.decoder))
        if isinstance(decoder, ZxingDecoder):
            decoder.budget_ms = parsed.param_float("decode_budget_ms", DEFAULT_BUDGET_MS)
        logger.info("scanner %s: camera %s, decoder %s", settings.name, parsed.raw, decoder.name)
        return CameraScanner(
            parsed.raw,
            name=settings.name,
            decoder=decoder,
            repeat_window_s=repeat_window_s,
            reopen_backoff_s=settings.reopen_backoff_s,
            frame_interval_s=settings.frame_interval_s,
        )
    if parsed.scheme == "hid":
        logger.info("scanner %s: USB HID %s (grabbed)", settings.name, parsed.path)
        return HidScanner(
            parsed.raw,
            name=settings.name,
            repeat_window_s=repeat_window_s,
            reopen_backoff_s=settings.reopen_backoff_s,
        )
    if parsed.is_pyserial or parsed.scheme == "tcp":
        logger.info("scanner %s: serial %s, suffix %s", settings.name, parsed.raw, suffix)
        return SerialScanner(
            parsed.raw,
            name=settings.name,
            suffix=suffix,
            idle_timeout_s=parsed.param_float("idle_timeout", settings.idle_timeout_s),
            stale_line_s=settings.stale_line_s,
            repeat_window_s=repeat_window_s,
            reopen_backoff_s=settings.reopen_backoff_s,
        )
    raise DeviceUrlError(
        f"{parsed.raw}: scheme {parsed.scheme!r} cannot be a scanner; use serial://, socket://, "
        "camera:// or hid://"
    )

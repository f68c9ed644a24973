"""The devices a ``kiosk diag`` command opens, one by one, and the clock check.

NOTE: every import of a driver is inside its function: ``kiosk run`` builds the diag parser
too, and its cold start must not pay for OpenCV, pyserial or the ticket layout.
"""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from typing import Any

from kiosk.config import KioskConfig
from kiosk.devices.health import HealthBoard
from kiosk.diag.context import Setup
from kiosk.errors import UnknownSelfTestError


def open_printer(config: KioskConfig, url: str) -> Any:
    """The printer at ``url``, with the configured profile."""
    from kiosk.device_opening import open_configured_printer

    return open_configured_printer(config, url)


def open_locker(config: KioskConfig, url: str) -> Any:
    """The locker at ``url``, with the configured boards and doors."""
    from kiosk.device_opening import open_configured_locker

    return open_configured_locker(config, url)


def open_scanner(config: KioskConfig, url: str) -> Any:
    """The scanner at ``url`` (not started), with the configured suffix and repeat window."""
    from kiosk.devices.scanner import factory

    return factory.open_scanner(
        url,
        factory.ScannerSettings(
            suffix=config.scanner.suffix, repeat_window_s=config.scanner.repeat_window_s
        ),
    )


def open_camera(url: str, board: HealthBoard) -> Any:
    """The camera at ``url``, reporting its health on ``board``."""
    from kiosk.devices.camera.factory import open_camera

    return open_camera(url, on_health=board.report)


def check_clock(board: HealthBoard) -> None:
    """Report the clock's synchronisation on ``board`` (read-only)."""
    from kiosk.core.clock import SystemClock
    from kiosk.core.clock_guard import ClockGuard
    from kiosk.devices.clock.adjtimex import AdjtimexClockSync

    ClockGuard(AdjtimexClockSync(), SystemClock(), health=board).check()


def open_mount(setup: Setup, board: HealthBoard, stack: ExitStack) -> Any:
    """The configured camera mount, not homed at start (its test homes it).

    Raises:
        UnknownSelfTestError: no mount is configured.
    """
    mc = setup.config.photo.mount
    if not mc.enabled:
        raise UnknownSelfTestError("no camera mount configured ([photo.mount] enabled)")
    from kiosk.devices.camera_mount.factory import build_camera_mount

    settings = dataclasses.replace(mc.settings, home_at_start=False)
    mount = build_camera_mount(settings, None, on_health=board.report)
    stack.callback(mount.close)
    return mount

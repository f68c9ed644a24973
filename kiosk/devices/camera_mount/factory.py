"""Build the camera mount from its settings (the composition root and the demo call this)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.camera_mount.settings import CameraMountSettings
from kiosk.devices.camera_mount.stepper_driver import HealthCallback, StepperCameraMount

__all__ = ["CameraMountSettings", "build_camera_mount"]

logger = logging.getLogger(__name__)


def build_camera_mount(
    settings: CameraMountSettings,
    pin_factory: Any = None,
    *,
    on_health: HealthCallback | None = None,
    sleep: Callable[[float], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CameraMount:
    """The mount the settings describe; homing starts at once (``home_at_start``).

    Args:
        settings: pins and mechanics.
        pin_factory: gpiozero pin factory (None: gpiozero's default; the demo and the tests
            pass a ``MockFactory`` with the mechanism simulator attached).
        on_health: called ``(name, health)`` on every change.
        sleep: the wait between steps (tests only; None is a real, stoppable wait).
        clock: monotonic seconds for the step deadlines (tests pass one ``sleep`` advances).

    Raises:
        CameraMountError: the GPIO pins could not be claimed.
        ValueError: a setting out of range (``default_mm`` outside the soft limits included).
    """
    mount = StepperCameraMount(
        step_pin=settings.step_pin,
        dir_pin=settings.dir_pin,
        enable_pin=settings.enable_pin,
        limit_pin=settings.limit_pin,
        stall_pin=settings.stall_pin,
        steps_per_mm=settings.steps_per_mm,
        travel_mm=settings.travel_mm,
        margin_mm=settings.margin_mm,
        max_speed_mm_s=settings.max_speed_mm_s,
        accel_mm_s2=settings.accel_mm_s2,
        homing_speed_mm_s=settings.homing_speed_mm_s,
        dir_up_high=settings.dir_up_high,
        stall_active_high=settings.stall_active_high,
        pin_factory=pin_factory,
        name=settings.name,
        on_health=on_health,
        sleep=sleep,
        clock=clock,
    )
    low, high = mount.limits
    if not low <= settings.default_mm <= high:
        mount.close()
        raise ValueError(
            f"{settings.name}: default_mm {settings.default_mm} is outside the soft limits "
            f"{low:.0f}-{high:.0f} mm"
        )
    if settings.home_at_start:
        mount.home(then_mm=settings.default_mm)
        logger.info("%s: homing, then to %.0f mm", settings.name, settings.default_mm)
    return mount

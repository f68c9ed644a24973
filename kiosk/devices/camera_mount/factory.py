"""Build the camera mount from its settings (the composition root and the demo call this)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.camera_mount.stepper_driver import HealthCallback, StepperCameraMount

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraMountSettings:
    """A stepper-driven camera mount on GPIO (config section ``[photo.mount]``).

    Attributes:
        step_pin: BCM pin wired to the driver board's STEP.
        dir_pin: BCM pin wired to DIR.
        enable_pin: BCM pin wired to EN (active low).
        limit_pin: BCM pin of the lower limit switch (closes to ground).
        stall_pin: BCM pin of TMC2209 DIAG (or DRV8825 nFAULT); None when not wired.
        steps_per_mm: (micro)steps per mm of travel (T8 lead screw, 1.8° motor: 25 full steps).
        travel_mm: usable travel above the limit switch.
        margin_mm: the soft limits keep this far from both ends.
        max_speed_mm_s: cruise speed.
        accel_mm_s2: ramp acceleration.
        homing_speed_mm_s: speed towards the limit switch.
        default_mm: where the camera waits when nobody is there (homing ends here).
        dir_up_high: DIR high moves the camera up.
        stall_active_high: the stall output is active high (TMC2209 DIAG).
        home_at_start: start homing when built (the kiosk does; ``kiosk diag`` may not).
        name: device name in health reports and logs.
    """

    step_pin: int = 20
    dir_pin: int = 21
    enable_pin: int = 16
    limit_pin: int = 26
    stall_pin: int | None = 19
    steps_per_mm: float = 25.0
    travel_mm: float = 400.0
    margin_mm: float = 5.0
    max_speed_mm_s: float = 40.0
    accel_mm_s2: float = 120.0
    homing_speed_mm_s: float = 15.0
    default_mm: float = 250.0
    dir_up_high: bool = True
    stall_active_high: bool = True
    home_at_start: bool = True
    name: str = "camera_mount"


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

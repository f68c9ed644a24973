"""The camera mount's settings: plain data, so the config can hold them without loading
gpiozero (the driver is imported only when a mount is built)."""

from __future__ import annotations

from dataclasses import dataclass


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

"""A camera carriage on a lead screw, driven by a stepper driver board on GPIO (gpiozero).

Wiring (BCM numbering, 3.3 V logic; the board's VMOT from the motor supply, its logic VDD
from the Pi's 3.3 V, grounds joined):

========  =====  ==============================================================================
signal    dir    what it is
========  =====  ==============================================================================
STEP      out    STEP of an A4988 / DRV8825 / TMC2209 board: one rising edge = one (micro)step
DIR       out    DIR: high = up by default (``dir_up_high=False`` if the motor turns the other
                 way)
ENABLE    out    EN (active low on all three boards): the motor is energised only while it
                 moves. A lead screw is self-locking, so a released motor keeps its position
                 and stays cool.
LIMIT     in     a micro-switch at the bottom of the rail closing to ground (internal pull-up:
                 pressed reads low); its trip point is 0 mm
STALL     in     optional: TMC2209 DIAG (StallGuard, active high) or DRV8825 nFAULT (active
                 low: ``stall_active_high=False``)
========  =====  ==============================================================================

Protocol facts: STEP high for at least 1 µs (A4988), 1.9 µs (DRV8825), 0.1 µs (TMC2209), DIR
set 0.2-0.65 µs before the edge; one gpiozero call on a Pi takes several µs, so no explicit
wait is needed. Steps are timed in software against deadlines, with a trapezoidal ramp
(``start_speed`` → ``max_speed`` at ``accel``); a new target while moving is approached
without a jolt (decelerate, reverse). Software timing holds up to about 2,000 steps/s on a
Pi 4/5: 25 steps/mm (T8 lead screw, 1.8° motor, full steps) x 40 mm/s = 1,000 steps/s.

The position is counted in steps (open loop): it is trusted only after homing, and it is
declared lost (``fault``) when the limit switch closes away from home
(``mount_position_lost``) or the board reports a stall (``mount_stalled``). Homing runs at
start: down at ``homing_speed`` until the switch closes (not within the travel:
``mount_not_homed``), back off until it opens (not within ``backoff_mm``:
``limit_switch_stuck``).

The pin back-end is injected (``pin_factory``; gpiozero's default, lgpio on a Pi 5, when None;
:class:`gpiozero.pins.mock.MockFactory` with the mechanism simulator in tests and the demo).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from kiosk.devices.camera_mount.protocol import (
    REASON_GPIO_ERROR,
    REASON_HOMING,
    REASON_NOT_CHECKED,
    REASON_NOT_HOMED,
    REASON_POSITION_LOST,
    REASON_STALLED,
    REASON_SWITCH_STUCK,
    CameraMountError,
    MountLimitError,
    MountNotReadyError,
)
from kiosk.devices.health import Health, HealthState

logger = logging.getLogger(__name__)

HealthCallback = Callable[[str, Health], object]

UP = 1
DOWN = -1


class _MotionFaultError(Exception):
    """A condition found on the motion thread that ends the motion with a fault."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _MotionStoppedError(Exception):
    """:meth:`StepperCameraMount.stop` ended the motion."""


class StepperCameraMount:
    """Implements :class:`~kiosk.devices.camera_mount.protocol.CameraMount` (module docstring).

    Args:
        step_pin: BCM pin wired to STEP.
        dir_pin: BCM pin wired to DIR.
        enable_pin: BCM pin wired to EN.
        limit_pin: BCM pin of the lower limit switch.
        stall_pin: BCM pin of the board's DIAG / nFAULT output, None when not wired.
        steps_per_mm: (micro)steps per mm of carriage travel.
        travel_mm: usable travel above the switch's trip point.
        margin_mm: the soft limits keep this far from both ends.
        max_speed_mm_s: cruise speed.
        accel_mm_s2: ramp acceleration (and deceleration).
        start_speed_mm_s: the speed the motor can start and stop at without a ramp.
        homing_speed_mm_s: speed towards the limit switch.
        backoff_mm: how far the carriage may back off before the switch must open.
        switch_tolerance_mm: the switch may read pressed up to this counted height.
        dir_up_high: DIR high moves the carriage up.
        enable_active_low: EN low energises the motor (A4988, DRV8825, TMC2209).
        limit_pull_up: the switch closes to ground (True) or to 3.3 V with a pull-down.
        stall_active_high: the stall output is active high (TMC2209 DIAG); False for nFAULT.
        pin_factory: gpiozero pin factory; None uses gpiozero's default.
        name: device name in health reports and logs.
        on_health: called ``(name, health)`` on every change (any thread; must only enqueue).
        sleep: waits ``seconds`` between steps; default a wait that :meth:`stop` cuts short
            (tests pass a no-op or a gate).
        clock: monotonic seconds for the step deadlines (tests pass one their sleep advances).

    Raises:
        CameraMountError: a pin could not be claimed (``fault/gpio_error``).
        ValueError: a setting out of range or a pin used twice.
    """

    def __init__(
        self,
        *,
        step_pin: int,
        dir_pin: int,
        enable_pin: int,
        limit_pin: int,
        stall_pin: int | None = None,
        steps_per_mm: float = 25.0,
        travel_mm: float = 400.0,
        margin_mm: float = 5.0,
        max_speed_mm_s: float = 40.0,
        accel_mm_s2: float = 120.0,
        start_speed_mm_s: float = 4.0,
        homing_speed_mm_s: float = 15.0,
        backoff_mm: float = 10.0,
        switch_tolerance_mm: float = 1.0,
        dir_up_high: bool = True,
        enable_active_low: bool = True,
        limit_pull_up: bool = True,
        stall_active_high: bool = True,
        pin_factory: Any = None,
        name: str = "camera_mount",
        on_health: HealthCallback | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pins = [p for p in (step_pin, dir_pin, enable_pin, limit_pin, stall_pin) if p is not None]
        if len(pins) != len(set(pins)):
            raise ValueError(f"{name}: a GPIO pin is used twice in {pins}")
        if steps_per_mm <= 0 or travel_mm <= 2 * margin_mm or margin_mm <= switch_tolerance_mm:
            raise ValueError(
                f"{name}: need steps_per_mm > 0 and travel_mm > 2 x margin_mm > 2 x "
                f"switch_tolerance_mm; got {steps_per_mm}, {travel_mm}, {margin_mm}, "
                f"{switch_tolerance_mm}"
            )
        if not 0 < start_speed_mm_s <= min(max_speed_mm_s, homing_speed_mm_s) or accel_mm_s2 <= 0:
            raise ValueError(
                f"{name}: need 0 < start_speed_mm_s <= max and homing speed, accel > 0; got "
                f"{start_speed_mm_s}, {max_speed_mm_s}, {homing_speed_mm_s}, {accel_mm_s2}"
            )
        self.name = name
        self.steps_per_mm = steps_per_mm
        self.travel_mm = travel_mm
        self.margin_mm = margin_mm
        self.switch_tolerance_mm = switch_tolerance_mm
        self.backoff_mm = backoff_mm
        self._v_max = max_speed_mm_s * steps_per_mm
        self._v_min = start_speed_mm_s * steps_per_mm
        self._v_home = homing_speed_mm_s * steps_per_mm
        self._accel = accel_mm_s2 * steps_per_mm
        self._dir_up_high = dir_up_high
        self._on_health = on_health
        self._wake = threading.Event()
        self._sleep: Callable[[float], object] = sleep if sleep is not None else self._wake.wait
        self._clock = clock
        self._cond = threading.Condition()
        self._health_lock = threading.Lock()
        self._health = Health(HealthState.UNKNOWN, REASON_NOT_CHECKED, f"{name}: not homed yet")
        # Motion state, guarded by _cond.
        self._pos = 0
        self._target: int | None = None
        self._pending: str | None = None  # "home" or "move", picked up by the motion thread
        self._home_then: int | None = None
        self._moving = False
        self._homed = False
        self._stop_requested = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._dir_level: bool | None = None
        self._next_step_at = 0.0
        self._devices: list[DigitalOutputDevice | DigitalInputDevice] = []
        try:
            self._step = self._claim(DigitalOutputDevice(step_pin, pin_factory=pin_factory))
            self._dir = self._claim(DigitalOutputDevice(dir_pin, pin_factory=pin_factory))
            self._enable = self._claim(
                DigitalOutputDevice(
                    enable_pin,
                    active_high=not enable_active_low,
                    initial_value=False,
                    pin_factory=pin_factory,
                )
            )
            self._limit = self._claim(
                DigitalInputDevice(limit_pin, pull_up=limit_pull_up, pin_factory=pin_factory)
            )
            self._stall: DigitalInputDevice | None = None
            if stall_pin is not None:
                self._stall = self._claim(
                    DigitalInputDevice(
                        stall_pin, pull_up=not stall_active_high, pin_factory=pin_factory
                    )
                )
        except GPIOZeroError as exc:
            self._close_devices()
            health = Health(HealthState.FAULT, REASON_GPIO_ERROR, f"{name}: {exc}")
            raise CameraMountError(f"{name}: cannot claim GPIO pins: {exc}", health) from exc
        logger.info(
            "%s: stepper mount on GPIO STEP %d DIR %d EN %d LIMIT %d STALL %s; %.1f steps/mm, "
            "travel %.0f mm, %.0f mm/s",
            name,
            step_pin,
            dir_pin,
            enable_pin,
            limit_pin,
            stall_pin if stall_pin is not None else "-",
            steps_per_mm,
            travel_mm,
            max_speed_mm_s,
        )

    def _claim(self, device: Any) -> Any:
        self._devices.append(device)
        return device

    # -- state ---------------------------------------------------------------------------------

    @property
    def position_mm(self) -> float:
        """Where the carriage is now, counted from the switch's trip point."""
        with self._cond:
            return self._pos / self.steps_per_mm

    @property
    def target_mm(self) -> float | None:
        """Where it is going (None when it is not moving)."""
        with self._cond:
            if self._target is None or not self._moving:
                return None
            return self._target / self.steps_per_mm

    @property
    def limits(self) -> tuple[float, float]:
        """The soft limits ``(lowest, highest)`` in mm."""
        return (self.margin_mm, self.travel_mm - self.margin_mm)

    @property
    def moving(self) -> bool:
        """True while the motor turns (a move or homing)."""
        with self._cond:
            return self._moving or self._pending is not None

    @property
    def homed(self) -> bool:
        """True once homing succeeded and nothing has lost the position since."""
        with self._cond:
            return self._homed

    @property
    def health(self) -> Health:
        """The mount's health now."""
        with self._health_lock:
            return self._health

    # -- commands ------------------------------------------------------------------------------

    def home(self, *, then_mm: float | None = None) -> None:
        """Start homing (down to the switch, back off), then go to ``then_mm`` if given.

        Raises:
            MountLimitError: ``then_mm`` is outside the soft limits.
            CameraMountError: the mount is closed.
        """
        then = None if then_mm is None else self._steps_within_limits(then_mm)
        with self._cond:
            self._check_open()
            self._homed = False
            self._target = None
            self._home_then = then
            self._pending = "home"
            self._start_thread()
            self._cond.notify_all()
        self._set_health(Health(HealthState.UNKNOWN, REASON_HOMING, f"{self.name}: homing"))

    def move_to(self, mm: float) -> None:
        """Start moving to ``mm``; a new target replaces the one being approached.

        Raises:
            MountLimitError: ``mm`` is outside :attr:`limits`.
            MountNotReadyError: not homed (yet), homing, or in fault.
        """
        steps = self._steps_within_limits(mm)
        with self._cond:
            self._check_ready()
            self._target = steps
            if not self._moving and self._pending is None:
                self._pending = "move"
                self._start_thread()
            self._cond.notify_all()

    def nudge(self, delta_mm: float) -> float:
        """Move by ``delta_mm`` from the current target (or position), clamped to the limits.

        Raises:
            MountNotReadyError: not homed (yet), homing, or in fault.
        """
        with self._cond:
            self._check_ready()
            base = self._target if self._moving and self._target is not None else self._pos
        low, high = self.limits
        goal = min(high, max(low, base / self.steps_per_mm + delta_mm))
        self.move_to(goal)
        return goal

    def stop(self) -> None:
        """Stop at once (at the next step); the motor is released. Homing left undone."""
        with self._cond:
            self._stop_requested = self._moving or self._pending is not None
            self._pending = None
            self._target = None
            self._home_then = None
            self._wake.set()
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self.wait_idle(timeout=2.0)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the motor stands still; True when it does."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._moving and self._pending is None, timeout=timeout
            )

    def close(self) -> None:
        """Stop, release the motor and the pins (the motion thread ends)."""
        self.stop()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        with self._cond:
            self._close_devices()

    # -- the motion thread ---------------------------------------------------------------------

    def _start_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name=f"{self.name}-motion", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and self._pending is None:
                    self._cond.wait()
                if self._closed:
                    return
                job, self._pending = self._pending, None
                self._moving = True
                self._stop_requested = False
                self._wake.clear()
            self._run_job(job)

    def _run_job(self, job: str | None) -> None:
        try:
            self._enable.on()
            self._next_step_at = self._clock()
            if job == "home":
                self._do_home()
            self._do_move()
        except _MotionStoppedError:
            logger.info("%s: stopped at %.1f mm", self.name, self.position_mm)
            if job == "home" and not self.homed:
                self._set_health(
                    Health(HealthState.UNKNOWN, REASON_NOT_CHECKED, f"{self.name}: homing stopped")
                )
        except _MotionFaultError as fault:
            with self._cond:
                self._homed = False
            logger.warning("%s: %s: %s", self.name, fault.reason, fault.detail)
            self._set_health(Health(HealthState.FAULT, fault.reason, fault.detail))
        except GPIOZeroError as exc:
            with self._cond:
                self._homed = False
            logger.warning("%s: GPIO failed: %s", self.name, exc)
            self._set_health(Health(HealthState.FAULT, REASON_GPIO_ERROR, f"{self.name}: {exc}"))
        finally:
            with self._cond:
                if self._moving:
                    self._finish_locked()

    def _finish_locked(self) -> None:
        """End the motion (the lock is held): release the motor, wake :meth:`wait_idle`.

        NOTE: done in one critical section with the arrival check, so a :meth:`move_to`
        arriving meanwhile either retargets this motion or queues a new one, never neither.
        """
        try:
            self._enable.off()
        except GPIOZeroError:
            logger.exception("%s: the motor could not be released", self.name)
        self._target = None
        self._moving = False
        self._cond.notify_all()

    def _do_home(self) -> None:
        """Down to the switch, back off until it opens; position 0 = its trip point."""
        search = math.ceil((self.travel_mm + 2 * self.margin_mm) * self.steps_per_mm)
        steps = 0
        speed = self._v_min
        while not self._limit.is_active:
            if steps >= search:
                raise _MotionFaultError(
                    REASON_NOT_HOMED,
                    f"{self.name}: limit switch not reached within {search / self.steps_per_mm:.0f}"
                    " mm of travel (switch or its cable missing, or the carriage jammed)",
                )
            speed = min(self._v_home, math.sqrt(speed * speed + 2 * self._accel))
            self._step_once(DOWN, speed)
            steps += 1
            if self._stall is not None and self._stall.is_active:
                raise _MotionFaultError(
                    REASON_NOT_HOMED,
                    f"{self.name}: the carriage stalled {steps / self.steps_per_mm:.0f} mm down "
                    "before the limit switch closed (switch missing, or the carriage blocked)",
                )
        with self._cond:
            self._pos = 0
        backoff = math.ceil(self.backoff_mm * self.steps_per_mm)
        released = 0
        while self._limit.is_active:
            if released >= backoff:
                raise _MotionFaultError(
                    REASON_SWITCH_STUCK,
                    f"{self.name}: limit switch still pressed {self.backoff_mm:.0f} mm above "
                    "its trip point (switch stuck or shorted, or the carriage jammed)",
                )
            self._step_once(UP, self._v_min)
            released += 1
            self._check_stall()
        with self._cond:
            self._homed = True
            self._target = self._home_then if self._home_then is not None else self._pos
            self._home_then = None
        logger.info(
            "%s: homed (switch found after %.1f mm, released %.1f mm above)",
            self.name,
            steps / self.steps_per_mm,
            released / self.steps_per_mm,
        )
        self._set_health(Health(HealthState.OK))

    def _do_move(self) -> None:
        """Approach the (changing) target with a trapezoidal ramp until it is reached."""
        v = 0.0
        cur = 0
        v_min, a = self._v_min, self._accel
        # A speed from which one more step of deceleration reaches the start speed: the motor
        # can stop (or turn round) here.
        stoppable = v_min * v_min + 2 * a + 1e-9
        while True:
            with self._cond:
                if self._stop_requested:
                    raise _MotionStoppedError
                target = self._target
                dist = 0 if target is None else target - self._pos
                if dist == 0 and v * v <= stoppable:
                    self._finish_locked()
                    return
            want = (dist > 0) - (dist < 0)
            if cur != 0 and want != cur and v * v > stoppable:
                v = math.sqrt(max(v_min * v_min, v * v - 2 * a))  # slow down before reversing
            else:
                cur = want
                stopping = (v * v - v_min * v_min) / (2 * a)
                if v < v_min:
                    v = v_min
                elif stopping >= abs(dist) - 1:
                    v = math.sqrt(max(v_min * v_min, v * v - 2 * a))
                else:
                    v = min(self._v_max, math.sqrt(v * v + 2 * a))
            self._step_once(cur, v)
            self._check_stall()
            self._check_switch()

    def _step_once(self, direction: int, speed: float) -> None:
        level = (direction == UP) == self._dir_up_high
        if level != self._dir_level:
            self._dir.value = level
            self._dir_level = level
        # NOTE: deadlines, not a sleep per step: the loop's own time does not slow the motor.
        self._next_step_at += 1.0 / speed
        delay = self._next_step_at - self._clock()
        if delay > 0:
            self._sleep(delay)
        else:
            self._next_step_at = self._clock()
        with self._cond:
            if self._stop_requested:
                raise _MotionStoppedError
        self._step.on()
        self._step.off()
        with self._cond:
            self._pos += direction

    def _check_stall(self) -> None:
        if self._stall is not None and self._stall.is_active:
            raise _MotionFaultError(
                REASON_STALLED,
                f"{self.name}: the driver board reports a stall at about "
                f"{self.position_mm:.1f} mm (carriage blocked or motor overloaded)",
            )

    def _check_switch(self) -> None:
        position = self.position_mm
        if position > self.switch_tolerance_mm and self._limit.is_active:
            raise _MotionFaultError(
                REASON_POSITION_LOST,
                f"{self.name}: limit switch closed at a counted {position:.1f} mm: steps were "
                "lost (the carriage is lower than counted)",
            )

    # -- helpers -------------------------------------------------------------------------------

    def _steps_within_limits(self, mm: float) -> int:
        low, high = self.limits
        if not low <= mm <= high:
            raise MountLimitError(
                f"{self.name}: {mm:.1f} mm is outside the soft limits {low:.0f}-{high:.0f} mm",
                self.health,
            )
        return round(mm * self.steps_per_mm)

    def _check_open(self) -> None:
        if self._closed:
            raise CameraMountError(f"{self.name}: closed", self.health)

    def _check_ready(self) -> None:
        self._check_open()
        health = self.health
        if not self._homed or self._pending == "home" or health.state is not HealthState.OK:
            raise MountNotReadyError(
                f"{self.name}: not ready to move ({health.state.value}"
                f"{'/' + health.reason if health.reason else ''})",
                health,
            )

    def _set_health(self, health: Health) -> None:
        with self._health_lock:
            if health.same_as(self._health):
                return
            self._health = health
        if self._on_health is not None:
            self._on_health(self.name, health)

    def _close_devices(self) -> None:
        for device in reversed(self._devices):
            try:
                device.close()
            except GPIOZeroError as exc:
                logger.warning("%s: closing %s failed: %s", self.name, device, exc)
        self._devices.clear()

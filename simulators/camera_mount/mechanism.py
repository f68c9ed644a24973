"""The camera mount's mechanics on gpiozero's mock pins: stepper, lead screw, limit switch.

:class:`MountMechanism` plays the hardware's side of the wires on a
:class:`gpiozero.pins.mock.MockFactory`: it claims the STEP, DIR and ENABLE pins as
:class:`WatchedOutputPin` (a ``MockPin`` that tells it about every level change) and the limit
switch and stall (TMC2209 DIAG) pins as :class:`SensorPin` (a ``MockPin`` it drives, whose
level survives the driver setting its pull). It must be created *before* the driver claims the
pins; the driver (:class:`~kiosk.devices.camera_mount.stepper_driver.StepperCameraMount`) runs
unchanged against it.

Physics, kept simple: each rising STEP edge while the motor is energised (EN active) moves the
carriage one step in the DIR direction; a step while disabled is lost (no torque). The switch
is pressed at and below 0 mm; the carriage hits the frame ``overrun_mm`` beyond both ends of
the travel. A step into the frame, or any step while :meth:`jam` is in force, is ignored and
raises DIAG (as StallGuard would) until the motor is disabled. When a
:class:`~simulators.camera.simulator.CameraSimulator` is attached, every move calls its
``move_camera(position - reference_mm)``, so the preview pans as the camera travels.

Control API (tests, the demo, the bench): :meth:`jam` / :meth:`free`, :meth:`lose_limit_switch`
/ :meth:`restore_limit_switch`, :meth:`push_carriage_to` (someone moves it by hand), and the
record: :attr:`position_mm`, :attr:`lowest_mm` / :attr:`highest_mm` (:meth:`reset_extremes`),
:attr:`steps_moved`, :attr:`steps_ignored`, :attr:`energised`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from time import monotonic
from typing import Any

from gpiozero.pins.mock import MockFactory, MockPin, PinState

from simulators.camera.simulator import CameraSimulator

logger = logging.getLogger(__name__)

PIN_HISTORY = 256  # level changes a pin keeps (a STEP pin changes twice per step)


class WatchedOutputPin(MockPin):  # type: ignore[misc]
    """A mock pin that reports every level it is driven to (STEP, DIR, ENABLE)."""

    def __init__(self, factory: Any, info: Any, mechanism: MountMechanism, role: str) -> None:
        self.mechanism = mechanism
        self.role = role
        super().__init__(factory, info)

    def clear_states(self) -> None:
        """Start a bounded history (a full travel is tens of thousands of edges)."""
        self._last_change = monotonic()
        self.states = deque([PinState(0.0, self._state)], maxlen=PIN_HISTORY)

    def _change_state(self, value: bool) -> bool:
        changed = bool(super()._change_state(value))
        if changed and self._function == "output":
            self.mechanism.output_changed(self.role, bool(value))
        return changed


class SensorPin(MockPin):  # type: ignore[misc]
    """A mock input the mechanism drives (limit switch, DIAG); its level survives a pull."""

    def __init__(self, factory: Any, info: Any, mechanism: MountMechanism, role: str) -> None:
        self.mechanism = mechanism
        self.role = role
        super().__init__(factory, info)

    def _set_pull(self, value: str) -> None:
        super()._set_pull(value)
        # NOTE: MockPin drives an input to its pull; the switch's real level wins.
        self.mechanism.refresh_inputs()


class MountMechanism:
    """See the module docstring.

    Args:
        factory: the mock pin factory the driver will be given.
        step_pin: BCM pin of STEP.
        dir_pin: BCM pin of DIR.
        enable_pin: BCM pin of EN.
        limit_pin: BCM pin of the lower limit switch.
        stall_pin: BCM pin of DIAG; None when the board's output is not wired.
        steps_per_mm: steps per mm of the lead screw.
        travel_mm: travel above the switch's trip point.
        start_mm: where the carriage stands at power-on.
        reference_mm: the height at which the attached camera sees the scene as scripted.
        camera: the camera simulator to pan (optional).
        overrun_mm: room beyond each end of the travel before the frame stops the carriage.
        dir_up_high: DIR high moves up.
        enable_active_low: EN low energises the motor.
        limit_pull_up: the switch closes to ground (pressed reads low).
        stall_active_high: DIAG is active high.
    """

    def __init__(
        self,
        factory: MockFactory,
        *,
        step_pin: int = 20,
        dir_pin: int = 21,
        enable_pin: int = 16,
        limit_pin: int = 26,
        stall_pin: int | None = 19,
        steps_per_mm: float = 25.0,
        travel_mm: float = 400.0,
        start_mm: float = 120.0,
        reference_mm: float = 250.0,
        camera: CameraSimulator | None = None,
        overrun_mm: float = 3.0,
        dir_up_high: bool = True,
        enable_active_low: bool = True,
        limit_pull_up: bool = True,
        stall_active_high: bool = True,
    ) -> None:
        self.steps_per_mm = steps_per_mm
        self.travel_mm = travel_mm
        self.reference_mm = reference_mm
        self.camera = camera
        self.dir_up_high = dir_up_high
        self.enable_active_low = enable_active_low
        self.limit_pull_up = limit_pull_up
        self.stall_active_high = stall_active_high
        self.steps_moved = 0
        self.steps_ignored = 0
        self._lock = threading.RLock()
        self._steps = round(start_mm * steps_per_mm)
        self._bottom = -round(overrun_mm * steps_per_mm)
        self._top = round((travel_mm + overrun_mm) * steps_per_mm)
        self._lowest = self._highest = self._steps
        self._jammed = False
        self._switch_lost = False
        self._stalled = False
        self._step_pin = self._claim(factory, step_pin, WatchedOutputPin, "step")
        self._dir_pin = self._claim(factory, dir_pin, WatchedOutputPin, "dir")
        self._enable_pin = self._claim(factory, enable_pin, WatchedOutputPin, "enable")
        self._limit_pin = self._claim(factory, limit_pin, SensorPin, "limit")
        self._stall_pin = (
            None if stall_pin is None else self._claim(factory, stall_pin, SensorPin, "stall")
        )
        self.refresh_inputs()
        self._pan_camera()

    def _claim(self, factory: MockFactory, number: int, kind: type, role: str) -> Any:
        pin = factory.pin(number, pin_class=kind, mechanism=self, role=role)
        if not isinstance(pin, kind):
            raise ValueError(
                f"mount mechanism: GPIO{number} ({role}) was already claimed as "
                f"{type(pin).__name__}; create the mechanism before the driver"
            )
        return pin

    # -- control API ---------------------------------------------------------------------------

    def jam(self) -> None:
        """Something blocks the carriage: steps are ignored (and DIAG rises)."""
        with self._lock:
            self._jammed = True
        logger.info("mount mechanism: jammed at %.1f mm", self.position_mm)

    def free(self) -> None:
        """The carriage moves again."""
        with self._lock:
            self._jammed = False

    def lose_limit_switch(self) -> None:
        """The limit switch (or its cable) is gone: it never reads pressed."""
        with self._lock:
            self._switch_lost = True
        self.refresh_inputs()

    def restore_limit_switch(self) -> None:
        """The limit switch works again."""
        with self._lock:
            self._switch_lost = False
        self.refresh_inputs()

    def push_carriage_to(self, mm: float) -> None:
        """Someone moves the (released) carriage by hand: the driver's count is now wrong."""
        with self._lock:
            self._steps = min(self._top, max(self._bottom, round(mm * self.steps_per_mm)))
            self._note_extremes()
        self.refresh_inputs()
        self._pan_camera()

    def reset_extremes(self) -> None:
        """Start :attr:`lowest_mm` / :attr:`highest_mm` again from here."""
        with self._lock:
            self._lowest = self._highest = self._steps

    @property
    def position_mm(self) -> float:
        """Where the carriage really is (mm above the switch's trip point)."""
        with self._lock:
            return self._steps / self.steps_per_mm

    @property
    def lowest_mm(self) -> float:
        """The lowest position reached since power-on."""
        with self._lock:
            return self._lowest / self.steps_per_mm

    @property
    def highest_mm(self) -> float:
        """The highest position reached since power-on."""
        with self._lock:
            return self._highest / self.steps_per_mm

    @property
    def energised(self) -> bool:
        """True while EN holds the motor energised."""
        return bool(self._enable_pin.state) != self.enable_active_low

    @property
    def limit_pressed(self) -> bool:
        """True while the switch is pressed (a lost switch never is)."""
        with self._lock:
            return self._steps <= 0 and not self._switch_lost

    @property
    def stalled(self) -> bool:
        """True while DIAG reports a stall."""
        with self._lock:
            return self._stalled

    # -- the wires -----------------------------------------------------------------------------

    def output_changed(self, role: str, level: bool) -> None:
        """A STEP, DIR or ENABLE level change from the driver (called by the pins)."""
        if role == "step" and level:
            self._step()
        elif role == "enable" and not self.energised:
            with self._lock:
                self._stalled = False  # the TMC2209 clears DIAG when disabled
            self.refresh_inputs()

    def _step(self) -> None:
        with self._lock:
            if not self.energised:
                self.steps_ignored += 1  # no torque: the step is lost
                return
            up = bool(self._dir_pin.state) == self.dir_up_high
            new = self._steps + (1 if up else -1)
            if self._jammed or not self._bottom <= new <= self._top:
                self.steps_ignored += 1
                self._stalled = True
            else:
                self._steps = new
                self.steps_moved += 1
                self._note_extremes()
        self.refresh_inputs()
        self._pan_camera()

    def _note_extremes(self) -> None:
        self._lowest = min(self._lowest, self._steps)
        self._highest = max(self._highest, self._steps)

    def refresh_inputs(self) -> None:
        """Drive the switch and DIAG inputs to the mechanism's state."""
        with self._lock:
            pressed = self._steps <= 0 and not self._switch_lost
            stalled = self._stalled
        self._drive(getattr(self, "_limit_pin", None), pressed != self.limit_pull_up)
        self._drive(getattr(self, "_stall_pin", None), stalled == self.stall_active_high)

    @staticmethod
    def _drive(pin: Any, high: bool) -> None:
        if pin is None or pin.function != "input":
            return
        if high:
            pin.drive_high()
        else:
            pin.drive_low()

    def _pan_camera(self) -> None:
        if self.camera is not None:
            self.camera.move_camera(self.position_mm - self.reference_mm)

"""The stepper camera mount driver against the mount mechanism simulator on MockFactory pins.

The driver runs unchanged: the simulator plays the carriage, the lead screw, the limit switch
and the board's DIAG output on the other side of the mock wires. Step timing runs on a fake
clock that the injected sleep advances, so a ramp is measured exactly and no test waits for
the motor in real time (timeouts are only a safety net).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from gpiozero.pins.mock import MockFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.camera_mount.factory import CameraMountSettings, build_camera_mount
from kiosk.devices.camera_mount.protocol import (
    REASON_NOT_HOMED,
    REASON_POSITION_LOST,
    REASON_STALLED,
    MountLimitError,
    MountNotReadyError,
)
from kiosk.devices.camera_mount.stepper_driver import StepperCameraMount
from kiosk.devices.health import Health, HealthState
from simulators.camera_mount.mechanism import MountMechanism

SPM = 25.0
PINS = {"step_pin": 20, "dir_pin": 21, "enable_pin": 16, "limit_pin": 26, "stall_pin": 19}
WAIT = 20.0  # safety net only


@dataclass
class FakeTime:
    """A clock the step waits advance; records each wait and whether the motor was energised."""

    mechanism: MountMechanism | None = None
    now: float = 0.0
    waits: list[float] = field(default_factory=list)
    energised_while_waiting: set[bool] = field(default_factory=set)
    gate_after: int | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waits.append(seconds)
        if self.mechanism is not None:
            self.energised_while_waiting.add(self.mechanism.energised)
        if self.gate_after is not None and len(self.waits) == self.gate_after:
            self.reached.set()
            self.gate.wait(WAIT)


@dataclass
class Rig:
    factory: MockFactory
    mechanism: MountMechanism
    time: FakeTime
    health: list[Health]
    make: Callable[..., StepperCameraMount]


@pytest.fixture
def rig() -> Iterator[Rig]:
    factory = MockFactory()
    mounts: list[StepperCameraMount] = []
    health: list[Health] = []
    fake = FakeTime()

    def mechanism(**kw: object) -> MountMechanism:
        options: dict[str, object] = {"steps_per_mm": SPM, "start_mm": 120.0, **PINS, **kw}
        mech = MountMechanism(factory, **options)  # type: ignore[arg-type]
        fake.mechanism = mech
        return mech

    def make(**kw: object) -> StepperCameraMount:
        options: dict[str, object] = {"steps_per_mm": SPM, **PINS, **kw}
        mount = StepperCameraMount(
            pin_factory=factory,
            on_health=lambda _name, h: health.append(h),
            sleep=fake.sleep,
            clock=fake.clock,
            **options,  # type: ignore[arg-type]
        )
        mounts.append(mount)
        return mount

    rig = Rig(factory, mechanism(), fake, health, make)
    rig.mechanism_factory = mechanism  # type: ignore[attr-defined]
    yield rig
    fake.gate.set()
    for mount in mounts:
        mount.close()
    factory.reset()


def homed(rig: Rig, **kw: object) -> StepperCameraMount:
    mount = rig.make(**kw)
    mount.home()
    assert mount.wait_idle(WAIT)
    assert mount.homed, mount.health
    return mount


def states(rig: Rig) -> list[tuple[str, str]]:
    return [(h.state.value, h.reason) for h in rig.health]


def test_homing_finds_the_switch_backs_off_and_reports_ok(rig: Rig) -> None:
    mount = rig.make()
    assert mount.health.state is HealthState.UNKNOWN
    with pytest.raises(MountNotReadyError):
        mount.move_to(100)

    mount.home()
    assert mount.wait_idle(WAIT)

    assert mount.homed
    assert states(rig) == [("unknown", "mount_homing"), ("ok", "")]
    assert not rig.mechanism.limit_pressed
    assert mount.position_mm == rig.mechanism.position_mm == 1 / SPM  # one step off the switch
    assert not rig.mechanism.energised


def test_homing_then_goes_to_the_given_height(rig: Rig) -> None:
    mount = rig.make()
    mount.home(then_mm=250)
    assert mount.wait_idle(WAIT)
    assert mount.position_mm == rig.mechanism.position_mm == 250.0


def test_a_move_ends_where_the_carriage_really_is_and_pans_no_further(rig: Rig) -> None:
    mount = homed(rig)
    mount.move_to(300)
    assert mount.moving or mount.wait_idle(0)
    assert mount.wait_idle(WAIT)
    assert mount.position_mm == rig.mechanism.position_mm == 300.0
    mount.move_to(42.5)
    assert mount.wait_idle(WAIT)
    assert mount.position_mm == rig.mechanism.position_mm == pytest.approx(42.5, abs=1 / SPM)
    assert rig.mechanism.steps_ignored == 0


def test_a_move_ramps_from_the_start_speed_to_the_cruise_speed_and_back(rig: Rig) -> None:
    mount = homed(rig, max_speed_mm_s=40.0, start_speed_mm_s=4.0, accel_mm_s2=120.0)
    mount.move_to(100)
    assert mount.wait_idle(WAIT)
    rig.time.waits.clear()
    mount.move_to(300)
    assert mount.wait_idle(WAIT)

    speeds = [1 / w / SPM for w in rig.time.waits]  # mm/s of each step
    assert len(speeds) == 200 * SPM
    assert speeds[0] == pytest.approx(4.0, rel=0.05)
    assert speeds[-1] == pytest.approx(4.0, rel=0.3)
    assert max(speeds) == pytest.approx(40.0)
    cruising = sum(1 for v in speeds if v == pytest.approx(40.0))
    # v^2 = 2 a d: 6.6 mm of ramp at each end at 120 mm/s^2, the rest at cruise speed.
    assert cruising / SPM == pytest.approx(200 - 2 * (40**2 - 4**2) / (2 * 120), abs=1.0)
    assert sum(rig.time.waits) == pytest.approx(5.33, abs=0.1)  # 186.8/40 + 2 x 0.33 s


def test_targets_outside_the_soft_limits_are_refused_and_nudges_are_clamped(rig: Rig) -> None:
    mount = homed(rig, travel_mm=400.0, margin_mm=5.0)
    assert mount.limits == (5.0, 395.0)
    for outside in (4.9, -10.0, 395.1, 1000.0):
        with pytest.raises(MountLimitError, match="soft limits"):
            mount.move_to(outside)
    with pytest.raises(ValueError):  # MountLimitError is a ValueError
        mount.move_to(-1)

    assert mount.nudge(+1000) == 395.0
    assert mount.wait_idle(WAIT)
    assert mount.nudge(-30) == 365.0
    assert mount.wait_idle(WAIT)
    assert rig.mechanism.position_mm == 365.0


def test_a_jammed_carriage_is_a_stall_fault_and_the_motor_is_released(rig: Rig) -> None:
    mount = homed(rig)
    mount.move_to(200)
    assert mount.wait_idle(WAIT)
    rig.mechanism.jam()

    mount.move_to(250)
    assert mount.wait_idle(WAIT)

    health = mount.health
    assert (health.state, health.reason) == (HealthState.FAULT, REASON_STALLED)
    assert "stall" in health.detail
    assert not mount.homed
    assert not rig.mechanism.energised
    assert rig.mechanism.position_mm == 200.0
    with pytest.raises(MountNotReadyError, match="fault/mount_stalled"):
        mount.move_to(100)

    rig.mechanism.free()  # a technician clears it and homes again
    mount.home(then_mm=100)
    assert mount.wait_idle(WAIT)
    assert mount.health.state is HealthState.OK
    assert rig.mechanism.position_mm == 100.0


def test_a_missing_limit_switch_fails_homing(rig: Rig) -> None:
    rig.mechanism.lose_limit_switch()
    mount = rig.make()
    mount.home()
    assert mount.wait_idle(WAIT)

    health = mount.health
    assert (health.state, health.reason) == (HealthState.FAULT, REASON_NOT_HOMED)
    assert "before the limit switch closed" in health.detail
    assert rig.mechanism.position_mm == -3.0  # on the frame below the switch
    assert not mount.homed
    assert not rig.mechanism.energised


def test_without_a_stall_output_a_missing_switch_is_found_by_the_travel_limit(rig: Rig) -> None:
    rig.factory.reset()
    mechanism = rig.mechanism_factory(stall_pin=None)  # type: ignore[attr-defined]
    mechanism.lose_limit_switch()
    mount = rig.make(stall_pin=None, travel_mm=200.0)
    mount.home()
    assert mount.wait_idle(WAIT)

    health = mount.health
    assert (health.state, health.reason) == (HealthState.FAULT, REASON_NOT_HOMED)
    assert "not reached within 210 mm" in health.detail
    assert mechanism.steps_ignored > 0


def test_the_switch_closing_away_from_home_means_the_position_is_lost(rig: Rig) -> None:
    mount = homed(rig)
    mount.move_to(250)
    assert mount.wait_idle(WAIT)
    rig.mechanism.push_carriage_to(0)  # someone shoved the released carriage down

    mount.move_to(200)
    assert mount.wait_idle(WAIT)

    health = mount.health
    assert (health.state, health.reason) == (HealthState.FAULT, REASON_POSITION_LOST)
    assert "steps were lost" in health.detail
    assert not mount.homed


def test_stop_halts_a_move_part_way_and_releases_the_motor(rig: Rig) -> None:
    mount = homed(rig)
    steps_before = len(rig.time.waits)
    rig.time.gate_after = steps_before + 200
    mount.move_to(300)
    assert rig.time.reached.wait(WAIT)
    stopper = threading.Thread(target=mount.stop)
    stopper.start()
    while mount.target_mm is not None:  # stop() has taken the target away
        threading.Event().wait(0.001)
    rig.time.gate.set()
    stopper.join(WAIT)

    assert not mount.moving
    assert mount.position_mm == rig.mechanism.position_mm == pytest.approx(199 / SPM + 1 / SPM)
    assert mount.homed and mount.health.state is HealthState.OK
    assert not rig.mechanism.energised
    mount.move_to(50)  # still usable
    assert mount.wait_idle(WAIT)
    assert rig.mechanism.position_mm == 50.0


def test_a_new_target_while_moving_turns_round_without_losing_count(rig: Rig) -> None:
    mount = homed(rig)
    rig.time.gate_after = len(rig.time.waits) + 1500
    mount.move_to(300)
    assert rig.time.reached.wait(WAIT)
    mount.move_to(20)  # while it travels up at speed
    rig.time.gate.set()
    assert mount.wait_idle(WAIT)

    assert mount.position_mm == rig.mechanism.position_mm == 20.0
    assert rig.mechanism.highest_mm > 60.0  # it decelerated before turning round
    assert rig.mechanism.steps_ignored == 0


def test_the_motor_is_energised_only_while_it_moves(rig: Rig) -> None:
    mount = homed(rig)
    assert not rig.mechanism.energised
    rig.time.energised_while_waiting.clear()
    mount.move_to(100)
    assert mount.wait_idle(WAIT)
    mount.move_to(60)
    assert mount.wait_idle(WAIT)

    assert rig.time.energised_while_waiting == {True}
    assert not rig.mechanism.energised
    enable = rig.factory.pin(PINS["enable_pin"])
    # EN is active low: high = released. Idle, on for each move, released after each.
    assert [s.state for s in enable.states][-4:] == [False, True, False, True]


def test_a_pin_used_twice_is_refused(rig: Rig) -> None:
    with pytest.raises(ValueError, match="used twice"):
        StepperCameraMount(
            step_pin=20, dir_pin=20, enable_pin=16, limit_pin=26, pin_factory=rig.factory
        )


def test_the_builder_homes_at_start_and_parks_at_the_default_height(rig: Rig) -> None:
    reports: list[tuple[str, str]] = []
    mount = build_camera_mount(
        CameraMountSettings(default_mm=250.0, name="booth_mount"),
        rig.factory,
        on_health=lambda name, h: reports.append((name, h.state.value)),
        sleep=rig.time.sleep,
    )
    try:
        assert mount.wait_idle(WAIT)
        assert rig.mechanism.position_mm == mount.position_mm == 250.0
        assert reports == [("booth_mount", "unknown"), ("booth_mount", "ok")]
    finally:
        mount.close()


def test_the_builder_refuses_a_default_height_outside_the_travel(rig: Rig) -> None:
    with pytest.raises(ValueError, match="default_mm 500"):
        build_camera_mount(CameraMountSettings(default_mm=500.0), rig.factory)


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.floats(-40, 110, allow_nan=False)),
        st.tuples(st.just("nudge"), st.floats(-150, 150, allow_nan=False)),
        st.tuples(st.just("stop"), st.just(0.0)),
        st.tuples(st.just("wait"), st.just(0.0)),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(ops=OPS)
def test_no_sequence_of_commands_takes_the_carriage_outside_the_soft_limits(
    ops: list[tuple[str, float]],
) -> None:
    factory = MockFactory()
    fake = FakeTime()
    mechanism = MountMechanism(factory, steps_per_mm=10.0, travel_mm=80.0, start_mm=30.0, **PINS)
    mount = StepperCameraMount(
        steps_per_mm=10.0,
        travel_mm=80.0,
        pin_factory=factory,
        sleep=fake.sleep,
        clock=fake.clock,
        **PINS,
    )
    try:
        mount.home(then_mm=40.0)
        assert mount.wait_idle(WAIT)
        mechanism.reset_extremes()
        low, high = mount.limits
        for op, value in ops:
            if op == "move":
                if low <= value <= high:
                    mount.move_to(value)
                else:
                    with pytest.raises(MountLimitError):
                        mount.move_to(value)
            elif op == "nudge":
                assert low <= mount.nudge(value) <= high
            elif op == "stop":
                mount.stop()
            else:
                assert mount.wait_idle(WAIT)
        assert mount.wait_idle(WAIT)
        assert low <= mechanism.lowest_mm and mechanism.highest_mm <= high
        assert mount.position_mm == mechanism.position_mm
        assert mount.health.state is HealthState.OK
        assert not mechanism.energised
    finally:
        mount.close()
        factory.reset()

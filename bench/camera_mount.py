"""Camera mount figures: frames from a person stepping in to their eyes in the band.

    python -m bench.camera_mount [--fps 10]

For people of different heights (eye line from 0.20 to 0.72 of the 720-line preview: a tall
adult to a child or a wheelchair user), the real chain runs: camera simulator → Haar guidance
→ eye-level controller → stepper driver → mount mechanism simulator → the camera pans. The
driver's step waits run on a simulated clock; the frames the preview shows while the motor
travels at its real speed (40 mm/s, 120 mm/s² ramps) are counted from it at ``--fps``.
Printed per person: frames until guidance first says "hold still", frames that said "the
camera is moving", the distance travelled, and whether the person was ever asked to move up
or down.
"""

from __future__ import annotations

import argparse
import math

from gpiozero.pins.mock import MockFactory

from kiosk.core.photo.detect import HaarFaceDetector
from kiosk.core.photo.eye_level import (
    CAMERA_MOVING,
    CameraHeightGuide,
    EyeLevelController,
    EyeLevelSettings,
)
from kiosk.core.photo.guidance import MESSAGE_IDS, GuidanceSettings, GuidanceState
from kiosk.core.photo.rules import load_rule_set
from kiosk.devices.camera_mount.factory import CameraMountSettings, build_camera_mount
from simulators.camera.scene import EYE_DY, Person
from simulators.camera.simulator import CameraSimulator, Shot
from simulators.camera_mount.mechanism import MountMechanism

DEFAULT_MM = 250.0
SCALE = 1.2


class MotorClock:
    """Simulated time for the driver: its step waits advance it (the motor's own travel time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(eye_share: float, fps: float, detector: HaarFaceDetector) -> tuple[int, int, float, bool]:
    """Frames to "hold still", frames moving, mm travelled, asked to move up/down."""
    rules = load_rule_set("jp-passport")
    guidance = GuidanceSettings.for_rules(rules)
    camera = CameraSimulator()
    cy = eye_share * 720 - EYE_DY * SCALE
    camera.hold(Shot("person", 1, (Person(cx=640, cy=cy, scale=SCALE),)))
    pins = MockFactory()
    mechanism = MountMechanism(pins, start_mm=DEFAULT_MM, reference_mm=DEFAULT_MM, camera=camera)
    time = MotorClock()
    mount = build_camera_mount(
        CameraMountSettings(default_mm=DEFAULT_MM, home_at_start=False),
        pins,
        sleep=time.sleep,
        clock=time.clock,
    )
    mount.home(then_mm=DEFAULT_MM)
    mount.wait_idle(60)
    controller = EyeLevelController(EyeLevelSettings(band=guidance.vertical_band))
    guide = CameraHeightGuide(
        detector, guidance, rules, mount=mount, controller=controller, clock=time.clock
    )
    frames = moving = 0
    asked = False
    start = mechanism.position_mm
    try:
        while frames < 200:
            frames += 1
            frame = camera.render_frame(1280, 720)
            assert frame is not None
            advice = guide.advise(frame)
            asked |= advice.message_id in (MESSAGE_IDS["move_up"], MESSAGE_IDS["move_down"])
            if advice.state is GuidanceState.OK:
                break
            started = time.now
            assert mount.wait_idle(60)
            # NOTE: the frames the preview shows while the motor travels, from its own time:
            # each says "the camera is moving" (the controller ignores them).
            travel_frames = math.ceil((time.now - started) * fps)
            frames += travel_frames
            moving += travel_frames + (advice.message_id == CAMERA_MOVING)
    finally:
        mount.close()
        pins.reset()
    return frames, moving, abs(mechanism.position_mm - start), asked


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, default=10.0, help="guidance frames per second")
    args = parser.parse_args()
    detector = HaarFaceDetector()
    print(f"camera mount, {args.fps:g} guidance frames/s, default height {DEFAULT_MM:.0f} mm")
    print("eye line  frames to ok  camera moving  travel mm  asked to move")
    for eye in (0.20, 0.26, 0.45, 0.60, 0.66, 0.72):
        frames, moving, travel, asked = run(eye, args.fps, detector)
        print(f"{eye:8.2f}  {frames:12d}  {moving:15d}  {travel:9.0f}  {'yes' if asked else 'no'}")


if __name__ == "__main__":
    main()

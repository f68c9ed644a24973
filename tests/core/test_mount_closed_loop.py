"""Closed loop: the photo booth's guide, the eye-level controller, the stepper driver, the
mount mechanism simulator and the camera simulator bring a low face to the camera.

Nothing of ours is mocked: the booth's own guide (real Haar detection on rendered frames)
moves the real driver, whose STEP pulses move the simulated carriage, which pans the camera
simulator's scene. Each frame waits for the mount to stand still (a safety-net timeout only),
so the loop is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.core.photo.eye_level import CAMERA_MOVING, CameraHeightGuide
from kiosk.core.photo.guidance import MESSAGE_IDS, GuidanceState
from kiosk.core.photo.session import PhotoBoothService, PhotoSettings
from kiosk.devices.camera.factory import open_camera
from kiosk.devices.camera_mount.factory import CameraMountSettings, build_camera_mount
from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.health import HealthBoard, HealthState
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from simulators.camera.scene import Image, Person
from simulators.camera.simulator import CameraSimulator, Shot
from simulators.camera_mount.mechanism import MountMechanism
from tests.core.conftest import SteppingClock
from tests.core.photo_support import DETECTOR

DEFAULT_MM = 250.0
WAIT = 20.0  # safety net only
# A child, or someone in a wheelchair: the face fits but sits low (eye line at 0.67 of 720).
SEATED = Shot("seated", 1, (Person(cx=640, cy=500, scale=1.2),))
TALL = Shot("tall", 1, (Person(cx=640, cy=215, scale=1.2),))


class RecordingCamera(CameraSimulator):
    """The camera simulator, noting whether the camera height was held at each still."""

    booth: PhotoBoothService | None = None
    held_at_still: list[bool]

    def render_frame(self, width: int, height: int) -> Image | None:
        if width > 1280 and self.booth is not None and self.booth.eye_level is not None:
            self.held_at_still.append(self.booth.eye_level.held)
        return super().render_frame(width, height)


@dataclass
class Booth:
    service: PhotoBoothService
    mount: CameraMount
    mechanism: MountMechanism
    camera: RecordingCamera
    health: HealthBoard


@pytest.fixture
def booth(tmp_path: Path, clock: SteppingClock) -> Iterator[Booth]:
    camera_sim = RecordingCamera()
    camera_sim.held_at_still = []
    factory = MockFactory()
    mechanism = MountMechanism(factory, start_mm=120.0, reference_mm=DEFAULT_MM, camera=camera_sim)
    health = HealthBoard()
    mount = build_camera_mount(
        CameraMountSettings(default_mm=DEFAULT_MM),
        factory,
        on_health=health.report,
        sleep=lambda _s: None,
    )
    assert mount.wait_idle(WAIT)
    db = Database(tmp_path / "kiosk.sqlite3")
    service = PhotoBoothService(
        PhotoSettings(),
        db,
        Outbox(db, kiosk_id="test-kiosk-1", session=begin_session(db)),
        clock,
        tmp_path / "photos",
        camera=open_camera("camera://0", capture_factory=camera_sim.open_capture),
        health=health,
        detector=DETECTOR,
        mount=mount,
    )
    camera_sim.booth = service
    yield Booth(service, mount, mechanism, camera_sim, health)
    service.close()
    db.close()
    factory.reset()


def run_preview(booth: Booth, shot: Shot, frames: int) -> list[str]:
    """Guidance message ids, frame by frame, until "hold still" (or ``frames`` run out)."""
    booth.camera.hold(shot)
    guide = booth.service.guide()
    assert isinstance(guide, CameraHeightGuide)
    messages: list[str] = []
    for _ in range(frames):
        frame = booth.camera.render_frame(1280, 720)
        assert frame is not None
        advice = guide.advise(frame)
        messages.append(advice.message_id)
        assert booth.mount.wait_idle(WAIT)
        if advice.state is GuidanceState.OK:
            break
    return messages


def test_a_seated_person_is_met_by_the_camera_going_down_and_is_never_asked_to_stretch(
    booth: Booth,
) -> None:
    assert booth.mechanism.position_mm == DEFAULT_MM
    assert booth.health.get("camera_mount").state is HealthState.OK

    messages = run_preview(booth, SEATED, frames=30)

    assert messages[-1] == MESSAGE_IDS["ok"]
    assert MESSAGE_IDS["move_up"] not in messages
    assert messages[0] == CAMERA_MOVING  # from the first frame: the camera comes to them
    assert booth.mount.position_mm == booth.mechanism.position_mm < DEFAULT_MM - 80
    assert booth.camera.camera_offset_mm == booth.mechanism.position_mm - DEFAULT_MM
    assert len(messages) <= 4 + 2 + 2  # steady frames, settle frames, a correction at most


def test_a_tall_person_is_met_by_the_camera_going_up(booth: Booth) -> None:
    messages = run_preview(booth, TALL, frames=30)

    assert messages[-1] == MESSAGE_IDS["ok"]
    assert MESSAGE_IDS["move_down"] not in messages
    assert booth.mechanism.position_mm > DEFAULT_MM + 40


def test_a_stalled_mount_falls_back_to_asking_the_person(booth: Booth) -> None:
    booth.mechanism.jam()
    booth.mount.move_to(200)
    assert booth.mount.wait_idle(WAIT)
    assert booth.health.get("camera_mount").reason == "mount_stalled"

    messages = run_preview(booth, SEATED, frames=3)

    assert messages == [MESSAGE_IDS["move_up"]] * 3


def test_the_camera_height_is_held_while_the_still_is_taken(booth: Booth) -> None:
    booth.service.take_still()
    assert booth.camera.held_at_still and all(booth.camera.held_at_still)
    assert booth.service.eye_level is not None and not booth.service.eye_level.held

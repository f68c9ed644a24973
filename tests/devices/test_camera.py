"""The OpenCV camera driver against the camera simulator, the factory and the image source."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from kiosk.devices.camera.factory import open_camera
from kiosk.devices.camera.image_camera import ImageFolderCamera
from kiosk.devices.camera.opencv_camera import CameraLostError, OpenCvCamera
from kiosk.devices.camera.protocol import Frame
from kiosk.devices.health import Health, HealthState
from kiosk.errors import DeviceUrlError
from simulators.camera.scene import Person
from simulators.camera.simulator import CameraSimulator, Shot

WAIT_S = 20.0  # a safety net against a hung test, never a timing assertion


class Recorder:
    """Collects health changes; tests wait for a state without sleeping."""

    def __init__(self) -> None:
        self.states: list[tuple[HealthState, str]] = []
        self._cond = threading.Condition()

    def __call__(self, name: str, health: Health) -> None:
        with self._cond:
            self.states.append((health.state, health.reason))
            self._cond.notify_all()

    def wait_for(self, count: int) -> list[tuple[HealthState, str]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.states) >= count, WAIT_S)
            return list(self.states)


def make_camera(sim: CameraSimulator, recorder: Recorder) -> OpenCvCamera:
    return OpenCvCamera(
        0,
        capture_factory=sim.open_capture,
        reopen_backoff_s=(0.01, 0.05),
        on_health=recorder,
        settle_frames=1,
    )


@pytest.fixture
def pump() -> Iterator[list[OpenCvCamera]]:
    cameras: list[OpenCvCamera] = []
    yield cameras
    for camera in cameras:
        camera.close()


def start_preview(camera: OpenCvCamera) -> queue.Queue[Frame]:
    frames: queue.Queue[Frame] = queue.Queue(maxsize=4)

    def run() -> None:
        for frame in camera.frames():
            try:
                frames.put(frame, timeout=WAIT_S)
            except queue.Full:
                return

    threading.Thread(target=run, daemon=True).start()
    return frames


GOOD = (Person(cx=640, cy=330, scale=1.2),)


def test_preview_frames_are_1280x720_and_the_still_is_full_resolution(
    pump: list[OpenCvCamera],
) -> None:
    sim = CameraSimulator((Shot("good", 10, GOOD),))
    recorder = Recorder()
    camera = make_camera(sim, recorder)
    pump.append(camera)
    frames = camera.frames()
    assert [next(frames).shape for _ in range(3)] == [(720, 1280, 3)] * 3
    assert camera.still().shape == (1944, 2592, 3)
    assert next(frames).shape == (720, 1280, 3)
    assert recorder.states == [(HealthState.OK, "")]


def test_unplugged_camera_is_a_fault_and_the_preview_resumes_when_it_is_back(
    pump: list[OpenCvCamera],
) -> None:
    sim = CameraSimulator((Shot("good", 10, GOOD),))
    recorder = Recorder()
    camera = make_camera(sim, recorder)
    pump.append(camera)
    frames = start_preview(camera)
    assert frames.get(timeout=WAIT_S).shape == (720, 1280, 3)
    sim.unplug()
    assert recorder.wait_for(2)[1] == (HealthState.FAULT, "disconnected")
    with pytest.raises(CameraLostError):
        camera.still()
    while not frames.empty():
        frames.get_nowait()
    sim.plug()
    assert recorder.wait_for(3)[2] == (HealthState.OK, "")
    assert frames.get(timeout=WAIT_S).shape == (720, 1280, 3)
    assert camera.opens >= 2 and camera.losses >= 1


def test_a_scripted_dropout_is_a_fault_then_ok_without_help() -> None:
    sim = CameraSimulator(
        (Shot("good", 4, GOOD), Shot("dropout", 5, dropout=True), Shot("good", 100, GOOD))
    )
    recorder = Recorder()
    camera = make_camera(sim, recorder)
    frames = camera.frames()
    for _ in range(8):
        next(frames)
    camera.close()
    assert recorder.states == [
        (HealthState.OK, ""),
        (HealthState.FAULT, "disconnected"),
        (HealthState.OK, ""),
    ]
    assert sim.captures_opened == 2


def test_the_factory_builds_cameras_from_urls(tmp_path: Path) -> None:
    assert isinstance(open_camera("camera://0"), OpenCvCamera)
    assert open_camera("camera:///dev/video0").device == "/dev/video0"  # type: ignore[attr-defined]
    assert isinstance(open_camera(f"file://{tmp_path}"), ImageFolderCamera)
    with pytest.raises(DeviceUrlError, match="capture_factory"):
        open_camera("sim://")
    with pytest.raises(DeviceUrlError, match="cannot be a camera"):
        open_camera("tcp://127.0.0.1:9100")


def test_an_image_folder_gives_scaled_previews_and_full_size_stills(tmp_path: Path) -> None:
    sim = CameraSimulator((Shot("good", 2, GOOD),))
    for index in range(2):
        frame = sim.render_frame(2000, 1500)
        assert frame is not None
        cv2.imwrite(str(tmp_path / f"{index}.png"), frame)
    camera = open_camera(f"file://{tmp_path}")
    frames = camera.frames()
    assert next(frames).shape == (720, 960, 3)
    assert camera.still().shape == (1500, 2000, 3)
    assert camera.health.state is HealthState.OK
    camera.close()
    assert list(frames) == []


def test_an_empty_folder_is_a_fault() -> None:
    camera = ImageFolderCamera(Path("/nonexistent-photo-folder"))
    with pytest.raises(CameraLostError):
        camera.still()
    assert (camera.health.state, camera.health.reason) == (HealthState.FAULT, "no_images")

"""The camera simulator records its session as a video, and a video plays as the camera.

The recorded clip goes through our real camera driver (``file:///clip.avi`` is an
``OpenCvCamera`` on OpenCV's FFmpeg reader), and the guidance on its frames follows the script.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kiosk.core.photo.guidance import PhotoGuide
from kiosk.core.photo.rules import load_rule_set
from kiosk.devices.camera.factory import open_camera
from simulators.camera import __main__ as camera_cli
from simulators.camera.simulator import SESSION, CameraSimulator
from tests.core.photo_support import DETECTOR


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "session.avi"
    # The first 100 frames of the script: empty booth, stepping in, closer, off centre, tilt,
    # closed eyes.
    assert camera_cli.main(["--video", str(path), "--frames", "100"]) == 0
    return path


def test_the_recorded_session_plays_through_the_real_driver_with_the_scripts_advice(
    clip: Path,
) -> None:
    camera = open_camera(f"file://{clip}")
    guide = PhotoGuide(DETECTOR, rule_set=load_rule_set("jp-passport"))
    try:
        frames = list(itertools.islice(camera.frames(), 100))
    finally:
        camera.close()
    assert len(frames) == 100
    assert frames[0].shape == (720, 1280, 3)
    advice = [guide.advise(f).state.value for f in frames[::5]]
    script = [s.name for s in SESSION]
    assert script[:6] == ["empty", "step_in", "come_closer", "off_centre", "tilt", "eyes_closed"]
    assert advice[0] == "no_face"  # the empty booth
    assert "ok" in advice and "tilted" in advice and "eyes_not_seen" in advice
    assert advice.index("tilted") < advice.index("eyes_not_seen")


def test_the_simulator_plays_a_video_file_in_a_loop(clip: Path) -> None:
    sim = CameraSimulator(video=clip)
    frames = [sim.render_frame(640, 360) for _ in range(130)]
    assert all(f is not None and f.shape == (360, 640, 3) for f in frames)
    assert sim.frames_served == 130  # past the clip's 100 frames: it looped
